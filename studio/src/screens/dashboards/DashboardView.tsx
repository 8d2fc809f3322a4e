import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Link } from '../../lib/router.tsx';
import { dashboardsApi, type FilterValues } from './api.ts';
import { FilterBar } from './FilterBar.tsx';
import { SubscribeDialog } from './SubscribeDialog.tsx';
import { Widget } from './Widget.tsx';

/** A dashboard run for the signed-in user: its filter bar and its widgets on the 12-column grid. */
export function DashboardView({ name, heading = 'h1' }: { name: string; heading?: 'h1' | 'h2' }) {
  const { t, label } = useI18n();
  const meta = useAsync(() => dashboardsApi.get(name).then((r) => r.meta ?? {}), [name]);
  const [filters, setFilters] = useState<FilterValues>({});
  const [subscribing, setSubscribing] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const exportAs = (format: 'png' | 'pdf') => {
    setExportError(null);
    dashboardsApi.exportFile(name, format, filters).catch((e: unknown) => setExportError(e));
  };
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
          <button type="button" className="btn btn-sm no-print" onClick={() => exportAs('png')}>
            {t('dashboards.exportPng')}
          </button>
          <button type="button" className="btn btn-sm no-print" onClick={() => exportAs('pdf')}>
            {t('dashboards.exportPdf')}
          </button>
          <button type="button" className="btn btn-sm no-print" onClick={() => setSubscribing(true)}>
            {t('dashboards.subscribe.open')}
          </button>
          {meta.data?.editable && (
            <Link to={`/dashboards/${name}/edit`} className="btn btn-sm">
              {t('dashboards.edit')}
            </Link>
          )}
        </div>
      )}
      <ErrorAlert error={run.error ?? exportError} />
      {subscribing && <SubscribeDialog name={name} filters={filters} open={subscribing} onClose={() => setSubscribing(false)} />}
      {data && <FilterBar filters={data.filters} objects={[...new Set(data.widgets.map((w) => w.object))]} values={filters} onChange={setFilters} />}
      <div className="dashboard-grid">
        {(data?.widgets ?? []).map((w) => (
          <Widget key={w.id} widget={w} />
        ))}
      </div>
    </section>
  );
}
