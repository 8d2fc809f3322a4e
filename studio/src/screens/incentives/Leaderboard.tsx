import { useI18n } from '../../i18n/i18n.tsx';
import { api } from '../../api/client.ts';
import { useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { incentivesExtraApi, thisPeriod } from './api.ts';
import { useMoney } from './parts.tsx';
import './incentives.css';

/** Points leaderboard of the caller's team for a period; pay shows only where the server sends it (RBAC). */
export default function Leaderboard() {
  const { t, label } = useI18n();
  const { search, path, navigate } = useRouter();
  const f = useMoney();
  const period = search.get('period') ?? thisPeriod();
  const team = search.get('team') ?? undefined;
  const board = useAsync(() => incentivesExtraApi.leaderboard(period, team), [period, team]);
  const users = useAsync(() => api.get<{ data: Array<{ id: string; name: string }> }>('/objects/user', { limit: 200 }).then((r) => new Map(r.data.map((u) => [u.id, u.name]))), []);
  const name = (id: string) => users.data?.get(id) ?? id.slice(0, 8);
  const rows = board.data?.rows ?? [];
  const showPay = rows.some((r) => r.payout !== undefined);
  return (
    <section className="inc-leaderboard">
      <PageHeader title={t('incentives.leaderboard.title')} />
      <div className="card">
        <div className="field inc-field">
          <label className="field-label" htmlFor="lb-period">
            {t('incentives.period')}
          </label>
          <input
            id="lb-period"
            value={period}
            pattern="\d{4}-\d{2}"
            onChange={(e) => navigate(`${path}?period=${encodeURIComponent(e.target.value)}${team ? `&team=${encodeURIComponent(team)}` : ''}`, { replace: true })}
          />
        </div>
      </div>
      <ErrorAlert error={board.error} />
      {board.data && rows.length === 0 && <p className="muted">{t('incentives.leaderboard.empty')}</p>}
      {rows.length > 0 && (
        <div className="card card-flush">
          <table className="data" data-testid="leaderboard">
            <thead>
              <tr>
                <th>#</th>
                <th>{t('incentives.whatif.payee')}</th>
                <th className="num">{t('incentives.points')}</th>
                <th>{t('incentives.leaderboard.badges')}</th>
                {showPay && <th className="num">{t('incentives.payout')}</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.payeeId}>
                  <td>{r.rank}</td>
                  <td>{name(r.payeeId)}</td>
                  <td className="num">{f.num(r.points)}</td>
                  <td>
                    {r.badges.map((b) => (
                      <span key={b.id} className="badge inc-badge">
                        {label(b.label, b.id)}
                      </span>
                    ))}
                  </td>
                  {showPay && <td className="num">{r.payout !== undefined ? f.money(r.payout, r.currency) : '—'}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
