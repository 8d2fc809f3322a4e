// Automation rules: record triggers evaluated in one SQL statement per change (all rules of the
// object at once, against JSON images of the new and old row), and cron schedules.
import type { AutomationDoc, Registry } from '@attain/meta';
import { quoteIdent } from '@attain/meta';
import type { Job, RecordEvent } from '@attain/store';
import { CronExpressionParser } from 'cron-parser';
import type { Knex } from 'knex';
import { conditionSql, truthy } from './conditions.ts';
import type { Core, TenantCtx } from './core.ts';
import { T } from './module.ts';
import { createRun, createRuns, type RunInput } from './runs.ts';

type Op = 'create' | 'update' | 'delete';

interface CompiledRules {
  rules: AutomationDoc[];
  /** One statement evaluating every condition; null when no rule has one. */
  sql: string | null;
  bindings: unknown[];
  /** The same over many changes at once: a JSON array of [new, old] images. */
  batchSql: string | null;
  /** Per rule: the indexes of its columns (condition, previous) in the result row. */
  columns: Array<{ condition?: number; previous?: number }>;
}

const compiled = new WeakMap<Registry, Map<string, CompiledRules>>();

function compileRules(t: TenantCtx, object: string, op: Op, today: string): CompiledRules {
  let cache = compiled.get(t.registry);
  if (!cache) {
    cache = new Map();
    compiled.set(t.registry, cache);
  }
  const key = `${t.schema}\u0000${object}\u0000${op}\u0000${today}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rules = t.registry.documentsOf('automation').filter((r) => r.active !== false && r.trigger.type === 'record' && r.object === object && (r.trigger.on ?? ([] as string[])).includes(op));
  const def = t.registry.object(object);
  const parts: Array<{ sql: string; bindings: unknown[] }> = [];
  const columns = rules.map((r) => {
    const c: { condition?: number; previous?: number } = {};
    // A deleted record is judged by its last values.
    if (r.condition) c.condition = parts.push(conditionSql(t.registry, object, r.condition, t.schema, op === 'delete' ? 'o' : 'n', `automation "${r.name}" /condition`, today)) - 1;
    if (r.trigger.previous && op === 'update') c.previous = parts.push(conditionSql(t.registry, object, r.trigger.previous, t.schema, 'o', `automation "${r.name}" /trigger/previous`, today)) - 1;
    return c;
  });
  let sql: string | null = null;
  let batchSql: string | null = null;
  if (parts.length && def) {
    const type = `${quoteIdent(t.schema)}.${quoteIdent(def.table)}`;
    const select = parts.map((p, i) => `(${p.sql}) as c${i}`).join(', ');
    sql = `select ${select} from jsonb_populate_record(null::${type}, ?::jsonb) as n, jsonb_populate_record(null::${type}, ?::jsonb) as o`;
    batchSql = `select e.i, ${select} from jsonb_array_elements(?::jsonb) with ordinality as e(j, i) cross join lateral jsonb_populate_record(null::${type}, e.j->0) as n cross join lateral jsonb_populate_record(null::${type}, e.j->1) as o`;
  }
  const out: CompiledRules = { rules, sql, batchSql, bindings: parts.flatMap((p) => p.bindings), columns };
  if (cache.size > 500) cache.clear();
  cache.set(key, out);
  return out;
}

function changedFields(e: RecordEvent): Set<string> {
  const out = new Set<string>();
  const before = e.before ?? {};
  const after = e.after ?? {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (k === 'updated_at' || k === 'version' || k === 'updated_by') continue;
    if (JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)) out.add(k);
  }
  return out;
}

/** The rules an event matches. */
export async function matchRules(core: Core, t: TenantCtx, e: RecordEvent): Promise<AutomationDoc[]> {
  const op: Op | undefined = e.op === 'restore' ? undefined : e.op;
  if (!op) return [];
  const c = compileRules(t, e.object, op, core.now().toISOString().slice(0, 10));
  if (c.rules.length === 0) return [];
  const changed = op === 'update' ? changedFields(e) : undefined;
  let row: Record<string, unknown> = {};
  if (c.sql) {
    const res = (await t.knex.raw(c.sql, reorder(c, e) as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
    row = res.rows[0] ?? {};
  }
  return pick(c, row, changed);
}

function pick(c: CompiledRules, row: Record<string, unknown>, changed: Set<string> | undefined): AutomationDoc[] {
  return c.rules.filter((r, i) => {
    const cols = c.columns[i] ?? {};
    if (changed && r.trigger.changed?.length && !r.trigger.changed.some((f) => changed.has(f))) return false;
    if (cols.condition !== undefined && !truthy(row[`c${cols.condition}`])) return false;
    if (cols.previous !== undefined && !truthy(row[`c${cols.previous}`])) return false;
    return true;
  });
}

/**
 * The rules each of many changes (of one tenant) matches, with one statement per object and
 * operation: evaluation cost is then per row, not per round trip.
 */
export async function matchRulesBatch(core: Core, t: TenantCtx, events: readonly RecordEvent[]): Promise<AutomationDoc[][]> {
  const out: AutomationDoc[][] = events.map(() => []);
  const groups = new Map<string, number[]>();
  events.forEach((e, i) => {
    if (e.op === 'restore') return;
    const key = `${e.object}\u0000${e.op}`;
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  });
  const today = core.now().toISOString().slice(0, 10);
  for (const idx of groups.values()) {
    const first = events[idx[0] as number] as RecordEvent;
    const c = compileRules(t, first.object, first.op as Op, today);
    if (c.rules.length === 0) continue;
    const rows = new Map<number, Record<string, unknown>>();
    if (c.batchSql) {
      const images = idx.map((i) => {
        const e = events[i] as RecordEvent;
        return [e.after ?? e.before ?? {}, e.before ?? {}];
      });
      const res = (await t.knex.raw(c.batchSql, [...c.bindings, JSON.stringify(images)] as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
      for (const r of res.rows) rows.set(Number(r.i) - 1, r);
    }
    idx.forEach((i, k) => {
      const e = events[i] as RecordEvent;
      out[i] = pick(c, rows.get(k) ?? {}, e.op === 'update' ? changedFields(e) : undefined);
    });
  }
  return out;
}

// The select list's bindings come first in the statement, then the two row images.
function reorder(c: CompiledRules, e: RecordEvent): unknown[] {
  return [...c.bindings, JSON.stringify(e.after ?? e.before ?? {}), JSON.stringify(e.before ?? {})];
}

/** Handles one record event: every matching rule gets a run keyed by the event's job id. */
export async function handleEvent(core: Core, job: Job): Promise<{ matched: string[] }> {
  return (await handleEvents(core, [job]))[0] ?? { matched: [] };
}

/** Many events at once (grouped by tenant); runs are created in one transaction per tenant. */
export async function handleEvents(core: Core, jobs: readonly Job[]): Promise<Array<{ matched: string[] }>> {
  const results: Array<{ matched: string[] }> = jobs.map(() => ({ matched: [] }));
  const byTenant = new Map<string, number[]>();
  jobs.forEach((j, i) => {
    const tenant = (j.payload as RecordEvent).tenant;
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), i]);
  });
  for (const [tenant, idx] of byTenant) {
    const t = await core.tenant(tenant);
    const events = idx.map((i) => (jobs[i] as Job).payload as RecordEvent);
    const matched = await matchRulesBatch(core, t, events);
    if (matched.every((m) => m.length === 0)) continue;
    const runs: RunInput[] = [];
    for (const [k, i] of idx.entries()) {
      const job = jobs[i] as Job;
      const e = events[k] as RecordEvent;
      for (const r of matched[k] ?? []) {
        runs.push({
          key: `evt:${job.id}:${r.id}`,
          source: 'automation',
          rule: r.name,
          object: e.object,
          recordId: e.recordId,
          actions: r.actions,
          context: { actor: e.actor, submitterId: e.actor.userId, op: e.op, image: e.after ?? e.before, previous: e.before },
        });
      }
      results[i] = { matched: (matched[k] ?? []).map((r) => r.name) };
    }
    await t.knex.transaction((trx) => createRuns(core, trx, t, runs));
  }
  return results;
}

/** Fires every scheduled rule whose cron time (in its time zone) has come since the last tick. */
export async function runSchedules(core: Core, t: TenantCtx): Promise<string[]> {
  const now = core.now();
  const fired: string[] = [];
  const rules = core.automations(t).filter((r) => r.trigger.type === 'schedule' && r.trigger.cron);
  if (rules.length === 0) return fired;
  const settings = await core.settings(t.knex, t);
  for (const rule of rules) {
    const cron = rule.trigger.cron as string;
    const tz = rule.trigger.timezone ?? settings.timezone ?? 'UTC';
    await t.knex.transaction(async (trx) => {
      const state = (await core.table(trx, t, T.schedules).where({ rule_id: rule.id }).forUpdate().first()) as { cron: string; last_at: Date | string } | undefined;
      if (!state || state.cron !== cron) {
        // A new or changed schedule starts counting from now: it never fires for the past.
        await core.table(trx, t, T.schedules).insert({ rule_id: rule.id, cron, last_at: now }).onConflict('rule_id').merge(['cron', 'last_at']);
        return;
      }
      let it;
      try {
        it = CronExpressionParser.parse(cron, { currentDate: new Date(state.last_at), tz });
      } catch {
        return;
      }
      let last = new Date(state.last_at);
      for (let n = 0; n < 50; n++) {
        const next = it.next().toDate();
        if (next.getTime() > now.getTime()) break;
        await fire(core, trx, t, rule, next);
        fired.push(`${rule.name}@${next.toISOString()}`);
        last = next;
      }
      await core.table(trx, t, T.schedules).where({ rule_id: rule.id }).update({ last_at: last });
    });
  }
  return fired;
}

async function fire(core: Core, trx: Knex.Transaction, t: TenantCtx, rule: AutomationDoc, at: Date): Promise<void> {
  const base = { source: 'schedule' as const, rule: rule.name, actions: rule.actions, context: { actor: { userId: null, label: `schedule:${rule.name}` }, op: 'schedule' } };
  const object = rule.object ? t.registry.object(rule.object) : undefined;
  if (!object) {
    await createRun(core, trx, t, { ...base, key: `sch:${rule.id}:${at.toISOString()}` });
    return;
  }
  let where = '';
  let bindings: unknown[] = [];
  if (rule.condition) {
    const c = conditionSql(t.registry, object.name, rule.condition, t.schema, 't', `automation "${rule.name}" /condition`, at.toISOString().slice(0, 10));
    where = ` and (${c.sql})`;
    bindings = c.bindings;
  }
  const res = (await trx.raw(
    `select t.id from ${quoteIdent(t.schema)}.${quoteIdent(object.table)} as t where t.deleted_at is null${where} order by t.id limit 1000`,
    bindings as Knex.RawBinding[],
  )) as { rows: Array<{ id: string }> };
  for (const r of res.rows) await createRun(core, trx, t, { ...base, key: `sch:${rule.id}:${at.toISOString()}:${r.id}`, object: object.name, recordId: r.id });
}
