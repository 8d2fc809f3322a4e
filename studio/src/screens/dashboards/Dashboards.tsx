import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { Link } from '../../lib/router.tsx';
import type { ScreenProps } from '../../routes.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { dashboardsApi } from './api.ts';
import { DashboardView } from './DashboardView.tsx';

/** `/dashboards`: the dashboards shared with the user; `/dashboards/:name`: one of them. */
export default function Dashboards({ params }: ScreenProps) {
  const { t, label } = useI18n();
  const list = useAsync(() => (params.name ? Promise.resolve([]) : dashboardsApi.list()), [params.name]);
  if (params.name) return <DashboardView name={params.name} />;
  return (
    <section>
      <PageHeader
        title={t('dashboards.title')}
        actions={
          <Link to="/dashboards/new" className="btn btn-primary">
            {t('dashboards.new')}
          </Link>
        }
      />
      <ErrorAlert error={list.error} />
      {list.data && list.data.length === 0 && <p className="muted">{t('dashboards.none')}</p>}
      <div className="grid-cards">
        {(list.data ?? []).map((d) => (
          <Link key={d.name} to={`/dashboards/${d.name}`} className="tile">
            <span>
              <strong>{label(d.label, d.name)}</strong>
              <span className="muted small" style={{ display: 'block' }}>
                {d.description ?? t('dashboards.widgets', { count: d.widgets })}
                {d.default ? ` · ${t('dashboards.yourDefault')}` : ''}
                {d.team ? ` · ${t('dashboards.sharedTeam')}` : ''}
              </span>
            </span>
          </Link>
        ))}
      </div>
    </section>
  );
}
