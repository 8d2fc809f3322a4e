// Record events the incentive engine follows: orders (transactions), users (roles as of the change)
// and records of objects a plan reads as a source of measures or points (visits, calls).
import type { RecordEvent } from '@attain/store';
import { periodOf } from '../periods.ts';
import { cadenceOf } from '../plan-versions.ts';
import type { Transaction } from '../types.ts';
import type { IncentiveEngine, RunStats } from './engine.ts';
import { sourcedItems } from './sources-sql.ts';
import { quoteIdent } from '@attain/meta';

type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const dateText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** Objects whose record changes the engine follows, besides orders and users. */
export const SOURCE_OBJECTS = ['visit', 'activity'];

export async function onRecordEvent(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  if (event.object === 'order') return onOrder(engine, event);
  if (event.object === 'user') return onUser(engine, event);
  return onSourceRecord(engine, event);
}

/** Maps an `order` record change to its transaction and recalculates what it touches. */
async function onOrder(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats> {
  const { knex, schema } = await engine.ensure();
  const table = `${quoteIdent(schema)}."attain_incentives_transactions"`;
  const rec = event.after;
  if (!rec || event.op === 'delete') {
    await knex.raw(`delete from ${table} where id = ?`, [event.recordId]);
    return engine.recomputeTransactions([event.recordId]);
  }
  const existing = ((await knex.raw(`select reversal_date, splits from ${table} where id = ?`, [event.recordId])).rows as Row[])[0];
  const status = text(rec.status);
  const reversed = status === 'refunded' || status === 'cancelled';
  const reversal = reversed ? (dateText(existing?.reversal_date) ?? event.at.slice(0, 10)) : null;
  const date = dateText(rec.order_date) ?? event.at.slice(0, 10);
  await engine.upsertTransactions([{
    id: event.recordId,
    object: 'order',
    ownerId: rec.owner_id ? text(rec.owner_id) : null,
    customerId: rec.customer_id ? text(rec.customer_id) : null,
    date,
    invoiceDate: status === 'invoiced' || status === 'paid' ? date : null,
    paidDate: dateText(rec.paid_date),
    amount: text(rec.amount ?? '0'),
    currency: rec.currency ? text(rec.currency) : engine.baseCurrency,
    status,
    reversalDate: reversal,
    ...(existing?.splits ? { splits: existing.splits as Transaction['splits'] } : {}),
  }]);
  // The month, and the quarter or year of plans paying in those.
  const pays = new Set(['monthly', ...(await engine.plans()).map((p) => cadenceOf(p).pays)] as const);
  for (const f of pays) await engine.openPeriod(periodOf(date, f));
  return engine.recomputeTransactions([event.recordId]);
}

/** A user's role as of the change (an inactive user holds none); payees whose plans it changes are recomputed. */
async function onUser(engine: IncentiveEngine, event: RecordEvent): Promise<RunStats | null> {
  const rec = event.after;
  const role = !rec || event.op === 'delete' || rec.active === false || !rec.role ? null : text(rec.role);
  const changed = await engine.observeUserRoles([{ id: event.recordId, role, hireDate: dateText(rec?.hire_date ?? event.before?.hire_date) }], event.at.slice(0, 10));
  if (!changed.length || !(await engine.roleAssignments()).length) return null;
  return engine.recompute({ payees: changed });
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
