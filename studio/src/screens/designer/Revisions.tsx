import { useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { MetaDocument, Revision } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { compact, diffLines } from '../../lib/diff.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';

function listOf(raw: unknown): Revision[] {
  const r = raw as { data?: Revision[]; revisions?: Revision[] } | Revision[];
  return Array.isArray(r) ? r : (r.data ?? r.revisions ?? []);
}

function docsOf(raw: unknown): MetaDocument[] {
  const r = raw as { docs?: MetaDocument[]; documents?: MetaDocument[] } | undefined;
  return r?.docs ?? r?.documents ?? [];
}

function actorName(actor: unknown): string {
  const a = actor as { label?: string; userId?: string | null } | null | undefined;
  return a?.label ?? '';
}

function revNumber(r: Revision): number {
  return Number(r.revision ?? (r as { id?: number }).id ?? 0);
}

/** Per document: its JSON before and after, for documents that changed between two revisions. */
function changedDocs(before: MetaDocument[], after: MetaDocument[]) {
  const ids = [...new Set([...before.map((d) => d.id), ...after.map((d) => d.id)])];
  const text = (d: MetaDocument | undefined) => (d ? JSON.stringify(d, null, 2) : '');
  return ids
    .map((id) => {
      const a = before.find((d) => d.id === id);
      const b = after.find((d) => d.id === id);
      return { id, name: `${(b ?? a)?.kind} ${(b ?? a)?.name}`, before: text(a), after: text(b) };
    })
    .filter((d) => d.before !== d.after);
}

export default function Revisions() {
  const { t, formatDate } = useI18n();
  const session = useSession();
  const list = useAsync(() => api.get<unknown>('/metadata/revisions').then(listOf), []);
  const [selected, setSelected] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const revisions = useMemo(() => [...(list.data ?? [])].sort((a, b) => revNumber(b) - revNumber(a)), [list.data]);
  const current = revisions[0] ? revNumber(revisions[0]) : 0;

  const diff = useAsync(async () => {
    if (selected === null) return null;
    const [after, before] = await Promise.all([
      api.get<unknown>(`/metadata/revisions/${selected}`).then(docsOf),
      selected > 1 ? api.get<unknown>(`/metadata/revisions/${selected - 1}`).then(docsOf) : Promise.resolve([]),
    ]);
    return changedDocs(before, after);
  }, [selected]);

  const [confirming, setConfirming] = useState<number | null>(null);
  const rollback = async (revision: number) => {
    setConfirming(null);
    setError(null);
    try {
      await api.post('/metadata/rollback', { revision });
      await session.refreshMetadata();
      setMessage(t('revisions.rolledBack', { revision }));
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <PageHeader title={t('nav.revisions')} />
      <ErrorAlert error={list.error ?? error} />
      {message && (
        <div className="alert alert-success" role="status">
          {message}
        </div>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={t('revisions.confirmRollbackTitle', { revision: confirming ?? 0 })}
        message={t('revisions.confirmRollback', { revision: confirming ?? 0 })}
        confirmLabel={t('revisions.rollback')}
        onConfirm={() => (confirming !== null ? rollback(confirming) : undefined)}
        onClose={() => setConfirming(null)}
      />
      <div className="designer-grid">
        <div className="card card-flush table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{t('revisions.revision')}</th>
                <th scope="col">{t('revisions.when')}</th>
                <th scope="col">{t('revisions.summary')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('revisions.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {revisions.map((r) => {
                const n = revNumber(r);
                const when = ((r as { createdAt?: string }).createdAt ?? r.created_at) as string | undefined;
                return (
                  <tr key={n} aria-selected={selected === n}>
                    <td>
                      <button type="button" className="btn btn-sm btn-ghost" onClick={() => setSelected(n)}>
                        #{n}
                      </button>
                      {n === current && <span className="badge badge-accent">{t('revisions.current')}</span>}
                    </td>
                    <td>{when ? formatDate(when, true) : ''}</td>
                    <td className="small">
                      {[actorName(r.actor), typeof r.steps === 'number' ? t('revisions.steps', { count: r.steps }) : ''].filter(Boolean).join(' · ')}
                      {''}
                    </td>
                    <td>
                      {n !== current && (
                        <button type="button" className="btn btn-sm" onClick={() => setConfirming(n)}>
                          <Icon name="undo" size={14} /> {t('revisions.rollback')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {revisions.length === 0 && !list.loading && <div className="empty-state">{t('revisions.none')}</div>}
        </div>
        <div className="card">
          <h2>{selected === null ? t('revisions.pick') : t('revisions.diffTitle', { revision: selected })}</h2>
          <ErrorAlert error={diff.error} />
          {diff.data?.length === 0 && <p className="muted">{t('revisions.noChanges')}</p>}
          {diff.data?.map((d) => (
            <div key={d.id} style={{ marginBottom: 12 }}>
              <h3 className="mono">{d.name}</h3>
              <pre className="diff" aria-label={t('revisions.diffOf', { name: d.name })}>
                {compact(diffLines(d.before, d.after)).map((l, i) => (
                  <div key={i} className={l.kind === 'add' ? 'add' : l.kind === 'del' ? 'del' : undefined}>
                    {l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}
                    {l.text}
                  </div>
                ))}
              </pre>
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}
