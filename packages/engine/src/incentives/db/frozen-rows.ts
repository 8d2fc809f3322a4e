// What a frozen line was made of. A line of an approved, paid or closed period keeps the figures it
// was frozen with, so its drill-down must keep the credits (or source records) it counted then, not
// read today's. When the period is approved this takes, in the transaction that freezes it:
// - a copy of the credits its lines can count (by date, invoice or payment date in their range) and
//   of the roll-up chain, which the drill-down SQL reads instead of the live tables (creditRowsSql's
//   frozenPeriod), with the order and order line behind each transaction;
// - for the lines that are changes (prior-period adjustments, clawbacks: what moved is computed
//   against earlier snapshots) or that read records (KPIs, record sources), their rows as listed.
// A snapshot table rather than a period stamp on credits: credits are derived and rewritten whole
// by a full recredit, roll-up rows are joined from an org chain that back-dated moves rewrite, and
// KPI lines read records; a stamp would be lost or would not cover them. One copy per period (not
// per line) keeps a manager's lines from repeating their whole team's credits.
import { fromUnits, quoteIdent, requireDecimal, unitsAt } from '@attain/meta';
import type { ModuleHandle } from '@attain/store';
import { insertJson } from './rows.ts';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;

/** A line's drill-down: the credits behind it and the records a sourced measure read. */
export interface LineRows {
  credits: Row[];
  records: Row[];
}

const ROWS = 'attain_incentives_frozen_rows';
const PERIODS = 'attain_incentives_frozen_periods';
// Each frozen table's columns are `period` then these, in this order (schema.ts version 7): rows are copied by insert … select.
const CREDIT_COLUMNS = [
  'id',
  'payee_id',
  'kind',
  'rule_id',
  'level',
  'tx_id',
  'object',
  'pct',
  'amount',
  'margin',
  'quantity',
  'original_amount',
  'original_margin',
  'currency',
  'fx_rate',
  'date',
  'invoice_date',
  'paid_date',
  'reversal_date',
  'product_id',
  'category',
];
const CHAIN_COLUMNS = ['payee_id', 'level', 'manager_id', 'rule_id', 'pct', 'valid_from', 'valid_to'];
const FROZEN_TABLES = ['frozen_credits', 'frozen_chain', 'frozen_transactions', 'frozen_rows'].map((t) => `attain_incentives_${t}`);
const ROW_TYPES = { payee_id: 'text', period: 'text', line_key: 'text', source: 'text', ord: 'integer', item_id: 'text', row: 'jsonb' } as const;

/**
 * Freezes the period's drill-downs (replacing any earlier snapshot of it): the credits dated, invoiced
 * or paid within `range` (the union of its lines' ranges), today's roll-up chain, the transactions'
 * orders, and the given lines' rows; then marks the period snapshotted. Run under the lock that
 * serialises credit writers, so credits and chain are copied as one state.
 */
export async function freezePeriod(
  trx: Knex,
  schema: string,
  period: string,
  range: { from: string; to: string },
  lines: ReadonlyArray<{ payeeId: string; key: string; rows: LineRows }>,
): Promise<void> {
  const db = () => trx.withSchema(schema);
  const tag = trx.raw('?::text', [period]);
  for (const table of FROZEN_TABLES) await db().from(table).where({ period }).delete();
  const between = [range.from, range.to] as const;
  await db()
    .into('attain_incentives_frozen_credits')
    .insert(
      db()
        .from('attain_incentives_credits')
        .select(tag, ...CREDIT_COLUMNS)
        .where((w) => w.whereBetween('date', between).orWhereBetween('invoice_date', between).orWhereBetween('paid_date', between)),
    );
  await db()
    .into('attain_incentives_frozen_chain')
    .insert(
      db()
        .from('attain_incentives_chain')
        .select(tag, ...CHAIN_COLUMNS),
    );
  await db()
    .into('attain_incentives_frozen_transactions')
    .insert(db().from('attain_incentives_transactions').select(tag, 'id', 'record_id', 'line_id').whereIn('id', db().from('attain_incentives_frozen_credits').distinct('tx_id').where({ period })));
  const out: Row[] = [];
  for (const l of lines) {
    const add = (source: string, rows: readonly Row[]) => rows.forEach((row, ord) => out.push({ payee_id: l.payeeId, period, line_key: l.key, source, ord, item_id: String(row.id), row }));
    add('credit', l.rows.credits);
    add('record', l.rows.records);
  }
  await insertJson(trx, `${quoteIdent(schema)}.${quoteIdent(ROWS)}`, out, { ...ROW_TYPES });
  await db().into(PERIODS).insert({ period }).onConflict('period').ignore();
  // The statement's stored drill-downs of the period were read live; from now on they read this snapshot.
  await db().from('attain_incentives_lines').where({ period }).update({ drill: null });
}

