// What the forecast routes answer, for one caller: their numbers over their own record scope, their
// latest submission, and for a manager (a team scope on opportunities) one row per team member, the
// team's roll-up and the manager's override; the weekly trend; and, for a period that is over, the
// accuracy of what was submitted against what was won.
import { tenantCalendar, today as tenantToday, type TenantCalendar } from '@attain/engine';
import { dec, div, fmt, sub, ZERO, type Dec } from '@attain/meta/decimal/fixed';
import { calendar } from '@attain/store';
import { badRequest, forbidden } from '../../http/errors.ts';
import type { AccessContext, ObjectGrant } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { computeForecast, FORECAST_OBJECT, sumMoney, type ForecastNumbers } from './forecast-compute.ts';
import { DEFAULT_STAGE_MAP, parsePeriod, type CategoryOrOmitted, type ForecastPeriod } from './forecast-period.ts';
import { latestBy, snapshotsOf, stageMapSetting, submissionsOf, type Submission } from './forecast-store.ts';

const FORECAST_FIELDS = ['amount', 'stage', 'close_date', 'probability', 'owner_id'];

export interface ForecastCaller {
  access: AccessContext;
  grant: ObjectGrant;
  cal: TenantCalendar;
  today: string;
  period: ForecastPeriod;
  /** The people the caller forecasts for: themselves, and with a team scope their team (themselves first). */
  people: string[];
  team: boolean;
}

export async function stageMapOf(store: Store, tenant: string): Promise<Record<string, CategoryOrOmitted>> {
  return { ...DEFAULT_STAGE_MAP, ...((await stageMapSetting(store, tenant)) ?? {}) };
}

/** Resolves the caller, their period and their people; a caller who may not read opportunities gets 403. */
export async function forecastCaller(store: Store, access: AccessContext, periodKey: string): Promise<ForecastCaller> {
  const grant = await access.grant(FORECAST_OBJECT, 'read');
  // Snapshots are taken by the system; a role that may not see these fields sees no forecast at all.
  const hidden = FORECAST_FIELDS.filter((f) => grant.perm.hiddenFields.has(f));
  if (hidden.length)
    throw forbidden(
      'the forecast needs fields your role may not see',
      hidden.map((f) => ({ path: `/${FORECAST_OBJECT}/${f}`, rule: 'hidden', message: 'hidden from your role' })),
    );
  const cal = await tenantCalendar(store, access.tenantName);
  const me = access.principal.userId;
  const team = grant.perm.scope !== 'own' ? (await access.teamOwners()).filter((id) => id !== me) : [];
  return { access, grant, cal, today: tenantToday(cal.timeZone), period: parsePeriod(periodKey, cal), people: [me, ...team], team: team.length > 0 };
}

export interface MemberRow {
  userId: string;
  /** The member's name where the caller may read their user record. */
  name: string | null;
  numbers: ForecastNumbers;
  submission: Submission | null;
}

/** Names of users the caller may read (their user scope); others stay unnamed. */
async function namesOf(access: AccessContext, ids: readonly string[]): Promise<Map<string, string>> {
  const perm = access.permission('user');
  if (!perm.actions.has('read')) return new Map();
  const { service } = await access.grant('user', 'read');
  const users = await service.getMany('user', [...ids]);
  return new Map(users.filter((u) => typeof u.name === 'string').map((u) => [u.id, u.name as string]));
}

