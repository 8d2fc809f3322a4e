// Visit plans on the phone: the day's planned customers (added here by the rep, or by a manager
// for a rep of the team), ordered nearest-first from where the phone is, each shown done, missed
// or still planned; and the week's plan against actual per rep (planned visits done ÷ planned).
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { here, localDay } from './api.ts';

interface Plan {
  id: string;
  userId: string;
  customerId: string;
  customerName: string | null;
  day: string;
  seq: number | null;
  status: 'done' | 'missed' | 'planned';
  legMeters?: number | null;
}

interface RepSummary {
  userId: string;
  userName: string | null;
  planned: number;
  done: number;
  missed: number;
  pending: number;
  visits: number;
  doneRate: number | null;
}

/** Monday and Sunday of the week of `day` (YYYY-MM-DD). */
function weekOf(day: string): { from: string; to: string } {
  const d = new Date(`${day}T12:00:00Z`);
  const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
  return { from: monday.toISOString().slice(0, 10), to: new Date(monday.getTime() + 6 * 86_400_000).toISOString().slice(0, 10) };
}

// The stops in the order the last "Order from here" answered (its legs are in that order), before
// the reloaded list catches up, so a leg is never shown beside the wrong neighbour.
function inRouteOrder(plans: Plan[], legs: Map<string, number | null>): Plan[] {
  if (!legs.size) return plans;
  const rank = new Map([...legs.keys()].map((id, i) => [id, i]));
  return [...plans].sort((a, b) => (rank.get(a.id) ?? legs.size) - (rank.get(b.id) ?? legs.size));
}

const BADGE: Record<Plan['status'], string> = { done: 'badge badge-success', missed: 'badge badge-danger', planned: 'badge' };

export default function Plans() {
  const { t } = useI18n();
  const session = useSession();
  const me = String(session.me?.user.id ?? '');
  const [day, setDay] = useState(localDay());
  const [rep, setRep] = useState(me);
  const [customer, setCustomer] = useState('');
  const [legs, setLegs] = useState<Map<string, number | null>>(new Map());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const week = weekOf(day);
  const plans = useAsync(() => api.get<{ data: Plan[] }>('/field/plans', { from: day, to: day, user: rep || me }).then((r) => r.data), [day, rep, me]);
  const summary = useAsync(() => api.get<{ data: RepSummary[]; team: RepSummary }>('/field/plans/summary', week), [week.from, week.to]);
  const customers = useAsync(() => api.get<ListResponse>('/objects/customer', { limit: 200, sort: 'name' }).then((r) => r.data), []);
  // A manager plans for the team (the users they may read); a rep, whose visit scope is their own, only for themself.
  const forOthers = session.isAdmin || session.permission('visit')?.scope !== 'own';
  const users = useAsync(() => (forOthers && session.can('user', 'read') ? api.get<ListResponse>('/objects/user', { limit: 500, sort: 'name' }).then((r) => r.data) : Promise.resolve([])), []);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      plans.reload();
      summary.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const add = () =>
    act(async () => {
      await api.post('/field/plans', { day, customerIds: [customer], ...(rep && rep !== me ? { userId: rep } : {}) });
      setCustomer('');
    });
  const order = () =>
    act(async () => {
      const p = await here();
      const res = await api.post<{ data: Plan[]; totalMeters: number }>('/field/plans/route', { day, start: { lat: p.lat, lng: p.lng }, ...(rep && rep !== me ? { userId: rep } : {}) });
      setLegs(new Map(res.data.map((s) => [s.id, s.legMeters ?? null])));
    });
  const remove = (id: string) => act(() => api.del(`/field/plans/${id}`));
  const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 100)}%`);

  return (
    <section className="field-today">
      <PageHeader title={t('field.plans.title')} />
      <div className="card stack">
        <div className="field">
          <label htmlFor="plan-day">{t('field.date')}</label>
          <input
            id="plan-day"
            type="date"
            value={day}
            onChange={(e) => {
              if (!e.target.value) return;
              setDay(e.target.value);
              setLegs(new Map());
            }}
          />
        </div>
        {(users.data ?? []).length > 1 && (
          <div className="field">
            <label htmlFor="plan-rep">{t('field.person')}</label>
            <select
              id="plan-rep"
              value={rep}
              onChange={(e) => {
                setRep(e.target.value);
                setLegs(new Map());
              }}
            >
              {(users.data ?? []).map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {String(u.name ?? u.email ?? u.id)}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="plan-customer">{t('field.customer')}</label>
          <select id="plan-customer" value={customer} onChange={(e) => setCustomer(e.target.value)}>
            <option value="">{t('field.plans.pick')}</option>
            {(customers.data ?? []).map((c) => (
              <option key={c.id} value={String(c.id)}>
                {String(c.name ?? c.id)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="btn btn-primary btn-block" disabled={busy || !customer} onClick={() => void add()}>
          {t('field.plans.add')}
        </button>
      </div>
      <ErrorAlert error={error ?? plans.error ?? summary.error} />
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>{t('field.plans.stops')}</h2>
        <span className="spacer" />
        <button type="button" className="btn btn-sm" disabled={busy || !(plans.data ?? []).length} onClick={() => void order()}>
          {t('field.plans.order')}
        </button>
      </div>
      {plans.data && plans.data.length === 0 && <p className="muted">{t('field.plans.none')}</p>}
      <ol className="field-visits" data-testid="plan-stops">
        {inRouteOrder(plans.data ?? [], legs).map((p) => {
          const leg = legs.get(p.id);
          return (
            <li key={p.id} className="card plan-stop">
              <Link to={`/o/customer/${p.customerId}`}>{p.customerName ?? '—'}</Link> <span className={BADGE[p.status]}>{t(`field.plans.status.${p.status}`)}</span>
              {leg !== undefined && <span className="muted small"> {leg === null ? t('field.noDistance') : t('field.plans.leg', { km: (leg / 1000).toFixed(1) })}</span>}
              {p.status !== 'done' && (
                <button type="button" className="btn btn-sm plan-remove" disabled={busy} onClick={() => void remove(p.id)} aria-label={t('field.plans.remove', { name: p.customerName ?? '' })}>
                  ×
                </button>
              )}
            </li>
          );
        })}
      </ol>
      <h2>{t('field.plans.vsActual', week)}</h2>
      <div className="table-wrap">
        <table className="data" data-testid="plan-summary">
          <thead>
            <tr>
              <th scope="col">{t('field.person')}</th>
              <th scope="col">{t('field.plans.planned')}</th>
              <th scope="col">{t('field.plans.status.done')}</th>
              <th scope="col">{t('field.plans.status.missed')}</th>
              <th scope="col">{t('field.plans.rate')}</th>
            </tr>
          </thead>
          <tbody>
            {(summary.data?.data ?? []).map((r) => (
              <tr key={r.userId}>
                <td>{r.userName ?? '—'}</td>
                <td>{r.planned}</td>
                <td>{r.done}</td>
                <td>{r.missed}</td>
                <td>{pct(r.doneRate)}</td>
              </tr>
            ))}
            {summary.data && (
              <tr>
                <th scope="row">{t('field.plans.team')}</th>
                <td>{summary.data.team.planned}</td>
                <td>{summary.data.team.done}</td>
                <td>{summary.data.team.missed}</td>
                <td>{pct(summary.data.team.doneRate)}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
