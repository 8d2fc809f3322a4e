// What a frozen line was made of. A line of an approved, paid or closed period keeps the figures it
// was frozen with, so its drill-down must keep the credits (or source records) it counted then, not
// read today's: when the period is approved, every line's drill-down rows are copied here with the
// value each added. A snapshot per line (not a period stamp on credits) because credits are derived
// and rewritten whole by a full recredit, roll-up rows are joined from the org chain at read time
// (a back-dated org move changes them), and KPI or record-sourced lines read records, not credits.
import { fromUnits, requireDecimal, unitsAt } from '@attain/meta';
import type { ModuleHandle } from '@attain/store';
import { quoteIdent } from '@attain/meta';
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
const ROW_TYPES = { payee_id: 'text', period: 'text', line_key: 'text', source: 'text', ord: 'integer', item_id: 'text', row: 'jsonb' } as const;

/** Replaces the period's snapshot with these lines' rows and marks the period snapshotted. */
export async function writeFrozenRows(trx: Knex, schema: string, period: string, lines: ReadonlyArray<{ payeeId: string; key: string; rows: LineRows }>): Promise<void> {
  await trx.withSchema(schema).from(ROWS).where({ period }).delete();
  const out: Row[] = [];
  for (const l of lines) {
    const add = (source: string, rows: readonly Row[]) => rows.forEach((row, ord) => out.push({ payee_id: l.payeeId, period, line_key: l.key, source, ord, item_id: String(row.id), row }));
    add('credit', l.rows.credits);
    add('record', l.rows.records);
  }
  await insertJson(trx, `${quoteIdent(schema)}.${quoteIdent(ROWS)}`, out, { ...ROW_TYPES });
  await trx.withSchema(schema).into(PERIODS).insert({ period }).onConflict('period').ignore();
}

/** Whether the period's lines were snapshotted when it froze (periods frozen before that read live). */
export async function isSnapshotted(knex: Knex, schema: string, period: string): Promise<boolean> {
  return (await knex.withSchema(schema).from(PERIODS).where({ period }).first('period')) !== undefined;
}

/** The frozen drill-down of one line, in the order it was taken (date, then id), up to `limit` rows of each kind. */
export async function readFrozenRows(knex: Knex, schema: string, payeeId: string, period: string, key: string, limit: number): Promise<LineRows> {
  const read = async (source: string) => ((await knex.withSchema(schema).from(ROWS).where({ payee_id: payeeId, period, line_key: key, source }).orderBy('ord').limit(limit).select('row')) as Array<{ row: Row }>).map((r) => r.row);
  return { credits: await read('credit'), records: await read('record') };
}

/**
 * What was already booked for one frozen period and component, per credit or record: the rows of
 * its earning lines as frozen, plus the rows of the adjustment and clawback lines booked for it in
 * later frozen periods (themselves changes). `undefined` when the period has no snapshot.
 */
export async function bookedRows(knex: Knex, schema: string, payeeId: string, forPeriod: string, planId: string, component: string): Promise<LineRows | undefined> {
  if (!(await isSnapshotted(knex, schema, forPeriod))) return undefined;
  const earning = `${planId}:${component}:earning:`;
  const rows = (await knex.withSchema(schema).from(ROWS).where({ payee_id: payeeId })
    .andWhere((w) => w.where((e) => e.where({ period: forPeriod }).andWhere((k) => k.where('line_key', earning).orWhere('line_key', 'like', `${earning.replace(/[\\%_]/g, '\\$&')}@%`)))
      .orWhereIn('line_key', [`${planId}:${component}:adjustment:${forPeriod}`, `${planId}:${component}:clawback:${forPeriod}`]))
    .orderBy(['period', 'line_key', 'source', 'ord']).select('source', 'row')) as Array<{ source: string; row: Row }>;
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
