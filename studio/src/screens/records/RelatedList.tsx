import { useMemo } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse, ObjectDoc } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { listColumns, NUMERIC_STORAGES, type InverseRelation } from '../../lib/meta.ts';
import { FieldValue } from '../../lib/format.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { newRelatedPath } from './prefill.ts';

/**
 * May this user add a child from the parent's page: create on the child, and the reference to the
 * parent is a field they may see and write (else the prefilled parent could not be saved).
 */
function useCanAdd(relation: InverseRelation, doc: ObjectDoc): boolean {
  const session = useSession();
  if (!session.can(relation.object, 'create')) return false;
  const field = doc.schema.properties[relation.field]?.['x-attain'];
  if (!field || field.readOnly || field.formula) return false;
  if (session.isAdmin) return true;
  const p = session.permission(relation.object);
  return !p?.hiddenFields?.includes(relation.field) && !p?.readOnlyFields?.includes(relation.field);
}

/** The records pointing at a parent (an order's lines), with a button adding one to it. */
export function RelatedList({ relation, parentId, doc }: { relation: InverseRelation; parentId: string; doc: ObjectDoc }) {
  const { t, label } = useI18n();
  const canAdd = useCanAdd(relation, doc);
  const columns = useMemo(
    () =>
      listColumns(doc)
        .filter((c) => c.name !== relation.field)
        .slice(0, 4),
    [doc, relation.field],
  );
  const rows = useAsync(
    () => api.get<ListResponse>(`/objects/${relation.object}`, { filter: JSON.stringify({ [relation.field]: { eq: parentId } }), limit: 10, count: true }),
    [relation.object, relation.field, parentId],
  );
  const headingId = `rel-${relation.object}-${relation.field}`;
  const childLabel = label(doc.label, relation.object);
  return (
    <section className="card card-flush" aria-labelledby={headingId} data-testid={`related-${relation.object}-${relation.field}`}>
      <div className="toolbar">
        <h2 id={headingId} style={{ margin: 0 }}>
          {label(relation.label, relation.object)} {rows.data?.total !== undefined && <span className="badge">{rows.data.total}</span>}
        </h2>
        <span className="spacer" />
        {canAdd && (
          <Link
            className="btn btn-sm btn-primary"
            to={newRelatedPath(relation.object, relation.field, parentId)}
            aria-label={t('records.newRelated', { object: childLabel })}
            title={t('records.newRelated', { object: childLabel })}
          >
            <Icon name="plus" size={14} /> {t('records.new')}
          </Link>
        )}
        <Link className="btn btn-sm" to={`/o/${relation.object}`}>
          {t('records.viewAll')}
        </Link>
      </div>
      <ErrorAlert error={rows.error} />
      {rows.data && rows.data.data.length === 0 && (
        <p className="muted" style={{ padding: '0 12px' }}>
          {t('records.noRelated')}
        </p>
      )}
      {rows.data && rows.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.name} scope="col" className={NUMERIC_STORAGES.has(c.storage) ? 'num' : undefined}>
                    {label(c.label, c.name)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.data.data.map((r) => (
                <tr key={r.id}>
                  {columns.map((c, i) => (
                    <td key={c.name} className={NUMERIC_STORAGES.has(c.storage) ? 'num' : undefined}>
                      {i === 0 ? (
                        // The first column opens the row; a reference there shows its title, not its id.
                        <Link to={`/o/${relation.object}/${r.id}`}>
                          {r[c.name] === null || r[c.name] === undefined ? t('records.untitled') : <FieldValue field={c} value={r[c.name]} record={r} plain />}
                        </Link>
                      ) : (
                        <FieldValue field={c} value={r[c.name]} record={r} />
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
