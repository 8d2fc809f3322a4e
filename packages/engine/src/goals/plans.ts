// Target plans: a draft version holds the split (cells) and its locks; submit -> approve makes
// it the active version from that moment (earlier versions are kept). Refusals name the cell.
import { randomUUID } from 'node:crypto';
import type { TargetPlanDoc } from '@attain/meta';
import { fiscalYearMonths, type FiscalCalendar } from './calendar.ts';
import type { GoalsContext } from './context.ts';
import { kpiOf } from './context.ts';
import { fromUnits, isDecimal, toUnits } from './decimal.ts';
import { GoalsError, type GoalsIssue } from './errors.ts';
import { memberships } from './membership.ts';
import { buildSplitTree, seasonalityWeights, WEIGHT_SCALE, type OrgUnitRow, type SplitMethod } from './methods.ts';
import { splitTargets, type SplitLock, type SplitNode } from './split.ts';

export interface PlanRequest {
  total?: string;
  method?: SplitMethod;
  weights?: Record<string, string>;
  locks?: Array<{ node: string; month?: string; value: string }>;
}

export interface PlanGrid {
  plan: string;
  kpi: string;
  months: string[];
  scale: number;
  total: string;
  method: SplitMethod;
  rows: Array<{
    node: string;
    parent: string | null;
    kind: 'unit' | 'person';
    label: string;
    userId: string | null;
    unitId: string | null;
    depth: number;
    cells: string[];
    year: string;
    locked: Array<string | null>;
  }>;
}

export function planDoc(ctx: GoalsContext, name: string): TargetPlanDoc {
  const doc = ctx.registry.documentsOf('target_plan').find((p) => p.name === name);
  if (!doc) throw new GoalsError('unknown_plan', `there is no target plan named "${name.slice(0, 64)}"`, [{ path: '/plan', rule: 'unknown_reference', message: 'no such plan' }], 404);
  return doc;
}

export function planMonths(doc: TargetPlanDoc): string[] {
  const cal: FiscalCalendar = { firstMonth: doc.firstMonth ?? 1 };
  return fiscalYearMonths(doc.year, cal);
}

async function history(ctx: GoalsContext, kpi: string, months: string[], years: number): Promise<{ perUser: Map<string, bigint[]>; perYear: bigint[][]; scale: number }> {
  const scale = kpiOf(ctx, kpi).scale;
  const perUser = new Map<string, bigint[]>();
  const perYear: bigint[][] = [];
  for (let y = 1; y <= years; y++) {
    const back = months.map((m) => `${Number(m.slice(0, 4)) - y}${m.slice(4)}-01`);
    const rows = (
      await ctx.knex.raw(`SELECT user_id::text AS u, to_char(month, 'YYYY-MM') AS m, round(sum(num), ?)::text AS v FROM ${ctx.t.actual} WHERE kpi = ? AND month = ANY(?::date[]) GROUP BY 1, 2`, [
        scale,
        kpi,
        back,
      ])
    ).rows as Array<{ u: string; m: string; v: string }>;
    const year = months.map(() => 0n);
    for (const r of rows) {
      const j = back.indexOf(`${r.m}-01`);
      const v = toUnits(r.v, scale);
      year[j] = year[j]! + v;
      if (y === 1) {
        const row = perUser.get(r.u) ?? months.map(() => 0n);
        row[j] = row[j]! + v;
        perUser.set(r.u, row);
      }
    }
    perYear.push(year);
  }
  return { perUser, perYear, scale };
}

