import { useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse, RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ConfirmDialog, PromptDialog } from '../../components/Dialog.tsx';

/** Org units as a tree (parent_id); add, rename, move and delete units. */
export default function OrgTree() {
  const { t } = useI18n();
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 500, sort: 'name' }), []);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [text, setText] = useState('');
  const rows = units.data?.data ?? [];
  const children = useMemo(() => {
    const map = new Map<string | null, RecordRow[]>();
    const ids = new Set(rows.map((r) => r.id));
    for (const r of rows) {
      const parent = typeof r.parent_id === 'string' && ids.has(r.parent_id) ? r.parent_id : null;
      map.set(parent, [...(map.get(parent) ?? []), r]);
    }
    return map;
  }, [rows]);

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      units.reload();
    } catch (err) {
      setError(err);
    }
  };
  // The unit a new one is being added under (null: top level); undefined when no dialog is open.
  const [adding, setAdding] = useState<RecordRow | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<RecordRow | null>(null);
  const add = async (name: string) => {
    const parent = adding?.id;
    await run(() => api.post('/objects/org_unit', parent ? { name, parent_id: parent } : { name }));
    setAdding(undefined);
  };
  const descendants = (id: string): Set<string> => {
    const out = new Set<string>([id]);
    for (const c of children.get(id) ?? []) for (const d of descendants(c.id)) out.add(d);
    return out;
  };

  const render = (parent: string | null, depth: number) => (
    <ul className={depth === 0 ? 'tree tree-root' : 'tree'} role={depth === 0 ? 'tree' : 'group'} aria-label={depth === 0 ? t('nav.org') : undefined}>
      {(children.get(parent) ?? []).map((u) => (
        <li key={u.id} role="treeitem" aria-expanded={(children.get(u.id)?.length ?? 0) > 0 ? true : undefined}>
          <div className="tree-node">
            <Icon name="tree" size={16} />
            {editing === u.id ? (
              <form
                className="row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(() => api.patch(`/objects/org_unit/${u.id}`, { name: text }));
                  setEditing(null);
                }}
              >
                <input aria-label={t('org.name')} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
                <button className="btn btn-sm btn-primary" type="submit">
                  {t('common.save')}
                </button>
                <button className="btn btn-sm" type="button" onClick={() => setEditing(null)}>
                  {t('common.cancel')}
                </button>
              </form>
            ) : (
              <strong>{String(u.name ?? '')}</strong>
            )}
            {u.code ? <span className="badge">{String(u.code)}</span> : null}
            <span className="spacer" />
            <button
              type="button"
              className="btn btn-sm btn-ghost"
              onClick={() => {
                setEditing(u.id);
                setText(String(u.name ?? ''));
              }}
            >
              {t('org.rename')}
            </button>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setAdding(u)}>
              {t('org.addChild')}
            </button>
            <label className="visually-hidden" htmlFor={`move-${u.id}`}>
              {t('org.moveUnder', { name: String(u.name ?? '') })}
            </label>
            <select
              id={`move-${u.id}`}
              className="compact-select"
              value={typeof u.parent_id === 'string' ? u.parent_id : ''}
              onChange={(e) => void run(() => api.patch(`/objects/org_unit/${u.id}`, { parent_id: e.target.value || null }))}
            >
              <option value="">{t('org.topLevel')}</option>
              {rows
                .filter((r) => !descendants(u.id).has(r.id))
                .map((r) => (
                  <option key={r.id} value={r.id}>
                    {String(r.name ?? r.id)}
                  </option>
                ))}
            </select>
            <button type="button" className="icon-btn" aria-label={t('org.delete', { name: String(u.name ?? '') })} onClick={() => setDeleting(u)}>
              <Icon name="trash" size={16} />
            </button>
          </div>
          {(children.get(u.id)?.length ?? 0) > 0 && render(u.id, depth + 1)}
        </li>
      ))}
    </ul>
  );

  return (
    <section>
      <PageHeader
        title={t('nav.org')}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setAdding(null)} data-opens-form>
            <Icon name="plus" size={16} /> {t('org.addTop')}
          </button>
        }
      />
      <ErrorAlert error={units.error ?? error} />
      <PromptDialog
        open={adding !== undefined}
        title={adding ? t('org.newChildTitle', { name: String(adding.name ?? '') }) : t('org.newUnitTitle')}
        label={t('org.newUnitPrompt')}
        submitLabel={t('org.add')}
        onSubmit={add}
        onClose={() => setAdding(undefined)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t('org.confirmDeleteTitle', { name: String(deleting?.name ?? '') })}
        message={t('org.confirmDelete')}
        confirmLabel={t('common.delete')}
        danger
        onConfirm={async () => {
          const id = deleting?.id;
          setDeleting(null);
          if (id) await run(() => api.del(`/objects/org_unit/${id}`));
        }}
        onClose={() => setDeleting(null)}
      />
      <div className="card">{rows.length ? render(null, 0) : <p className="muted">{t('org.empty')}</p>}</div>
    </section>
  );
}
