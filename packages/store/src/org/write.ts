// Changing the effective-dated org. Every writer uses `changeOrg`: an HR connector or an import
// sends rows ("from valid_from (to valid_to) this person is in this unit under this manager";
// "from valid_from this unit sits under this parent with this head"); per person or unit the rows
// replace the timeline from their earliest date on. Record writes send one open row from today.
import type { Knex } from 'knex';
import { StoreError, type ErrorDetail } from '../errors.ts';
import { memberships, unitHistory, type OrgMembership, type OrgSource, type OrgUnitSpan } from './read.ts';
import { ensureOrgTables, type OrgTables, type Q } from './tables.ts';
import { replaceFrom, sameTimeline, type Span } from './timeline.ts';

export interface MembershipRow {
  user_id: string;
  org_unit_id: string | null;
  manager_id?: string | null;
  valid_from: string;
  valid_to?: string | null;
}

export interface UnitRow {
  unit_id: string;
  parent_id?: string | null;
  head_id?: string | null;
  valid_from: string;
  valid_to?: string | null;
}

export interface OrgChange {
  memberships?: readonly MembershipRow[];
  units?: readonly UnitRow[];
}

export interface OrgChangeResult {
  /** Every user and unit sent, with their timeline before and after (the same when nothing moved). */
  changes: Array<{ user_id: string; before: OrgMembership[]; after: OrgMembership[] }>;
  unitChanges: Array<{ unit_id: string; before: OrgUnitSpan[]; after: OrgUnitSpan[] }>;
  /** Per changed user or unit (only those), the earliest date whose answer moved. */
  from: Record<string, string>;
}

