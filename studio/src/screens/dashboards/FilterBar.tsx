import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useSession } from '../../session.tsx';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { allFieldInfos, titleField, type FieldInfo } from '../../lib/meta.ts';
import type { DashboardFilter, FilterValues } from './api.ts';

export const RANGES = ['this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year', 'this_week', 'last_week', 'today', 'yesterday'] as const;

/** The filter's field as the first widget object that has it describes it (its options, its reference). */
function fieldOf(objects: readonly string[], name: string, find: (o: string) => FieldInfo[]): FieldInfo | undefined {
  for (const o of objects) {
    const f = find(o).find((x) => x.name === name);
    if (f) return f;
  }
  return undefined;
}

/** Choices of a reference filter: the target's records the caller can read, by their title. */
function RefChoices({ object }: { object: string }) {
  const session = useSession();
  const doc = session.object(object);
  const title = doc ? titleField(doc) : 'id';
  const list = useAsync(() => api.get<ListResponse>(`/objects/${object}`, { limit: 200, sort: title }).then((r) => r.data), [object, title]);
  return (
    <>
      {(list.data ?? []).map((r) => (
        <option key={String(r.id)} value={String(r.id)}>
          {String(r[title] ?? r.id)}
        </option>
      ))}
    </>
  );
}

/** The dashboard's filters as controls: a period picker, and a pick-list per field filter. Empty means the dashboard's default. */
export function FilterBar({ filters, objects, values, onChange }: { filters: DashboardFilter[]; objects: readonly string[]; values: FilterValues; onChange: (v: FilterValues) => void }) {
  const { t, label } = useI18n();
  const session = useSession();
  const find = (o: string) => {
    const doc = session.object(o);
    return doc ? allFieldInfos(doc) : [];
  };
  if (filters.length === 0) return null;
  const set = (name: string, value: unknown) => {
    const next = { ...values };
    if (value === '' || value === undefined) delete next[name];
    else next[name] = value;
    onChange(next);
  };
  return (
    <div className="dashboard-filters" role="group" aria-label={t('dashboards.filters')}>
      {filters.map((f) => {
        const id = `dashboard-filter-${f.name}`;
        const caption = f.label ? label(f.label) : f.name;
        const current = typeof values[f.name] === 'string' ? (values[f.name] as string) : '';
        if (f.type === 'period') {
          return (
            <div key={f.name} className="dashboard-filter">
              <label htmlFor={id}>{caption}</label>
              <select id={id} value={current} onChange={(e) => set(f.name, e.target.value)}>
                <option value="">{t('dashboards.defaultValue')}</option>
                {RANGES.map((r) => (
                  <option key={r} value={r}>
                    {t(`dashboards.range.${r}`)}
                  </option>
                ))}
              </select>
            </div>
          );
        }
        const field = f.field ? fieldOf(objects, f.field, find) : undefined;
        return (
          <div key={f.name} className="dashboard-filter">
            <label htmlFor={id}>{f.label ? caption : field ? label(field.label, f.name) : caption}</label>
            <select id={id} value={current} onChange={(e) => set(f.name, e.target.value)}>
              <option value="">{t('dashboards.all')}</option>
              {field?.options?.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label ? label(o.label, o.value) : o.value}
                </option>
              ))}
              {field?.ref && <RefChoices object={field.ref} />}
            </select>
          </div>
        );
      })}
    </div>
  );
}