export async function forecastView(store: Store, c: ForecastCaller) {
  const tenant = c.access.tenantName;
  const me = c.access.principal.userId;
  const result = await computeForecast({ service: c.grant.service, period: c.period, cal: c.cal, today: c.today, stageMap: await stageMapOf(store, tenant) });
  const latest = latestBy(await submissionsOf(store, tenant, c.period.key, c.people, 'own'));
  const head = { period: c.period.key, from: c.period.from, to: c.period.to, today: c.today, numbers: result.total, submission: latest.get(me) ?? null };
  if (!c.team) return { ...head, team: null };
  const names = await namesOf(c.access, c.people);
  const members: MemberRow[] = c.people.map((userId) => ({ userId, name: names.get(userId) ?? null, numbers: result.byOwner.get(userId) ?? result.blank, submission: latest.get(userId) ?? null }));
  const [override] = await submissionsOf(store, tenant, c.period.key, [me], 'override');
  const rollup = {
    // A member's submission counts; a member who has not submitted counts with their computed numbers.
    commit: sumMoney(members.map((m) => m.submission?.commit ?? m.numbers.commit)),
    bestCase: sumMoney(members.map((m) => m.submission?.bestCase ?? m.numbers.bestCase)),
    submitted: members.filter((m) => m.submission).length,
    computed: members.filter((m) => !m.submission).length,
  };
  const unit = c.access.principal.user.org_unit_id;
  return { ...head, team: { unitId: typeof unit === 'string' ? unit : null, members, rollup, override: override ?? null } };
}

export async function forecastHistory(store: Store, c: ForecastCaller) {
  const rows = await snapshotsOf(store, c.access.tenantName, c.period.key, c.people);
  const weeks = new Map<string, { week: string; takenAt: string; rows: Array<{ userId: string; numbers: unknown; submission: Submission | null }> }>();
  for (const r of rows) {
    const w = weeks.get(r.week) ?? { week: r.week, takenAt: r.takenAt, rows: [] };
    w.rows.push({ userId: r.userId, numbers: r.numbers, submission: r.submission });
    if (r.takenAt > w.takenAt) w.takenAt = r.takenAt;
    weeks.set(r.week, w);
  }
  return { period: c.period.key, weeks: [...weeks.values()] };
}

/**
 * 1 − |forecast − actual| ÷ actual, never below 0; with nothing won, 1 when nothing was forecast and
 * 0 otherwise. Four decimals.
 */
export function accuracyOf(forecast: Dec, actual: Dec): string {
  if (actual === ZERO) return forecast === ZERO ? '1.0000' : '0.0000';
  const miss = forecast > actual ? sub(forecast, actual) : sub(actual, forecast);
  const a = sub(dec(1), div(miss, actual));
  return fmt(a < ZERO ? ZERO : a, 4);
}

export async function forecastAccuracy(store: Store, c: ForecastCaller) {
  if (c.period.to >= c.today) {
    throw badRequest('invalid_period', `${c.period.key} is not over yet (it ends on ${c.period.to})`, [
      { path: '/period', rule: 'closed', message: 'accuracy is measured for a period that has ended' },
    ]);
  }
  const tenant = c.access.tenantName;
  const me = c.access.principal.userId;
  // What was known when the period ended: submissions before the first moment of the next day, on the tenant's clock.
  const cutoff = calendar.dayStart(calendar.addDays(c.period.to, 1), c.cal.timeZone);
  const result = await computeForecast({ service: c.grant.service, period: c.period, cal: c.cal, today: c.today, stageMap: await stageMapOf(store, tenant) });
  const last = latestBy(await submissionsOf(store, tenant, c.period.key, c.people, 'own', cutoff));
  const people = c.people.map((userId) => {
    const actual = (result.byOwner.get(userId) ?? result.blank).wonToDate;
    const s = last.get(userId);
    return { userId, forecast: s?.commit ?? null, submittedAt: s?.submittedAt ?? null, actual, accuracy: s ? accuracyOf(dec(s.commit), dec(actual)) : null };
  });
  if (!c.team) return { period: c.period.key, people, team: null };
  const [override] = await submissionsOf(store, tenant, c.period.key, [me], 'override', cutoff);
  const submitted = people.filter((p) => p.forecast !== null);
  // The team's forecast: the manager's last override, else the members' last commits (members without one add nothing).
  const forecast = override ? override.commit : submitted.length ? sumMoney(submitted.map((p) => p.forecast as string)) : null;
  const actual = sumMoney(people.map((p) => p.actual));
  const team = { forecast, source: override ? 'override' : submitted.length ? 'members' : null, actual, accuracy: forecast === null ? null : accuracyOf(dec(forecast), dec(actual)) };
  return { period: c.period.key, people, team };
}
