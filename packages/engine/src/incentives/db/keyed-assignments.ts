// Territory (customer → payee) and specialist (product category → payee) assignments: what the
// `assignment` and `overlay` crediting rules read. A list of one kind is replaced whole, keeping
// plan assignments and the other kind; the transactions of every customer or category whose
// payees changed are recredited and their payees (before and after) recomputed.
import { quoteIdent } from '@attain/meta';
import type { Actor } from '@attain/store';
import { CalcError } from '../components.ts';
import { isCalendarDate } from '../periods.ts';
import type { Assignment } from '../types.ts';
import { listSummary } from './audit-notes.ts';
import type { IncentiveEngine } from './engine.ts';
import type { RunStats } from './period-flow.ts';
import { IncentiveError } from './errors.ts';

type Row = Record<string, unknown>;
type Issue = { path: string; rule: string; message: string };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type KeyedKind = 'territory' | 'specialist';

/** How each kind travels over the API: the list's name and the key's field. */
export const KEYED = {
  territory: { list: 'territories', key: 'customerId', object: 'customer' },
  specialist: { list: 'specialists', key: 'category', object: 'product' },
} as const;

export type KeyedAssignment = { payeeId: string; from: string; to: string | null } & ({ customerId: string } | { category: string });

const isDate = isCalendarDate;

/** Shape and dates of each row; every issue names its cell (`/territories/3/from`). */
export function checkKeyed(kind: KeyedKind, raw: unknown): { list: Assignment[]; issues: Issue[] } {
  const { list: name, key } = KEYED[kind];
  if (!Array.isArray(raw)) return { list: [], issues: [{ path: `/${name}`, rule: 'type', message: 'must be an array' }] };
  const issues: Issue[] = [];
  const list: Assignment[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `/${name}/${i}`;
    const a = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const before = issues.length;
    if (typeof a[key] !== 'string' || !(a[key] as string).trim()) issues.push({ path: `${at}/${key}`, rule: 'required', message: 'is required' });
    if (typeof a.payeeId !== 'string' || !a.payeeId.trim()) issues.push({ path: `${at}/payeeId`, rule: 'required', message: 'is required' });
    if (!isDate(a.from)) issues.push({ path: `${at}/from`, rule: 'format', message: 'must be a date (YYYY-MM-DD)' });
    if (a.to !== undefined && a.to !== null && !isDate(a.to)) issues.push({ path: `${at}/to`, rule: 'format', message: 'must be a date (YYYY-MM-DD) or null' });
    else if (isDate(a.to) && isDate(a.from) && a.to < a.from) issues.push({ path: `${at}/to`, rule: 'range', message: 'must be on or after the start' });
    if (issues.length > before) return;
    // Record ids are stored in lower case; a category is taken as written.
    const k = (a[key] as string).trim();
    const id = (v: string) => (UUID.test(v) ? v.toLowerCase() : v);
    list.push({ kind, key: kind === 'territory' ? id(k) : k, payeeId: id((a.payeeId as string).trim()), from: a.from as string, to: (a.to as string | null | undefined) ?? null });
  });
  return { list, issues };
}

/** Overlapping spans of one payee on one key would count the same sale twice for them. */
function overlaps(kind: KeyedKind, list: readonly Assignment[]): Issue[] {
  const issues: Issue[] = [];
  list.forEach((a, i) => {
    const j = list.findIndex((b, k) => k < i && b.key === a.key && b.payeeId === a.payeeId && a.from <= (b.to ?? '9999-12-31') && b.from <= (a.to ?? '9999-12-31'));
    if (j >= 0) issues.push({ path: `/${KEYED[kind].list}/${i}/from`, rule: 'overlap', message: `overlaps row ${j} for the same payee and ${kind === 'territory' ? 'customer' : 'category'}` });
  });
  return issues;
}

/** Ids of live records of an object among the given ones. */
async function liveIds(engine: IncentiveEngine, object: string, ids: readonly string[]): Promise<Set<string>> {
  const o = (await engine.store.registry(engine.tenant)).object(object);
  const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
  if (!o || !wanted.length) return new Set();
  const { knex, schema } = await engine.ensure();
  const rows = (await knex.raw(`select id::text as id from ${quoteIdent(schema)}.${quoteIdent(o.table)} where id = any(?::uuid[]) and deleted_at is null`, [wanted])).rows as Row[];
  return new Set(rows.map((r) => String(r.id)));
}

