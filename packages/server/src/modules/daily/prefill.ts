// One person's day as their daily report starts: their visits (how many checked in inside the
// radius, how many photos hang on them), their calls, the opportunities whose stage moved, read
// through that person's own record service (their role and scope, as if they asked), so a report
// never shows what its author could not see.
import { calendar } from '@attain/store';
import type { AccessContext } from '../../rbac/context.ts';
import type { Filter, Store } from '../../store-port.ts';
import { funnelTables } from '../analytics/funnel-tables.ts';
import { fieldTables } from '../field/tables.ts';
import { filesTables } from '../files/tables.ts';
import { dailyPort } from './settings.ts';

// A page of the store's list: a day's visits or calls of one person stay well below it.
const DAY_LIMIT = 500;

export interface DayFigures {
  visits: number;
  checkins_in_radius: number;
  photos: number;
  calls: number;
  deals_moved: number;
  /** Prefilled text of the day, one line per visit, call and deal. */
  summary: string;
}

type Rec = Record<string, unknown> & { id: string };

const may = (access: AccessContext, object: string) => !!access.registry.object(object) && access.permission(object).actions.has('read');
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const hhmm = (v: unknown, timeZone: string) =>
  typeof v === 'string' || v instanceof Date ? new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(new Date(v)) : '';

async function ownList(access: AccessContext, object: string, dateField: string, from: Date, to: Date, extra: Filter[] = []): Promise<Rec[]> {
  if (!may(access, object)) return [];
  const grant = await access.grant(object, 'read');
  const filter: Filter = { and: [{ owner_id: { eq: access.principal.userId } }, { [dateField]: { gte: from.toISOString() } }, { [dateField]: { lt: to.toISOString() } }, ...extra] };
  return (await grant.service.list(object, { filter, sort: [{ field: dateField, dir: 'asc' }], limit: DAY_LIMIT })).data as Rec[];
}

async function names(access: AccessContext, object: string, ids: string[], field = 'name'): Promise<Map<string, string>> {
  if (!ids.length || !may(access, object)) return new Map();
  const rows = (await (await access.grant(object, 'read')).service.getMany(object, [...new Set(ids)])) as Rec[];
  return new Map(rows.map((r) => [r.id, text(r[field])]));
}

export async function dayFigures(store: Store, access: AccessContext, day: string): Promise<DayFigures> {
  const tenant = access.tenantName;
  const { timeZone } = await store.tenants.settings(tenant);
  const from = calendar.dayStart(day, timeZone);
  const to = calendar.dayStart(calendar.addDays(day), timeZone);
  const port = await dailyPort(store, tenant);
  const lines: string[] = [];

  const visits = await ownList(access, 'visit', 'check_in_at', from, to);
  const visitIds = visits.map((v) => v.id);
  const customers = await names(access, 'customer', visits.map((v) => text(v.customer_id)).filter(Boolean));
  let inRadius = 0;
  const checkins = port.foreign(fieldTables, 'checkin');
  if (visitIds.length && (await checkins.exists())) {
    // Measured and not flagged: inside the radius (a customer without coordinates is flagged).
    const row = (await checkins.query().whereIn('visit_id', visitIds).where({ flagged: false }).whereNotNull('distance_meters').count({ n: '*' }).first()) as { n: string | number } | undefined;
    inRadius = Number(row?.n ?? 0);
  }
  let photos = 0;
  const files = port.foreign(filesTables, 'file');
  if (visitIds.length && (await files.exists())) {
    const row = (await files.query().where({ object: 'visit' }).whereIn('record_id', visitIds).where('type', 'like', 'image/%').count({ n: '*' }).first()) as { n: string | number } | undefined;
    photos = Number(row?.n ?? 0);
  }
  for (const v of visits)
    lines.push(`${hhmm(v.check_in_at, timeZone)} ${customers.get(text(v.customer_id)) || text(v.address) || 'visit'}${v.check_out_at ? `–${hhmm(v.check_out_at, timeZone)}` : ''}`);

  const calls = await ownList(access, 'activity', 'occurred_at', from, to, [{ kind: { eq: 'call' } }]);
  for (const c of calls) lines.push(`${hhmm(c.occurred_at, timeZone)} ☎ ${text(c.subject)}`);

  // Stage changes come from the funnel's history (record events); the opportunities are read in scope.
  let deals: Rec[] = [];
  const changes = port.foreign(funnelTables, 'stage_change');
  const moved = new Map<string, string>();
  if (may(access, 'opportunity') && (await changes.exists())) {
    const rows = (await changes
      .query()
      .where({ object: 'opportunity' })
      .whereNotNull('from_stage')
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .select('record_id', 'to_stage')) as Array<{ record_id: string; to_stage: string }>;
    for (const r of rows) moved.set(r.record_id, r.to_stage);
    if (moved.size) deals = ((await (await access.grant('opportunity', 'read')).service.getMany('opportunity', [...moved.keys()])) as Rec[]).filter((o) => o.owner_id === access.principal.userId);
  }
  for (const d of deals) lines.push(`→ ${text(d.name)}: ${moved.get(d.id) ?? text(d.stage)}`);

  return { visits: visits.length, checkins_in_radius: inRadius, photos, calls: calls.length, deals_moved: deals.length, summary: lines.join('\n') };
}
