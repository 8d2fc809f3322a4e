// Targets: plan, node (a person's or org unit's id, as the split screen names its rows), month
// (blank: the whole year) and value. Each plan's rows become locked cells of a new draft version:
// the latest version's request (total, method, weights, locks) with the file's cells locked on top,
// split by the goals engine (its checks: closed months, locks that do not fit) and saved as a draft
// to submit and approve as usual. Admins, and roles that approve the KPI's object (managers) within
// what they see — the rules of POST /goals/plans/{plan}/versions.
import { computeSplit, goalsContext, goalsModule, kpiOf, listVersions, saveDraft, seedMemberships, versionWithRequest, type GoalsContext, type PlanRequest } from '@attain/engine';
import { isAttainError } from '@attain/meta/errors';
import type { ErrorDetail } from '../../../http/errors.ts';
import { isAdmin, objectPermission } from '../../../rbac/permissions.ts';
import type { AccessContext } from '../../../rbac/context.ts';
import { auditTrail, versionSummary } from '../../../rest/audit-trail.ts';
import { assertRequestInScope, kpiVisibility } from '../../../rest/goals-access.ts';
import type { ImportKind, KindContext, TypedRow } from '../kind.ts';
import { ImportRefusal } from '../refusal.ts';

const mayPlan = (access: AccessContext, object: string | undefined) => {
  if (isAdmin(access.principal.role)) return true;
  const o = object ? access.registry.object(object) : undefined;
  return !!o && objectPermission(access.principal.role, o).actions.has('approve');
};

/** Per plan, the request of a new draft: the latest version's, with the file's cells locked. */
async function requests(rows: readonly TypedRow[], { store, access }: KindContext): Promise<{ ctx: GoalsContext; plans: Map<string, { req: PlanRequest; rows: TypedRow[] }> }> {
  const ctx = await goalsContext(store as never, access.tenantName, access.registry);
  await seedMemberships(ctx);
  const docs = access.registry.documentsOf('target_plan');
  const issues: ErrorDetail[] = [];
  const byPlan = new Map<string, TypedRow[]>();
  for (const r of rows) {
    const plan = r.values.plan as string;
    const doc = docs.find((d) => d.name === plan);
    if (!doc) issues.push({ path: `/rows/${r.row}/plan`, rule: 'unknown_reference', message: `there is no target plan "${plan.slice(0, 80)}"` });
    else if (!mayPlan(access, kpiOf(ctx, doc.kpi).object)) issues.push({ path: `/rows/${r.row}/plan`, rule: 'forbidden', message: 'your role may not set targets for this plan' });
    else byPlan.set(plan, [...(byPlan.get(plan) ?? []), r]);
  }
  if (issues.length) throw new ImportRefusal(issues);
  const plans = new Map<string, { req: PlanRequest; rows: TypedRow[] }>();
  for (const [plan, list] of byPlan) {
    const latest = (await listVersions(ctx, plan)).sort((a, b) => b.version - a.version)[0];
    const base: PlanRequest = latest ? ((await versionWithRequest(ctx, plan, latest.id))?.request ?? {}) : {};
    const cell = (node: string, month: string | null | undefined) => `${node}|${month ?? ''}`;
    const mine = new Set(list.map((r) => cell(r.values.node as string, r.values.month)));
    const locks = [
      ...(base.locks ?? []).filter((l) => !mine.has(cell(l.node, l.month))),
      ...list.map((r) => ({ node: r.values.node as string, ...(r.values.month ? { month: r.values.month } : {}), value: r.values.value as string })),
    ];
    const req: PlanRequest = { ...base, locks };
    const doc = docs.find((d) => d.name === plan);
    try {
      assertRequestInScope(await kpiVisibility(access, ctx, doc?.kpi ?? ''), req);
    } catch (error) {
      if (!isAttainError(error)) throw error;
      throw new ImportRefusal(list.map((r) => ({ path: `/rows/${r.row}/node`, rule: 'forbidden', message: error.message })));
    }
    plans.set(plan, { req, rows: list });
  }
  return { ctx, plans };
}

/** The split's problems name cells (`/cells/<node>/<month|year>`); they become the rows that set them. */
async function split<T>(plan: string, rows: readonly TypedRow[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isAttainError(error) || error.status >= 500) throw error;
    const details = error.details.map((d) => {
      const m = /^\/cells\/([^/]+)\/([^/]+)/.exec(d.path);
      const row = m ? rows.find((r) => r.values.node === m[1] && (r.values.month ?? 'year') === m[2]) : undefined;
      const field = d.rule === 'unknown_cell' ? 'node' : m?.[2] === 'year' ? 'value' : 'month';
      return row ? { ...d, path: `/rows/${row.row}/${field}` } : d;
    });
    const named = details.some((d) => d.path.startsWith('/rows/'));
    // A refusal naming no cell of the file (the whole plan) fails each of the plan's rows.
    throw new ImportRefusal(named ? details : rows.map((r) => ({ path: `/rows/${r.row}/plan`, rule: error.code, message: `${plan}: ${error.message}` })), error.message);
  }
}

export const targetsKind: ImportKind = {
  name: 'targets',
  label: { en: 'Targets', 'zh-CN': '目标' },
  who: 'an admin or a role that approves the KPI’s records',
  allowed: (access) => isAdmin(access.principal.role) || access.registry.documentsOf('kpi').some((k) => mayPlan(access, k.object)),
  columns: [
    { field: 'plan', type: 'text', required: true, label: { en: 'Target plan', 'zh-CN': '目标方案' }, aliases: ['target_plan'] },
    { field: 'node', type: 'text', required: true, label: { en: 'Person or unit id', 'zh-CN': '人员或部门 ID' }, aliases: ['row', 'node_id'] },
    { field: 'month', type: 'month', label: { en: 'Month', 'zh-CN': '月份' } },
    { field: 'value', type: 'decimal', required: true, label: { en: 'Target', 'zh-CN': '目标值' }, aliases: ['target', 'amount'] },
  ],
  async check(rows, kctx) {
    const { ctx, plans } = await requests(rows, kctx);
    for (const [plan, { req, rows: list }] of plans) await split(plan, list, () => computeSplit(ctx, plan, req));
  },
  async apply(rows, kctx) {
    const { ctx, plans } = await requests(rows, kctx);
    const audit = auditTrail(kctx.store, goalsModule);
    for (const [plan, { req, rows: list }] of plans) {
      const saved = await split(plan, list, () => saveDraft(ctx, plan, req, kctx.access.principal.userId));
      await audit(kctx.access, { action: 'goals.target_plan.save', object: 'target_plan_version', recordId: saved.version.id, after: versionSummary(saved.version) });
    }
  },
};
