import { api } from '../api/client.ts';
import type { ListResponse } from '../api/types.ts';
import { useAsync } from '../lib/useAsync.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { Link } from '../lib/router.tsx';
import { Icon } from '../components/Icon.tsx';
import { BarList } from '../components/BarList.tsx';
import { dashboardsApi } from './dashboards/api.ts';
import { DashboardView } from './dashboards/DashboardView.tsx';

export default function Home() {
  const { t, label, locale } = useI18n();
  const session = useSession();
  const objects = session.objects.filter((o) => session.can(o.name, 'read')).sort((a, b) => label(a.pluralLabel ?? a.label).localeCompare(label(b.pluralLabel ?? b.label), locale));
  const name = session.me?.user.name ?? session.me?.user.email ?? '';
  const names = objects.map((o) => o.name).join(',');
  const counts = useAsync(
    () =>
      Promise.all(
        objects.map((o) =>
          api.get<ListResponse>(`/objects/${o.name}`, { limit: 1, count: true }).then(
            (r) => r.total ?? r.data.length,
            () => 0,
          ),
        ),
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by the object names
    [names],
  );
  // The role's own dashboard, when an admin made one its default (analytics.dashboard defaultFor).
  const home = useAsync(() => dashboardsApi.defaultOne().catch(() => null), []);
  const rows = objects.map((o, i) => ({ key: o.name, label: label(o.pluralLabel ?? o.label, o.name), value: counts.data?.[i] ?? 0 }));
  const numbers = new Intl.NumberFormat(locale);
  return (
    <section>
      <div className="page-header">
        <div>
          <h1>{t('home.welcome', { name })}</h1>
          <p className="muted" style={{ margin: '4px 0 0' }}>
            {session.me?.role?.label ? label(session.me.role.label) : session.me?.role?.name}
          </p>
        </div>
      </div>
      {home.data && <DashboardView name={home.data.name} heading="h2" />}
      <h2>{t('nav.records')}</h2>
      <div className="grid-cards">
        {objects.map((o) => (
          <Link key={o.name} to={`/o/${o.name}`} className="tile">
            <span className="icon-wrap">
              <Icon name={o['x-attain']?.icon ?? 'table'} />
            </span>
            <span>
              <strong>{label(o.pluralLabel ?? o.label, o.name)}</strong>
              {o.description && (
                <span className="muted small" style={{ display: 'block' }}>
                  {typeof o.description === 'string' ? o.description : label(o.description)}
                </span>
              )}
            </span>
          </Link>
        ))}
      </div>
      {counts.data && (
        <div className="card" style={{ marginTop: 24 }}>
          <h2>{t('home.recordCounts')}</h2>
          <BarList rows={rows} title={t('home.recordCounts')} format={(n) => numbers.format(n)} />
        </div>
      )}
      {session.isAdmin && (
        <>
          <h2 style={{ marginTop: 24 }}>{t('nav.admin')}</h2>
          <div className="grid-cards">
            <Link to="/admin/objects/new" className="tile">
              <span className="icon-wrap">
                <Icon name="plus" />
              </span>
              <strong>{t('designer.newObject')}</strong>
            </Link>
            <Link to="/admin/roles" className="tile">
              <span className="icon-wrap">
                <Icon name="shield" />
              </span>
              <strong>{t('nav.roles')}</strong>
            </Link>
            <Link to="/admin/users" className="tile">
              <span className="icon-wrap">
                <Icon name="users" />
              </span>
              <strong>{t('nav.users')}</strong>
            </Link>
          </div>
        </>
      )}
    </section>
  );
}
