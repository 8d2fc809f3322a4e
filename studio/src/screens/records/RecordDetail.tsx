import { RecordName } from '../../lib/record-name.tsx';
import { lazy, Suspense, useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { Link, useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { allFieldInfos, inverseRelations, titleField } from '../../lib/meta.ts';
import { FieldValue } from '../../lib/format.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { RelatedList } from './RelatedList.tsx';
import { FilesPanel } from '../../components/FilesPanel.tsx';

// The approval panel lives with the workflow screens and loads with its own chunk.
const ApprovalPanel = lazy(() => import('../workflow/ApprovalPanel.tsx'));
// A customer's page logs a call or message in one tap (the field module's panel, its own chunk).
const LogActivityPanel = lazy(() => import('../field/LogActivityPanel.tsx'));

export default function RecordDetail({ params }: ScreenProps) {
  const objectName = params.object ?? '';
  const id = params.id ?? '';
  const { t, label } = useI18n();
  const session = useSession();
  const { navigate } = useRouter();
  const doc = session.object(objectName);
  const record = useAsync(() => api.get<RecordRow>(`/objects/${objectName}/${id}`), [objectName, id]);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  // Bumped when a call is logged: the related lists (the customer's activities) read again.
  const [logged, setLogged] = useState(0);
  const relations = useMemo(() => inverseRelations(session.objects, objectName).filter((r) => session.can(r.object, 'read')), [session, objectName]);
  if (!doc)
    return (
      <div className="empty-state">
        <h1>{t('errors.notFound')}</h1>
      </div>
    );
  const hidden = new Set(session.isAdmin ? [] : (session.permission(objectName)?.hiddenFields ?? []));
  const fields = allFieldInfos(doc).filter((f) => !hidden.has(f.name) && f.name !== 'id');
  const row = record.data;
  const heading = row ? <RecordName doc={doc} row={row} hidden={hidden} /> : label(doc.label, objectName);

  const remove = async () => {
    setConfirming(false);
    try {
      await api.del(`/objects/${objectName}/${id}`);
      navigate(`/o/${objectName}`);
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <section>
      <PageHeader
        title={heading}
        crumbs={[{ to: `/o/${objectName}`, text: label(doc.pluralLabel ?? doc.label, objectName) }]}
        actions={
          row && (
            <>
              {session.can(objectName, 'update') && (
                <Link className="btn btn-primary" to={`/o/${objectName}/${id}/edit`}>
                  <Icon name="edit" size={16} /> {t('common.edit')}
                </Link>
              )}
              {session.can(objectName, 'delete') && (
                <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
                  <Icon name="trash" size={16} /> {t('common.delete')}
                </button>
              )}
            </>
          )
        }
      />
      <ErrorAlert error={record.error ?? deleteError} />
      <ConfirmDialog
        open={confirming}
        title={t('records.confirmDeleteTitle')}
        message={t('records.confirmDelete')}
        confirmLabel={t('common.delete')}
        danger
        onConfirm={remove}
        onClose={() => setConfirming(false)}
      />
      {row && (
        <div className="card">
          <dl className="props">
            {fields.map((f) => (
              <div key={f.name} style={{ display: 'contents' }}>
                <dt>{label(f.label, f.name)}</dt>
                <dd>
                  <FieldValue field={f} value={row[f.name]} record={row} />
                </dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {row && (
        <Suspense fallback={null}>
          <ApprovalPanel object={objectName} id={id} onChange={record.reload} />
        </Suspense>
      )}
      {row && objectName === 'customer' && session.can('activity', 'create') && (
        <Suspense fallback={null}>
          <LogActivityPanel customerId={id} onLogged={() => setLogged((n) => n + 1)} />
        </Suspense>
      )}
      {row && <FilesPanel object={objectName} id={id} canEdit={session.can(objectName, 'update')} />}
      {row &&
        relations.map((r) => {
          const childDoc = session.object(r.object);
          return childDoc ? <RelatedList key={`${r.object}.${r.field}.${logged}`} relation={r} parentId={id} doc={childDoc} /> : null;
        })}
    </section>
  );
}