/** Customers and payees that exist; categories among the product's options (when it has any). */
async function references(engine: IncentiveEngine, kind: KeyedKind, list: readonly Assignment[]): Promise<Issue[]> {
  const { list: name, key } = KEYED[kind];
  const issues: Issue[] = [];
  const users = await liveIds(
    engine,
    'user',
    list.map((a) => a.payeeId),
  );
  const registry = await engine.store.registry(engine.tenant);
  if (kind === 'territory') {
    const customers = await liveIds(
      engine,
      'customer',
      list.map((a) => a.key),
    );
    list.forEach((a, i) => {
      if (!customers.has(a.key)) issues.push({ path: `/${name}/${i}/${key}`, rule: 'exists', message: `there is no customer "${a.key}"` });
    });
  } else {
    const options = registry.field('product', 'category')?.options?.map((o) => o.value);
    list.forEach((a, i) => {
      if (options?.length && !options.includes(a.key)) issues.push({ path: `/${name}/${i}/${key}`, rule: 'enum', message: `"${a.key}" is not a product category (${options.join(', ')})` });
    });
  }
  if (registry.object('user')) {
    list.forEach((a, i) => {
      if (!users.has(a.payeeId)) issues.push({ path: `/${name}/${i}/payeeId`, rule: 'exists', message: `there is no user "${a.payeeId}"` });
    });
  }
  return issues;
}

export const keyedJson = (kind: KeyedKind, a: Assignment): KeyedAssignment =>
  kind === 'territory' ? { customerId: a.key, payeeId: a.payeeId, from: a.from, to: a.to ?? null } : { category: a.key, payeeId: a.payeeId, from: a.from, to: a.to ?? null };

export async function readKeyed(engine: IncentiveEngine, kind: KeyedKind): Promise<KeyedAssignment[]> {
  return (await engine.assignments()).filter((a) => a.kind === kind && !a.via).map((a) => keyedJson(kind, a));
}

/**
 * Replaces the assignments of one kind. Refused, naming the cell, when a row is malformed (400) or
 * names a customer, category or payee that does not exist, or overlaps itself (422).
 */
export interface KeyedSave {
  data: KeyedAssignment[];
  /** Transactions recredited (of the customers or categories whose payees changed). */
  transactions: number;
  run: RunStats | null;
  /** The recalculation failed (e.g. a payee without a target): saved, not yet computed. */
  failed?: { path: string; message: string };
}

/** `by`: who replaces them (audited in the same transaction). */
export async function replaceKeyed(engine: IncentiveEngine, kind: KeyedKind, raw: unknown, by?: Actor): Promise<KeyedSave> {
  const { list, issues } = checkKeyed(kind, raw);
  if (issues.length) throw new IncentiveError(400, 'invalid_body', `${issues.length} ${KEYED[kind].list} value(s) are invalid`, issues);
  const refused = [...overlaps(kind, list), ...(await references(engine, kind, list))];
  if (refused.length)
    throw new IncentiveError(
      422,
      'assignment_invalid',
      `${refused.length} ${KEYED[kind].list} value(s) are refused`,
      refused.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })),
    );
  const current = await engine.assignments();
  const sig = (a: Assignment) => `${a.payeeId}|${a.from}|${a.to ?? ''}`;
  const spans = (of: readonly Assignment[]) => {
    const m = new Map<string, string[]>();
    for (const a of of) if (a.kind === kind && !a.via) m.set(a.key, [...(m.get(a.key) ?? []), sig(a)]);
    for (const v of m.values()) v.sort();
    return m;
  };
  const before = spans(current);
  const after = spans(list);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => JSON.stringify(before.get(k) ?? []) !== JSON.stringify(after.get(k) ?? []));
  const was = current.filter((a) => a.kind === kind && !a.via).map((a) => keyedJson(kind, a));
  const note = { action: `incentives.${kind}_assignments.update`, object: 'incentive_assignment', before: listSummary(was), after: listSummary(list.map((a) => keyedJson(kind, a))) };
  await engine.assignmentService.replaceNamed([...current.filter((a) => !a.via && a.kind !== kind), ...list], by, note);
  if (!changed.length) return { data: list.map((a) => keyedJson(kind, a)), transactions: 0, run: null };
  const port = await engine.ensure();
  const column = kind === 'territory' ? 'customer_id' : 'category';
  const txIds = ((await port.knex.raw(`select id from ${port.name('transactions')} where ${column} = any(?::text[]) order by id`, [changed])).rows as Row[]).map((r) => String(r.id));
  // The assignments are saved either way: a run that cannot compute (a payee without a target) is
  // reported, and the periods keep their last results until the next recalculation.
  try {
    const run = txIds.length ? await engine.recomputeTransactions(txIds) : null;
    return { data: list.map((a) => keyedJson(kind, a)), transactions: txIds.length, run };
  } catch (error) {
    if (!(error instanceof CalcError)) throw error;
    return { data: list.map((a) => keyedJson(kind, a)), transactions: txIds.length, run: null, failed: { path: error.pointer, message: error.message } };
  }
}
