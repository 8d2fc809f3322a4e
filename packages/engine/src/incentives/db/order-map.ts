// Orders booked in the app become the engine's transactions. An order is always mapped whole from
// what its records say now (header, live lines with their products, live split rows), so events may
// arrive in any order, twice, or about a line or a product instead of the order; transactions of
// removed lines are deleted. Every identifier comes from the tenant's metadata registry.
import { findField, quoteIdent, type ObjectDef, type Registry } from '@attain/meta';
import type { ModuleHandle } from '@attain/store';
import { dec, fmt } from '../decimal.ts';
import { orderTransactions, type MappedTransaction, type OrderLineRecord, type OrderRecord, type OrderSplitRecord } from '../order-transactions.ts';
import type { Transaction } from '../types.ts';
import type { IncentiveEngine } from './engine.ts';
import { insertJson, TX_TYPES, txRow } from './rows.ts';
import { localDateSql, today as localToday } from '../../calendar/calendar.ts';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const opt = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BATCH = 500;

export const MAPPED_TX_TYPES = { ...TX_TYPES, record_id: 'text', line_id: 'text', mapped_splits: 'boolean' } as const;

/** `alias.column::cast` of a field the registry knows, else a typed null (a tenant without the field). */
function col(o: ObjectDef | undefined, alias: string, name: string, cast: 'text' | 'numeric' | 'date' | 'boolean'): string {
  const f = o ? findField(o, name) : undefined;
  return f ? `${alias}.${quoteIdent(f.column)}::${cast}` : `null::${cast}`;
}

const tableOf = (schema: string, o: ObjectDef) => `${quoteIdent(schema)}.${quoteIdent(o.table)}`;