export interface ChangeOptions {
  dryRun?: boolean;
  /** Where the rows sit in the caller's body, for error paths (default `/memberships`, `/units`). */
  paths?: { memberships?: string; units?: string };
  /** Recorded on each written span (`import`, `hr`, `record`, …). */
  source?: string;
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A real calendar day (not 2026-02-30) in 1900–2999, the years the API accepts for any date. */
const realDate = (s: string) => DATE.test(s) && Number(s.slice(0, 4)) >= 1900 && Number(s.slice(0, 4)) <= 2999 && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

type MValue = { org_unit_id: string | null; manager_id: string | null };
type UValue = { parent_id: string | null; head_id: string | null };
const sameM = (a: MValue, b: MValue) => a.org_unit_id === b.org_unit_id && a.manager_id === b.manager_id;
const sameU = (a: UValue, b: UValue) => a.parent_id === b.parent_id && a.head_id === b.head_id;

/** Shape checks of one list of rows; `refs` names the id fields and whether each may be null. */
function checkRows(rows: unknown, path: string, key: string, refs: Array<[string, boolean, string]>, issues: ErrorDetail[]): Array<Record<string, unknown> & { i: number }> {
  if (rows === undefined) return [];
  if (!Array.isArray(rows) || rows.length > 50_000) {
    issues.push({ path, rule: 'type', message: 'must be a list of at most 50000 rows' });
    return [];
  }
  const out: Array<Record<string, unknown> & { i: number }> = [];
  rows.forEach((r: unknown, i) => {
    if (!isObj(r)) {
      issues.push({ path: `${path}/${i}`, rule: 'type', message: 'must be an object' });
      return;
    }
    if (typeof r[key] !== 'string' || !UUID.test(r[key])) issues.push({ path: `${path}/${i}/${key}`, rule: 'type', message: `must be ${key === 'user_id' ? 'a user' : 'an org unit'} id` });
    for (const [field, nullable, what] of refs) {
      const v = r[field];
      if (v === undefined || (v === null && nullable)) continue;
      if (typeof v !== 'string' || !UUID.test(v)) issues.push({ path: `${path}/${i}/${field}`, rule: 'type', message: `must be ${what}${nullable ? ' or null' : ''}` });
    }
    const from = r.valid_from;
    if (typeof from !== 'string' || !realDate(from)) issues.push({ path: `${path}/${i}/valid_from`, rule: 'format', message: 'must be a date YYYY-MM-DD' });
    const to = r.valid_to;
    if (to != null && (typeof to !== 'string' || !realDate(to) || (typeof from === 'string' && to <= from)))
      issues.push({ path: `${path}/${i}/valid_to`, rule: 'format', message: 'must be a date after valid_from' });
    out.push({ ...r, i });
  });
  return out;
}

/** Rows grouped per subject and sorted by date; two rows of one subject may not overlap. */
function group(rows: Array<Record<string, unknown> & { i: number }>, key: string, path: string, field: string, issues: ErrorDetail[]): Map<string, Array<Record<string, unknown> & { i: number }>> {
  const by = new Map<string, Array<Record<string, unknown> & { i: number }>>();
  for (const r of rows) {
    const id = String(r[key]).toLowerCase();
    by.set(id, [...(by.get(id) ?? []), r]);
  }
  for (const list of by.values()) {
    list.sort((a, b) => (String(a.valid_from) < String(b.valid_from) ? -1 : String(a.valid_from) > String(b.valid_from) ? 1 : a.i - b.i));
    for (let k = 1; k < list.length; k++) {
      const prev = list[k - 1]!;
      const cur = list[k]!;
      if (prev.valid_from === cur.valid_from || (prev.valid_to != null && String(prev.valid_to) > String(cur.valid_from))) {
        issues.push({
          path: `${path}/${cur.i}/${field}`,
          rule: 'overlap',
          message: `${key === 'user_id' ? 'this person would be in two units' : 'this unit would have two places'} on ${String(cur.valid_from)} (see row ${prev.i + 1})`,
        });
      }
    }
  }
  return by;
}

async function known(q: Q, table: string | undefined, list: string[]): Promise<Set<string>> {
  if (!table || !list.length) return new Set();
  return new Set(((await q.raw(`select id::text as id from ${table} where id = any(?::uuid[]) and deleted_at is null`, [list])).rows as Array<{ id: string }>).map((r) => r.id));
}

const lower = (v: unknown): string | null => (typeof v === 'string' ? v.toLowerCase() : null);

/**
 * Validates and applies (or, with `dryRun`, previews) a change of the org. Refused as a whole,
 * naming the row and field, when a row is malformed, a subject would be in two places at once,
 * or an id names no live user or unit. Runs in `src.q` when it is a transaction, else in its own.
 */
export async function changeOrg(src: OrgSource, change: unknown, opts: ChangeOptions = {}): Promise<OrgChangeResult> {
  const mPath = opts.paths?.memberships ?? '/memberships';
  const uPath = opts.paths?.units ?? '/units';
  const issues: ErrorDetail[] = [];
  if (!isObj(change)) throw new StoreError('validation_failed', 'the org change must be an object', [{ path: '/', rule: 'type', message: 'must be an object' }]);
  const mRows = checkRows(
    change.memberships,
    mPath,
    'user_id',
    [
      ['org_unit_id', true, 'an org unit id'],
      ['manager_id', true, 'a user id'],
    ],
    issues,
  );
  const uRows = checkRows(
    change.units,
    uPath,
    'unit_id',
    [
      ['parent_id', true, 'an org unit id'],
      ['head_id', true, 'a user id'],
    ],
    issues,
  );
  if (issues.length) throw new StoreError('validation_failed', 'some rows are invalid', issues);
  const byUser = group(mRows, 'user_id', mPath, 'org_unit_id', issues);
  const byUnit = group(uRows, 'unit_id', uPath, 'parent_id', issues);
  const t = await ensureOrgTables(src.q, src.schema, src.registry);
  const userIds = [...new Set([...byUser.keys(), ...mRows.map((r) => lower(r.manager_id)), ...uRows.map((r) => lower(r.head_id))].filter((v): v is string => !!v))];
  const unitIds = [...new Set([...byUnit.keys(), ...mRows.map((r) => lower(r.org_unit_id)), ...uRows.map((r) => lower(r.parent_id))].filter((v): v is string => !!v))];
  const users = await known(src.q, t.user?.table, userIds);
  const units = await known(src.q, t.orgUnit?.table, unitIds);
  const ref = (rows: typeof mRows, path: string, field: string, set: Set<string>, what: string) =>
    rows.forEach((r) => {
      const v = lower(r[field]);
      if (v && !set.has(v)) issues.push({ path: `${path}/${r.i}/${field}`, rule: 'unknown_reference', message: `no such ${what}` });
    });
  ref(mRows, mPath, 'user_id', users, 'user');
  ref(mRows, mPath, 'org_unit_id', units, 'org unit');
  ref(mRows, mPath, 'manager_id', users, 'user');
  ref(uRows, uPath, 'unit_id', units, 'org unit');
  ref(uRows, uPath, 'parent_id', units, 'org unit');
  ref(uRows, uPath, 'head_id', users, 'user');
  if (issues.length) throw new StoreError('validation_failed', 'the org change was refused; nothing was changed', issues);

  const membershipPlan = new Map<string, Span<MValue>[]>();
  for (const [user, list] of byUser) {
    membershipPlan.set(
      user,
      list.map((r, k) => ({
        value: { org_unit_id: lower(r.org_unit_id), manager_id: lower(r.manager_id) },
        valid_from: String(r.valid_from),
        valid_to: r.valid_to != null ? String(r.valid_to) : list[k + 1] ? String(list[k + 1]!.valid_from) : null,
      })),
    );
  }
  const unitPlan = new Map<string, Span<UValue>[]>();
  for (const [unit, list] of byUnit) {
    unitPlan.set(
      unit,
      list.map((r, k) => ({
        value: { parent_id: lower(r.parent_id), head_id: lower(r.head_id) },
        valid_from: String(r.valid_from),
        valid_to: r.valid_to != null ? String(r.valid_to) : list[k + 1] ? String(list[k + 1]!.valid_from) : null,
      })),
    );
  }
  return applyPlans(src, t, membershipPlan, unitPlan, opts);
}

/** Timelines replaced per subject from the first date of its new spans; trusted input only. */
export async function applyPlans(
  src: OrgSource,
  t: OrgTables,
  mPlan: Map<string, Span<MValue>[]>,
  uPlan: Map<string, Span<UValue>[]>,
  opts: ChangeOptions & { from?: Map<string, string> } = {},
): Promise<OrgChangeResult> {
  const result: OrgChangeResult = { changes: [], unitChanges: [], from: {} };
  const mNow = mPlan.size ? await memberships(src, [...mPlan.keys()]) : [];
  const uNow = uPlan.size ? await unitHistory(src, [...uPlan.keys()]) : [];
  const writes: Array<() => (q: Q) => Promise<void>> = [];
  for (const [user, next] of mPlan) {
    const before = mNow.filter((m) => m.user_id === user);
    const start = opts.from?.get(user) ?? next[0]?.valid_from;
    if (!start) continue;
    const spans = replaceFrom(before.map(toMSpan), start, next, sameM);
    const after = spans.map((s) => ({ user_id: user, ...s.value, valid_from: s.valid_from, valid_to: s.valid_to }));
    // Every subject sent is listed (a preview shows each row's outcome); only changed ones move.
    result.changes.push({ user_id: user, before, after });
    if (sameTimeline(before.map(toMSpan), spans, sameM)) continue;
    result.from[user] = firstDifference(before.map(toMSpan), spans, sameM) ?? start;
    writes.push(() => async (q) => {
      await q.raw(`delete from ${t.membership} where user_id = ?`, [user]);
      await insertSpans(
        q,
        t.membership,
        after.map((a) => ({ user_id: a.user_id, org_unit_id: a.org_unit_id, manager_id: a.manager_id, valid_from: a.valid_from, valid_to: a.valid_to, source: opts.source ?? 'import' })),
        { user_id: 'uuid', org_unit_id: 'uuid', manager_id: 'uuid', valid_from: 'date', valid_to: 'date', source: 'text' },
      );
    });
  }
  for (const [unit, next] of uPlan) {
    const before = uNow.filter((u) => u.unit_id === unit);
    const start = opts.from?.get(unit) ?? next[0]?.valid_from;
    if (!start) continue;
    const spans = replaceFrom(before.map(toUSpan), start, next, sameU);
    const after = spans.map((s) => ({ unit_id: unit, ...s.value, valid_from: s.valid_from, valid_to: s.valid_to }));
    result.unitChanges.push({ unit_id: unit, before, after });
    if (sameTimeline(before.map(toUSpan), spans, sameU)) continue;
    result.from[unit] = firstDifference(before.map(toUSpan), spans, sameU) ?? start;
    writes.push(() => async (q) => {
      await q.raw(`delete from ${t.units} where unit_id = ?`, [unit]);
      await insertSpans(
        q,
        t.units,
        after.map((a) => ({ ...a, source: opts.source ?? 'import' })),
        { unit_id: 'uuid', parent_id: 'uuid', head_id: 'uuid', valid_from: 'date', valid_to: 'date', source: 'text' },
      );
    });
  }
  if (opts.dryRun || !writes.length) return result;
  const run = async (q: Q) => {
    for (const w of writes) await w()(q);
    // Row-locked until commit: concurrent org writers count up in commit order.
    await q.raw(`update ${t.version} set version = version + 1 where id = 1`);
  };
  if ((src.q as Partial<Knex.Transaction>).isTransaction) await run(src.q);
  else await (src.q as Knex).transaction(run);
  return result;
}

const toMSpan = (m: OrgMembership): Span<MValue> => ({ value: { org_unit_id: m.org_unit_id, manager_id: m.manager_id }, valid_from: m.valid_from, valid_to: m.valid_to });
const toUSpan = (u: OrgUnitSpan): Span<UValue> => ({ value: { parent_id: u.parent_id, head_id: u.head_id }, valid_from: u.valid_from, valid_to: u.valid_to });

/** The first day on which the two timelines give different answers (null: none). */
function firstDifference<V>(a: readonly Span<V>[], b: readonly Span<V>[], same: (x: V, y: V) => boolean): string | null {
  const days = [...new Set([...a, ...b].flatMap((s) => [s.valid_from, ...(s.valid_to ? [s.valid_to] : [])]))].sort();
  for (const d of days) {
    const x = a.find((s) => s.valid_from <= d && (s.valid_to === null || d < s.valid_to));
    const y = b.find((s) => s.valid_from <= d && (s.valid_to === null || d < s.valid_to));
    if (!x !== !y || (x && y && !same(x.value, y.value))) return d;
  }
  return null;
}

async function insertSpans(q: Q, table: string, rows: Array<Record<string, unknown>>, types: Record<string, string>): Promise<void> {
  if (!rows.length) return;
  const cols = Object.keys(types);
  await q.raw(`insert into ${table} (${cols.join(', ')}) select ${cols.join(', ')} from jsonb_to_recordset(?::jsonb) as x(${cols.map((c) => `${c} ${types[c]}`).join(', ')})`, [JSON.stringify(rows)]);
}
