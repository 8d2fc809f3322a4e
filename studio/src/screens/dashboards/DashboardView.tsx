import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Link } from '../../lib/router.tsx';
import { dashboardsApi, type FilterValues } from './api.ts';
import { FilterBar } from './FilterBar.tsx';
import { Widget } from './Widget.tsx';

/** A dashboard run for the signed-in user: its filter bar and its widgets on the 12-column grid. */
export function DashboardView({ name, heading = 'h1' }: { name: string; heading?: 'h1' | 'h2' }) {
  const { t, label } = useI18n();
  const meta = useAsync(() => dashboardsApi.get(name).then((r) => r.meta ?? {}), [name]);
  const [filters, setFilters] = useState<FilterValues>({});
  const run = useAsync(() => dashboardsApi.run(name, filters), [name, JSON.stringify(filters)]);
  const data = run.data;
  const Heading = heading;
  return (
    <section className="dashboard" data-testid={`dashboard-${name}`} aria-busy={run.loading}>
      {data && (
        <div className="dashboard-head">
          <Heading>{label(data.label, name)}</Heading>
          <button type="button" className="btn btn-sm no-print" onClick={() => window.print()}>
            {t('dashboards.print')}
          </button>
          {meta.data?.editable && (
            <Link to={`/dashboards/${name}/edit`} className="btn btn-sm">
              {t('dashboards.edit')}
            </Link>
          )}
        </div>
      )}
      <ErrorAlert error={run.error} />
      {data && <FilterBar filters={data.filters} objects={[...new Set(data.widgets.map((w) => w.object))]} values={filters} onChange={setFilters} />}
      <div className="dashboard-grid">
        {(data?.widgets ?? []).map((w) => (
          <Widget key={w.id} widget={w} />
        ))}
      </div>
    </section>
  );
}