/** Computes a split (no writes). Bad input is refused with the cell or field named. */
export async function computeSplit(ctx: GoalsContext, name: string, req: PlanRequest = {}): Promise<{ grid: PlanGrid; root: SplitNode; cells: Map<string, bigint[]>; locks: SplitLock[] }> {
  const doc = planDoc(ctx, name);
  const kpi = kpiOf(ctx, doc.kpi);
  const months = planMonths(doc);
  const scale = kpi.scale;
  const issues: GoalsIssue[] = [];
  const total = req.total ?? doc.total;
  const parse = (v: unknown, path: string): bigint | undefined => {
    if (!isDecimal(v)) {
      issues.push({ path, rule: 'type', message: 'must be a decimal number written as a string' });
      return undefined;
    }
    try {
      return toUnits(v, scale);
    } catch (e) {
      issues.push({ path, rule: 'scale', message: (e as Error).message });
      return undefined;
    }
  };
  const totalUnits = parse(total, '/total');
  const method = req.method ?? doc.method ?? 'equal';
  const weights = new Map<string, bigint>();
  for (const [node, w] of Object.entries(req.weights ?? {})) {
    if (!isDecimal(w)) issues.push({ path: `/weights/${node}`, rule: 'type', message: 'must be a decimal number written as a string' });
    else if (w.startsWith('-')) issues.push({ path: `/weights/${node}`, rule: 'negative_weight', message: 'a weight may not be negative' });
    // Exact at 12 decimals (the most a target decimal has): never through a float, never rounded.
    else weights.set(node, toUnits(w, WEIGHT_SCALE));
  }
  if (method === 'weights' && weights.size && [...weights.values()].every((w) => w === 0n)) {
    issues.push({ path: '/weights', rule: 'zero_weights', message: 'at least one weight must be above zero' });
  }
  const locks: SplitLock[] = [];
  (req.locks ?? []).forEach((l, i) => {
    const v = parse(l.value, `/cells/${l.node}/${l.month ?? 'year'}`);
    if (typeof l.node !== 'string') issues.push({ path: `/locks/${i}/node`, rule: 'type', message: 'must name a row' });
    else if (v !== undefined) locks.push({ node: l.node, ...(l.month ? { month: l.month } : {}), value: v });
  });
  const closed = await closedMonths(ctx, months);
  for (const l of locks) {
    if (l.month && closed.has(l.month)) issues.push({ path: `/cells/${l.node}/${l.month}`, rule: 'closed_period', message: `${l.month} is closed; its targets cannot change` });
  }
  if (issues.length || totalUnits === undefined) throw new GoalsError('plan_invalid', 'the plan was refused; nothing was changed', issues);
  const units = (await ctx.knex.raw(`SELECT id::text AS id, parent_id::text AS parent_id, name FROM ${ctx.t.orgUnit} WHERE deleted_at IS NULL`)).rows as OrgUnitRow[];
  const names = new Map(((await ctx.knex.raw(`SELECT id::text AS id, name FROM ${ctx.t.user}`)).rows as Array<{ id: string; name: string }>).map((u) => [u.id, u.name]));
  const members = (await memberships(ctx)).map((m) => ({ ...m, name: names.get(m.user_id) ?? m.user_id }));
  const needsHistory = method === 'last_year' || method === 'seasonality' || doc.periodMethod === 'seasonality';
  const hist = needsHistory ? await history(ctx, doc.kpi, months, doc.historyYears ?? 2) : undefined;
  const root = buildSplitTree(units, members, { months, method, ...(doc.orgUnit ? { rootUnit: doc.orgUnit } : {}), weights, ...(hist ? { history: hist.perUser } : {}) });
  let periodWeights: bigint[] | undefined;
  if (doc.periodMethod === 'weights' && doc.periodWeights) periodWeights = doc.periodWeights.map((w) => toUnits(w, WEIGHT_SCALE));
  if (doc.periodMethod === 'seasonality' && hist) periodWeights = seasonalityWeights(hist.perYear);
  const cells = splitTargets({ total: totalUnits, months, root, locks, ...(periodWeights ? { periodWeights } : {}) });
  if (closed.size) await refuseClosedChanges(ctx, name, months, closed, cells, scale);
  return { grid: toGrid(name, doc.kpi, months, scale, totalUnits, method, root, cells, locks), root, cells, locks };
}

function toGrid(plan: string, kpi: string, months: string[], scale: number, total: bigint, method: SplitMethod, root: SplitNode, cells: Map<string, bigint[]>, locks: SplitLock[]): PlanGrid {
  const rows: PlanGrid['rows'] = [];
  const walk = (n: SplitNode, parent: string | null, depth: number, unit: string | null) => {
    const row = cells.get(n.id) ?? months.map(() => 0n);
    const mine = locks.filter((l) => l.node === n.id);
    rows.push({
      node: n.id,
      parent,
      kind: n.kind,
      label: n.label ?? n.id,
      depth,
      userId: n.kind === 'person' ? n.id.split('@')[0]! : null,
      unitId: n.kind === 'unit' ? (n.id === 'company' ? null : n.id) : unit,
      cells: row.map((v) => fromUnits(v, scale)),
      year: fromUnits(
        row.reduce((a, b) => a + b, 0n),
        scale,
      ),
      locked: months.map((m) => (mine.find((l) => l.month === m) ? fromUnits(mine.find((l) => l.month === m)!.value, scale) : null)),
    });
    for (const c of n.children ?? []) walk(c, n.id, depth + 1, n.kind === 'unit' && n.id !== 'company' ? n.id : unit);
  };
  walk(root, null, 0, null);
  return { plan, kpi, months, scale, total: fromUnits(total, scale), method, rows };
}