/** The transactions of the given orders as their records have them now (an order deleted or unknown has none). */
async function readOrders(
  trx: Knex,
  schema: string,
  registry: Registry,
  ids: readonly string[],
  timeZone: string,
): Promise<Map<string, { order: OrderRecord; lines: OrderLineRecord[]; splits: OrderSplitRecord[] }>> {
  const out = new Map<string, { order: OrderRecord; lines: OrderLineRecord[]; splits: OrderSplitRecord[] }>();
  const order = registry.object('order');
  if (!order || !ids.length) return out;
  // The order's day in the tenant calendar: an order date as it is (or, were it a datetime, its day in
  // the tenant's time zone), else the day it was created there.
  const dateField = findField(order, 'order_date');
  const orderDay = dateField ? localDateSql(`o.${quoteIdent(dateField.column)}`, dateField.storage, timeZone) : { text: 'null::date', bindings: [] };
  const created = localDateSql('o.created_at', 'datetime', timeZone);
  const orders = (
    await trx.raw(
      `select o.id::text as id, ${col(order, 'o', 'owner_id', 'text')} as owner_id, ${col(order, 'o', 'customer_id', 'text')} as customer_id,
       coalesce(${orderDay.text}, ${created.text})::text as date, ${col(order, 'o', 'status', 'text')} as status,
       ${col(order, 'o', 'amount', 'numeric')}::text as amount, ${col(order, 'o', 'currency', 'text')} as currency, ${col(order, 'o', 'paid_date', 'date')}::text as paid_date,
       ${col(order, 'o', 'invoice_date', 'date')}::text as invoice_date, ${col(order, 'o', 'reversal_date', 'date')}::text as reversal_date
     from ${tableOf(schema, order)} o where o.id = any(?::uuid[]) and o.deleted_at is null`,
      [...orderDay.bindings, ...created.bindings, [...ids]],
    )
  ).rows as Row[];
  for (const r of orders) {
    out.set(text(r.id), {
      order: {
        id: text(r.id),
        ownerId: opt(r.owner_id),
        customerId: opt(r.customer_id),
        date: text(r.date),
        status: opt(r.status),
        amount: opt(r.amount),
        currency: opt(r.currency),
        paidDate: opt(r.paid_date),
        invoiceDate: opt(r.invoice_date),
        reversalDate: opt(r.reversal_date),
      },
      lines: [],
      splits: [],
    });
  }
  const live = [...out.keys()];
  const line = registry.object('order_line');
  const lineOrder = line ? findField(line, 'order_id') : undefined;
  if (line && lineOrder && live.length) {
    const product = registry.object('product');
    const lineProduct = findField(line, 'product_id');
    const join = product && lineProduct ? `left join ${tableOf(schema, product)} p on p.id = l.${quoteIdent(lineProduct.column)}` : '';
    const p = join ? product : undefined;
    // A line without an amount is worth quantity × unit price less its discount, in cents.
    const amount = `coalesce(${col(line, 'l', 'amount', 'numeric')}, round(${col(line, 'l', 'quantity', 'numeric')} * ${col(line, 'l', 'unit_price', 'numeric')} * (1 - coalesce(${col(line, 'l', 'discount', 'numeric')}, 0)), 2))`;
    const rows = (
      await trx.raw(
        `select x.order_id, x.id, x.product_id, x.category, x.quantity::text as quantity, x.amount::text as amount,
         case when x.unit_cost is not null and x.quantity is not null and x.amount is not null then (x.amount - x.quantity * x.unit_cost)::text end as margin
       from (select l.${quoteIdent(lineOrder.column)}::text as order_id, l.id::text as id, ${col(line, 'l', 'product_id', 'text')} as product_id, ${col(p, 'p', 'category', 'text')} as category,
               ${col(line, 'l', 'quantity', 'numeric')} as quantity, ${amount} as amount, ${col(p, 'p', 'unit_cost', 'numeric')} as unit_cost, l.created_at
             from ${tableOf(schema, line)} l ${join} where l.${quoteIdent(lineOrder.column)} = any(?::uuid[]) and l.deleted_at is null) x
       order by x.order_id, x.created_at, x.id`,
        [live],
      )
    ).rows as Row[];
    for (const r of rows)
      out.get(text(r.order_id))?.lines.push({ id: text(r.id), productId: opt(r.product_id), category: opt(r.category), quantity: opt(r.quantity), amount: opt(r.amount), margin: opt(r.margin) });
  }
  const split = registry.object('order_split');
  const splitOrder = split ? findField(split, 'order_id') : undefined;
  if (split && splitOrder && live.length) {
    const rows = (
      await trx.raw(
        `select s.${quoteIdent(splitOrder.column)}::text as order_id, ${col(split, 's', 'payee_id', 'text')} as payee_id, ${col(split, 's', 'pct', 'numeric')}::text as pct, coalesce(${col(split, 's', 'is_overlay', 'boolean')}, false) as overlay
       from ${tableOf(schema, split)} s where s.${quoteIdent(splitOrder.column)} = any(?::uuid[]) and s.deleted_at is null order by 1, s.created_at, s.id`,
        [live],
      )
    ).rows as Row[];
    // Rows of one payee and kind are one share (their sum): a payee is credited once per kind.
    for (const r of rows) {
      const splits = out.get(text(r.order_id))?.splits;
      if (!splits || r.payee_id === null || r.pct === null) continue;
      const same = splits.find((s) => s.payeeId === text(r.payee_id) && s.overlay === (r.overlay === true));
      if (same) same.pct = fmt(dec(same.pct) + dec(text(r.pct)));
      else splits.push({ payeeId: text(r.payee_id), pct: text(r.pct), overlay: r.overlay === true });
    }
  }
  return out;
}

/**
 * Maps the given orders to transactions and replaces theirs (those of lines gone, or of the header
 * once lines exist, are deleted). Returns every transaction id touched (old and new) and the new
 * transactions' dates, for the caller to open periods and recompute.
 */