/** Whether the period's lines were snapshotted when it froze (periods frozen before that read live). */
export async function isSnapshotted(knex: Knex, schema: string, period: string): Promise<boolean> {
  return (await knex.withSchema(schema).from(PERIODS).where({ period }).first('period')) !== undefined;
}

/** The stored drill-down of one line (a change, or a line reading records), in the order it was taken, up to `limit` rows of each kind. */
export async function readFrozenRows(knex: Knex, schema: string, payeeId: string, period: string, key: string, limit: number): Promise<LineRows> {
  const read = async (source: string) =>
    ((await knex.withSchema(schema).from(ROWS).where({ payee_id: payeeId, period, line_key: key, source }).orderBy('ord').limit(limit).select('row')) as Array<{ row: Row }>).map((r) => r.row);
  return { credits: await read('credit'), records: await read('record') };
}

/**
 * The stored rows of the adjustment and clawback lines booked for one frozen period and component
 * in later frozen periods (each a change). With its earning lines' frozen rows, what was booked for it.
 */
export async function bookedChangeRows(knex: Knex, schema: string, payeeId: string, forPeriod: string, planId: string, component: string): Promise<LineRows> {
  const rows = (await knex
    .withSchema(schema)
    .from(ROWS)
    .where({ payee_id: payeeId })
    .whereIn('line_key', [`${planId}:${component}:adjustment:${forPeriod}`, `${planId}:${component}:clawback:${forPeriod}`])
    .orderBy(['period', 'line_key', 'source', 'ord'])
    .select('source', 'row')) as Array<{ source: string; row: Row }>;
  return { credits: rows.filter((r) => r.source === 'credit').map((r) => r.row), records: rows.filter((r) => r.source === 'record').map((r) => r.row) };
}

/**
 * Per credit or record (by id): the value in `after` minus the value in `before`, for those that
 * changed, ordered by date then id — what a prior-period adjustment (after = today's rows,
 * before = what was booked) or a clawback (after = counted, before = counted without refunds) moved.
 * Values are exact decimals of any scale.
 */
export function changedRows(after: readonly Row[], before: readonly Row[]): Row[] {
  const sums = new Map<string, { row: Row; a: string[]; b: string[] }>();
  const take = (rows: readonly Row[], side: 'a' | 'b') => {
    for (const row of rows) {
      const id = String(row.id);
      const e = sums.get(id) ?? { row, a: [], b: [] };
      if (side === 'a' && !e.a.length) e.row = row;
      e[side].push(String(row.value ?? '0'));
      sums.set(id, e);
    }
  };
  take(after, 'a');
  take(before, 'b');
  const out: Row[] = [];
  for (const { row, a, b } of sums.values()) {
    const value = difference(a, b);
    if (value !== null) out.push({ ...row, value });
  }
  const date = (r: Row) => String(r.date ?? '');
  return out.sort((x, y) => date(x).localeCompare(date(y)) || String(x.id).localeCompare(String(y.id)));
}

/** Σa − Σb as decimal text at the largest scale of its terms (2000.00 stays 2000.00), or null when it is zero. */
function difference(a: readonly string[], b: readonly string[]): string | null {
  const parsed = [...a, ...b].map((v) => requireDecimal(v));
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  let units = 0n;
  parsed.forEach((d, i) => {
    const u = unitsAt(d, scale);
    units += i < a.length ? u : -u;
  });
  return units === 0n ? null : fromUnits(units, scale);
}