/** Targets of a closed month never change: a new split must leave them as the active version has them. */
async function refuseClosedChanges(ctx: GoalsContext, plan: string, months: string[], closed: Set<string>, cells: Map<string, bigint[]>, scale: number): Promise<void> {
  const active = await activeVersion(ctx, plan);
  const before = new Map<string, string>();
  if (active) {
    const rows = (
      await ctx.knex.raw(`SELECT node, to_char(month, 'YYYY-MM') AS m, amount::text AS a FROM ${ctx.t.target} WHERE version_id = ? AND month = ANY(?::date[])`, [
        active.id,
        [...closed].map((m) => `${m}-01`),
      ])
    ).rows as Array<{ node: string; m: string; a: string }>;
    for (const r of rows) before.set(`${r.node}|${r.m}`, r.a);
  }
  const issues: GoalsIssue[] = [];
  for (const [node, row] of cells) {
    months.forEach((m, j) => {
      if (!closed.has(m)) return;
      const was = before.get(`${node}|${m}`);
      if (was === undefined ? row[j] !== 0n : toUnits(was, scale) !== row[j]) issues.push({ path: `/cells/${node}/${m}`, rule: 'closed_period', message: `${m} is closed; its target cannot change` });
    });
  }
  if (issues.length) throw new GoalsError('plan_invalid', 'the plan would change targets of a closed period; nothing was changed', issues.slice(0, 50));
}

export async function closedMonths(ctx: GoalsContext, months: string[]): Promise<Set<string>> {
  const rows = (await ctx.knex.raw(`SELECT to_char(month, 'YYYY-MM') AS m FROM ${ctx.t.closed} WHERE month = ANY(?::date[])`, [months.map((m) => `${m}-01`)])).rows as Array<{ m: string }>;
  return new Set(rows.map((r) => r.m));
}

export async function closePeriod(ctx: GoalsContext, month: string, by: string | null): Promise<void> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new GoalsError('invalid_period', 'a month is written YYYY-MM', [{ path: '/month', rule: 'format', message: 'must be YYYY-MM' }], 400);
  await ctx.knex.raw(`INSERT INTO ${ctx.t.closed} (month, closed_by) VALUES (?, ?) ON CONFLICT (month) DO NOTHING`, [`${month}-01`, by]);
}

export interface PlanVersion {
  id: string;
  plan: string;
  version: number;
  status: 'draft' | 'submitted' | 'active' | 'rejected' | 'superseded';
  total: string;
  created_at: string;
  active_from: string | null;
}

const versionCols = `id::text AS id, plan, version, status, total::text AS total, created_at, active_from`;

export async function activeVersion(ctx: GoalsContext, plan: string): Promise<PlanVersion | undefined> {
  return (await ctx.knex.raw(`SELECT ${versionCols} FROM ${ctx.t.planVersion} WHERE plan = ? AND status = 'active'`, [plan])).rows[0] as PlanVersion | undefined;
}

export async function listVersions(ctx: GoalsContext, plan: string): Promise<PlanVersion[]> {
  return (await ctx.knex.raw(`SELECT ${versionCols} FROM ${ctx.t.planVersion} WHERE plan = ? ORDER BY version`, [plan])).rows as PlanVersion[];
}

/**
 * One saved version with the request it was saved from (method, weights, locks), so a split can be
 * reopened and edited further. Locks are stored in KPI units and come back as decimals.
 */
export async function versionWithRequest(ctx: GoalsContext, plan: string, id: string): Promise<{ version: PlanVersion; request: PlanRequest } | undefined> {
  const row = (await ctx.knex.raw(`SELECT ${versionCols}, settings FROM ${ctx.t.planVersion} WHERE plan = ? AND id = ?`, [plan, id])).rows[0] as
    | (PlanVersion & { settings: { method?: SplitMethod; weights?: Record<string, string>; locks?: Array<{ node: string; month: string | null; value: string }> } })
    | undefined;
  if (!row) return undefined;
  const { settings, ...version } = row;
  const scale = kpiOf(ctx, planDoc(ctx, plan).kpi).scale;
  const locks = (settings.locks ?? []).map((l) => ({ node: l.node, ...(l.month ? { month: l.month } : {}), value: fromUnits(BigInt(l.value), scale) }));
  return { version, request: { total: version.total, method: settings.method ?? 'equal', weights: settings.weights ?? {}, locks } };
}