export async function mapOrders(engine: IncentiveEngine, orderIds: readonly string[], today: string): Promise<{ txIds: string[]; dates: string[] }> {
  const ids = [...new Set(orderIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
  if (!ids.length) return { txIds: [], dates: [] };
  const registry = await engine.store.registry(engine.tenant);
  const port = await engine.ensure();
  const { knex, schema } = port;
  const t = port.name('transactions');
  const touched = new Set<string>();
  const dates = new Set<string>();
  await knex.transaction(async (trx) => {
    // Mappers of one tenant take turns: each reads the records after the previous one wrote.
    await trx.raw(`select pg_advisory_xact_lock(hashtext(?))`, [`attain_incentives_orders:${engine.tenant}`]);
    const current = await readOrders(trx, schema, registry, ids, engine.timeZone);
    const existing = (
      await trx.raw(
        `select id, coalesce(record_id, id) as record_id, reversal_date::text as reversal_date, invoice_date::text as invoice_date, paid_date::text as paid_date, splits, mapped_splits from ${t} where record_id = any(?::text[]) or id = any(?::text[])`,
        [ids, ids],
      )
    ).rows as Row[];
    const mapped: MappedTransaction[] = [];
    for (const id of ids) {
      const found = current.get(id);
      if (!found) continue;
      const mine = existing.filter((r) => r.record_id === id);
      const reversals = mine
        .map((r) => opt(r.reversal_date))
        .filter((d): d is string => !!d)
        .sort();
      const header = mine.find((r) => r.id === id);
      const apiSplits = header && header.mapped_splits !== true && Array.isArray(header.splits) && header.splits.length ? (header.splits as Transaction['splits']) : null;
      const first = (key: 'invoice_date' | 'paid_date') =>
        mine
          .map((r) => opt(r[key]))
          .filter((d): d is string => !!d)
          .sort()[0] ?? null;
      mapped.push(
        ...orderTransactions(
          found.order,
          found.lines,
          found.splits,
          { reversalDate: reversals[0] ?? null, invoiceDate: first('invoice_date'), paidDate: first('paid_date'), apiSplits },
          today,
          engine.baseCurrency,
        ),
      );
    }
    const keep = new Set(mapped.map((m) => m.tx.id));
    const gone = existing.map((r) => text(r.id)).filter((id) => !keep.has(id));
    if (gone.length) await trx.raw(`delete from ${t} where id = any(?::text[])`, [gone]);
    const cols = Object.keys(MAPPED_TX_TYPES).filter((k) => k !== 'id');
    await insertJson(
      trx,
      t,
      mapped.map((m) => ({ ...txRow(m.tx), record_id: m.recordId, line_id: m.lineId, mapped_splits: m.mappedSplits })),
      { ...MAPPED_TX_TYPES },
      `(id) do update set ${cols.map((k) => `${k} = excluded.${k}`).join(', ')}`,
    );
    for (const r of existing) touched.add(text(r.id));
    for (const m of mapped) {
      touched.add(m.tx.id);
      dates.add(m.tx.date);
    }
  });
  return { txIds: [...touched].sort(), dates: [...dates].sort() };
}

/** Orders with a live line of the product (their lines' category and margin come from it). */
export async function ordersOfProduct(engine: IncentiveEngine, productId: string): Promise<string[]> {
  const registry = await engine.store.registry(engine.tenant);
  const line = registry.object('order_line');
  const order = line ? findField(line, 'order_id') : undefined;
  const product = line ? findField(line, 'product_id') : undefined;
  if (!line || !order || !product || !UUID.test(productId)) return [];
  const { knex, schema } = await engine.ensure();
  const rows = (
    await knex.raw(`select distinct l.${quoteIdent(order.column)}::text as id from ${tableOf(schema, line)} l where l.${quoteIdent(product.column)} = ?::uuid and l.deleted_at is null order by 1`, [
      productId,
    ])
  ).rows as Row[];
  return rows.map((r) => text(r.id));
}

/**
 * Maps every live order, and removes transactions of orders that are gone: what the record events
 * would have built (a full rebuild, e.g. after a seed or an import that bypassed them). Returns the
 * transaction ids written or removed; the caller recredits.
 */
export async function syncOrdersFromRecords(engine: IncentiveEngine, today?: string): Promise<string[]> {
  // Today on the tenant's wall clock unless told.
  await engine.ensure();
  today ??= localToday(engine.timeZone);
  const registry = await engine.store.registry(engine.tenant);
  const order = registry.object('order');
  const port = await engine.ensure();
  const { knex, schema } = port;
  const ids = new Set<string>(((await knex.raw(`select distinct record_id from ${port.name('transactions')} where record_id is not null`)).rows as Row[]).map((r) => text(r.record_id)));
  if (order) for (const r of (await knex.raw(`select id::text as id from ${tableOf(schema, order)} where deleted_at is null`)).rows as Row[]) ids.add(text(r.id));
  const all = [...ids].sort();
  const touched: string[] = [];
  for (let i = 0; i < all.length; i += BATCH) touched.push(...(await mapOrders(engine, all.slice(i, i + BATCH), today)).txIds);
  return touched;
}
