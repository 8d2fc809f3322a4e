// Record events the incentive engine follows: orders, their lines and split rows, and products
// (transactions), users (roles as of the change) and records of objects a plan reads as a source of
// measures or points (visits, calls).
import type { RecordEvent } from '@attain/store';
import { periodEnd, periodOf, periodStart } from '../periods.ts';
import { cadenceOf } from '../plan-versions.ts';
import { orderTransactions } from '../order-transactions.ts';
import type { Transaction } from '../types.ts';
import type { IncentiveEngine } from './engine.ts';
import { FROZEN, type RunStats } from './period-flow.ts';
import { mapOrders, ordersOfProduct } from './order-map.ts';
import { sourcedItems } from './sources-sql.ts';
import { syncKpiActuals } from './kpi-sync.ts';
import { localDate } from '../../calendar/calendar.ts';
import { ORG_EVENT_OBJECT, orgEventBody } from '@attain/store';

type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const dateText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** The day of a moment (an event's time) on the tenant's wall clock. */
const dayOf = (engine: IncentiveEngine, at: string): string => localDate(at, engine.timeZone) ?? at.slice(0, 10);

/** Objects whose record changes the engine follows, besides orders and users. */
export const SOURCE_OBJECTS = ['visit', 'activity'];
/** Objects whose changes re-map orders to transactions. */
export const ORDER_OBJECTS = ['order', 'order_line', 'order_split', 'product'];

/** Orders re-mapped per recalculation when a product change touches many. */
const PRODUCT_BATCH = 200;

export async function onRecordEvent(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  // Loads the tenant's settings (base currency, time zone) the mapping below reads.
  await engine.ensure();
  // Kpi measures read goals actuals: bring them current first (see kpi-sync.ts), then recompute.
  const kpi = await syncKpiActuals(engine, event);
  const stats = await dispatch(engine, event);
  if (!kpi.payees.length) return stats;
  await openPeriods(
    engine,
    kpi.months.map((m) => `${m}-01`),
    event.actor,
  );
  const more = await engine.recompute({ payees: kpi.payees });
  return stats ? { ...more, payees: stats.payees + more.payees, lines: stats.lines + more.lines, ms: { ...more.ms, total: stats.ms.total + more.ms.total } } : more;
}

async function dispatch(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  switch (event.object) {
    case 'order':
      return onOrder(engine, event);
    case 'order_line':
    case 'order_split':
      return remap(engine, [event.before?.order_id, event.after?.order_id].filter((v) => v !== null && v !== undefined).map(text), event);
    case 'product':
      return onProduct(engine, event);
    case 'user':
      return onUser(engine, event);
    case ORG_EVENT_OBJECT:
      return onOrgChange(engine, event);
    default:
      return onSourceRecord(engine, event);
  }
}

/** An order: mapped from its records; a tenant whose metadata has no order object maps the event's own payload. */
async function onOrder(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  if ((await engine.store.registry(engine.tenant)).object('order')) return remap(engine, [event.recordId], event);
  const port = await engine.ensure();
  const { knex } = port;
  const table = port.name('transactions');
  const rec = event.after;
  if (!rec || event.op === 'delete') {
    await knex.raw(`delete from ${table} where id = ?`, [event.recordId]);
    return engine.recomputeTransactions([event.recordId]);
  }
  const existing = ((await knex.raw(`select reversal_date::text as reversal_date, splits from ${table} where id = ?`, [event.recordId])).rows as Row[])[0];
  const order = {
    id: event.recordId,
    ownerId: rec.owner_id ? text(rec.owner_id) : null,
    customerId: rec.customer_id ? text(rec.customer_id) : null,
    date: localDate(rec.order_date, engine.timeZone) ?? dayOf(engine, event.at),
    status: text(rec.status),
    amount: text(rec.amount ?? '0'),
    currency: rec.currency ? text(rec.currency) : null,
    paidDate: dateText(rec.paid_date),
  };
  const [mapped] = orderTransactions(
    order,
    [],
    [],
    { reversalDate: dateText(existing?.reversal_date), apiSplits: Array.isArray(existing?.splits) ? (existing.splits as Transaction['splits']) : null },
    dayOf(engine, event.at),
    engine.baseCurrency,
  );
  if (!mapped) return null;
  await engine.upsertTransactions([mapped.tx]);
  await openPeriods(engine, [mapped.tx.date], event.actor);
  return engine.recomputeTransactions([event.recordId]);
}

/** The month, and the quarter or year of plans paying in those, of each date; a period opened here is audited as the record's writer (`by`). */
async function openPeriods(engine: IncentiveEngine, dates: readonly string[], by: RecordEvent['actor']): Promise<void> {
  const pays = new Set(['monthly', ...(await engine.plans()).map((p) => cadenceOf(p).pays)] as const);
  const periods = new Set(dates.flatMap((d) => [...pays].map((f) => periodOf(d, f, engine.calendar))));
  for (const p of periods) await engine.openPeriod(p, by);
}

/** Re-maps orders and recomputes the payees of their old and new transactions. */
async function remap(engine: IncentiveEngine, orderIds: readonly string[], event: RecordEvent): Promise<RunStats | null> {
  const { txIds, dates } = await mapOrders(engine, orderIds, dayOf(engine, event.at));
  if (!txIds.length) return null;
  await openPeriods(engine, dates, event.actor);
  return engine.recomputeTransactions(txIds);
}

/** A product's category or unit cost changed: the orders with a live line of it are re-mapped. */
async function onProduct(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  const same = (f: string) => text(event.before?.[f]) === text(event.after?.[f]);
  if (event.op === 'update' && same('category') && same('unit_cost')) return null;
  const orders = await ordersOfProduct(engine, event.recordId);
  let total: RunStats | null = null;
  for (let i = 0; i < orders.length; i += PRODUCT_BATCH) {
    const stats = await remap(engine, orders.slice(i, i + PRODUCT_BATCH), event);
    if (!stats) continue;
    total = total ? { ...stats, payees: total.payees + stats.payees, lines: total.lines + stats.lines, ms: { ...stats.ms, total: total.ms.total + stats.ms.total } } : stats;
  }
  return total;
}

/** A user's role as of the change (an inactive user holds none); payees whose plans it changes are recomputed. */
async function onUser(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  const rec = event.after;
  const role = !rec || event.op === 'delete' || rec.active === false || !rec.role ? null : text(rec.role);
  const changed = await engine.observeUserRoles([{ id: event.recordId, role, hireDate: dateText(rec?.hire_date ?? event.before?.hire_date) }], dayOf(engine, event.at));
  if (!changed.length || !(await engine.roleAssignments()).length) return null;
  return engine.recompute({ payees: changed });
}

/**
 * The org changed (a user or unit record, an import, an HR connector), possibly back-dated: the
 * roll-up chain is rebuilt from the org service and every open period recredited and recomputed;
 * approved, paid and closed periods are not rewritten — the difference lands in the open period
 * as a prior-period adjustment.
 */
async function onOrgChange(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  // Only roll-up and team rules credit along the org; role assignments by subtree give plans by it.
  const byOrg = (await engine.rules()).some((r) => r.type === 'rollup' || r.type === 'team');
  if (byOrg) return recreditFrom(engine, orgEventBody(event)?.from);
  // Nothing else reads the engine's copy of the org (leaderboard teams read the org service), so
  // without role assignments it is brought up to date when rules or role assignments need it.
  const roles = await engine.roleAssignments();
  if (!roles.length) return null;
  await engine.syncOrg();
  return roles.some((r) => r.orgUnitId) ? engine.recompute() : null;
}

/**
 * An org change recalculates only what its dates reach: the chain and team spans are dated, so
 * credit of transactions before `from` does not move. From on or before the first open period's
 * start (a back-dated change reaching frozen periods too): every open period, as before, the
 * frozen ones' difference booked as a prior-period adjustment. Later: the transactions dated
 * from `from` on are recredited and their payees (old and new managers) recomputed. After every
 * open period's end (a future-dated change): nothing to recalculate.
 */
async function recreditFrom(engine: IncentiveEngine, from: string | undefined): Promise<RunStats | null> {
  const open = (await engine.periods()).filter((p) => !FROZEN.includes(p.status)).map((p) => p.period);
  if (!from || !open.length || from <= open.map((p) => periodStart(p, engine.calendar)).sort()[0]!) return engine.recompute({ credit: true });
  // The managers the reached transactions rolled up to, read from the chain before it is rebuilt:
  // a span the change removes whole (a manager set and a person deprovisioned on the same day)
  // is gone from the new chain, and so would its manager be from the payees recomputed.
  const before = await chainManagersFrom(engine, from);
  await engine.syncOrg();
  if (
    from >
    open
      .map((p) => periodEnd(p, engine.calendar))
      .sort()
      .at(-1)!
  )
    return null;
  const port = await engine.ensure();
  const txIds = ((await port.knex.raw(`select id from ${port.name('transactions')} where date >= ?::date order by id`, [from])).rows as Row[]).map((r) => text(r.id));
  return txIds.length ? engine.recomputeTransactions(txIds, { payees: before }) : null;
}

/** Managers in the engine's chain over a day from `from` on of payees credited by transactions dated from then. */
async function chainManagersFrom(engine: IncentiveEngine, from: string): Promise<string[]> {
  const port = await engine.ensure();
  const [chain, credits, txs] = [port.name('chain'), port.name('credits'), port.name('transactions')];
  const rows = (
    await port.knex.raw(
      `select distinct ch.manager_id from ${chain} ch where (ch.valid_to is null or ch.valid_to >= ?::date)
         and ch.payee_id in (select cr.payee_id from ${credits} cr join ${txs} tx on tx.id = cr.tx_id where tx.date >= ?::date)`,
      [from, from],
    )
  ).rows as Row[];
  return rows.map((r) => text(r.manager_id));
}

/** A record a plan reads (e.g. a visit for points): its payee before and after is recomputed. */
async function onSourceRecord(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  const fields = new Set<string>();
  for (const plan of await engine.plans()) {
    for (const v of plan.versions) for (const item of sourcedItems(v)) if (item.source.object === event.object) fields.add(item.source.payeeField ?? 'owner_id');
  }
  if (!fields.size) return null;
  const payees = new Set<string>();
  for (const rec of [event.before, event.after]) for (const f of fields) if (rec?.[f]) payees.add(text(rec[f]));
  if (!payees.size) return null;
  return engine.recompute({ payees: [...payees] });
}