/** Saves the split as a new draft version (cells and locks). */
export async function saveDraft(ctx: GoalsContext, plan: string, req: PlanRequest, by: string | null): Promise<{ version: PlanVersion; grid: PlanGrid }> {
  const { grid, locks } = await computeSplit(ctx, plan, req);
  const id = randomUUID();
  await ctx.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`goals-plan:${ctx.schema}:${plan}`]);
    const next = Number(((await trx.raw(`SELECT coalesce(max(version), 0) + 1 AS n FROM ${ctx.t.planVersion} WHERE plan = ?`, [plan])).rows[0] as { n: number }).n);
    await trx.raw(`INSERT INTO ${ctx.t.planVersion} (id, plan, version, status, total, settings, created_by) VALUES (?, ?, ?, 'draft', ?, ?::jsonb, ?)`, [
      id,
      plan,
      next,
      grid.total,
      JSON.stringify({ method: grid.method, weights: req.weights ?? {}, locks: locks.map((l) => ({ node: l.node, month: l.month ?? null, value: String(l.value) })) }),
      by,
    ]);
    const rows = grid.rows.flatMap((r) => grid.months.map((m, j) => [id, r.node, r.kind, r.userId, r.unitId, `${m}-01`, r.cells[j], r.locked[j] !== null]));
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      await trx.raw(
        `INSERT INTO ${ctx.t.target} (version_id, node, kind, user_id, org_unit_id, month, amount, locked)
         SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::uuid[], ?::uuid[], ?::date[], ?::numeric[], ?::boolean[])`,
        [0, 1, 2, 3, 4, 5, 6, 7].map((k) => chunk.map((row) => row[k]!)) as never,
      );
    }
  });
  const version = (await listVersions(ctx, plan)).find((v) => v.id === id)!;
  return { version, grid };
}

async function setStatus(ctx: GoalsContext, plan: string, versionId: string, from: string[], to: PlanVersion['status'], by: string | null): Promise<PlanVersion> {
  return ctx.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`goals-plan:${ctx.schema}:${plan}`]);
    const row = (await ctx.port.table('plan_version', trx).where({ id: versionId, plan }).first('status', trx.raw('submitted_by::text as submitted_by'))) as
      | { status: string; submitted_by: string | null }
      | undefined;
    if (!row) throw new GoalsError('unknown_version', 'no such plan version', [{ path: '/version', rule: 'unknown_reference', message: 'no such version' }], 404);
    // Nobody decides their own request, whichever door they use (the workflow refuses it too).
    if (to !== 'submitted' && by !== null && row.submitted_by === by) {
      throw new GoalsError(
        'self_approval',
        'you submitted this version; someone else decides it',
        [{ path: '/action', rule: 'self_approval', message: 'the submitter cannot approve or reject their own version' }],
        403,
      );
    }
    if (!from.includes(row.status))
      throw new GoalsError('invalid_transition', `a ${row.status} version cannot become ${to}`, [{ path: '/status', rule: 'transition', message: `${row.status} -> ${to}` }], 409);
    if (to === 'active') {
      await trx.raw(`UPDATE ${ctx.t.planVersion} SET status = 'superseded' WHERE plan = ? AND status = 'active'`, [plan]);
      await trx.raw(`UPDATE ${ctx.t.planVersion} SET status = 'active', decided_by = ?, decided_at = now(), active_from = now() WHERE id = ?`, [by, versionId]);
    } else if (to === 'submitted') {
      await trx.raw(`UPDATE ${ctx.t.planVersion} SET status = 'submitted', submitted_at = now(), submitted_by = ? WHERE id = ?`, [by, versionId]);
    } else {
      await trx.raw(`UPDATE ${ctx.t.planVersion} SET status = ?, decided_by = ?, decided_at = now() WHERE id = ?`, [to, by, versionId]);
    }
    return (await trx.raw(`SELECT ${versionCols} FROM ${ctx.t.planVersion} WHERE id = ?`, [versionId])).rows[0] as PlanVersion;
  });
}

export const submitVersion = (ctx: GoalsContext, plan: string, id: string, by: string | null) => setStatus(ctx, plan, id, ['draft', 'rejected'], 'submitted', by);
export const approveVersion = (ctx: GoalsContext, plan: string, id: string, by: string | null) => setStatus(ctx, plan, id, ['submitted'], 'active', by);
export const rejectVersion = (ctx: GoalsContext, plan: string, id: string, by: string | null) => setStatus(ctx, plan, id, ['submitted'], 'rejected', by);
