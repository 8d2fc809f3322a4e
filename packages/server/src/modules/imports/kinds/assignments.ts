// Plan assignments (who is paid by which plan): plan, payee, from, to. A file row is added to the
// plan's stored assignments, replacing the span of the same payee and start; each plan's list is
// linted (nobody paid twice) and saved through the incentive engine, which audits it; pay is then
// recomputed in the background. Admins, as PUT /incentives/plans/{id}/assignments.
import { DERIVE_INCENTIVES, IncentiveEngine, lintPlan } from '@attain/engine';
import type { ErrorDetail } from '../../../http/errors.ts';
import { isAdmin } from '../../../rbac/permissions.ts';
import type { ImportKind, KindContext, TypedRow } from '../kind.ts';
import { ImportRefusal } from '../refusal.ts';
import { mergeSpans, spanProblems, type Span } from './spans.ts';

async function plansOf(rows: readonly TypedRow[], { store, access }: KindContext) {
  const engine = new IncentiveEngine(store as never, access.tenantName);
  const plans = await engine.plans();
  const named = (await engine.assignments()).filter((a) => !a.via);
  const issues: ErrorDetail[] = [...spanProblems(rows)];
  const byPlan = new Map<string, Span[]>();
  for (const r of rows) {
    const plan = r.values.plan as string;
    if (!plans.some((p) => p.id === plan)) {
      issues.push({ path: `/rows/${r.row}/plan`, rule: 'unknown_reference', message: `there is no incentive plan "${plan.slice(0, 80)}"` });
      continue;
    }
    byPlan.set(plan, [...(byPlan.get(plan) ?? []), { key: plan, payeeId: r.values.payee as string, from: r.values.from as string, to: r.values.to ?? null, row: r.row }]);
  }
  const lists = new Map<string, Span[]>();
  for (const [plan, file] of byPlan) {
    const stored = named.filter((a) => a.kind === 'plan' && a.key === plan).map((a) => ({ key: plan, payeeId: a.payeeId, from: a.from, to: a.to ?? null }));
    const m = mergeSpans(stored, file);
    issues.push(...m.issues);
    lists.set(plan, m.list);
  }
  return { engine, plans, named, lists, issues };
}

export const assignmentsKind: ImportKind = {
  name: 'assignments',
  label: { en: 'Plan assignments', 'zh-CN': '方案分配' },
  who: 'an admin',
  allowed: (access) => isAdmin(access.principal.role),
  columns: [
    { field: 'plan', type: 'text', required: true, label: { en: 'Plan', 'zh-CN': '激励方案' }, aliases: ['plan_id'] },
    { field: 'payee', type: 'user', required: true, label: { en: 'Payee', 'zh-CN': '收款人' }, aliases: ['payee_id', 'email'] },
    { field: 'from', type: 'date', required: true, label: { en: 'From', 'zh-CN': '开始日期' }, aliases: ['valid_from'] },
    { field: 'to', type: 'date', label: { en: 'To', 'zh-CN': '结束日期' }, aliases: ['valid_to'] },
  ],
  async check(rows, ctx) {
    const { engine, plans, named, lists, issues } = await plansOf(rows, ctx);
    if (issues.length) throw new ImportRefusal(issues);
    // The engine's own lint of each plan over what people would be on (named and by role).
    for (const [plan, list] of lists) {
      const doc = plans.find((p) => p.id === plan);
      const all = [...named.filter((a) => !(a.kind === 'plan' && a.key === plan)), ...list.map((s) => ({ kind: 'plan' as const, payeeId: s.payeeId, key: plan, from: s.from, to: s.to }))];
      const errors = doc ? lintPlan(doc, { plans, assignments: await engine.previewAssignments({ named: all }) }).filter((i) => i.severity === 'error') : [];
      if (errors.length) {
        const mine = list.filter((s) => s.row !== undefined);
        throw new ImportRefusal(
          mine.map((s) => ({ path: `/rows/${s.row}/plan`, rule: 'assignment_invalid', message: errors.map((e) => e.message).join('; ') })),
          'these assignments would pay someone twice',
        );
      }
    }
  },
  async apply(rows, ctx) {
    const { engine, lists, issues } = await plansOf(rows, ctx);
    if (issues.length) throw new ImportRefusal(issues);
    for (const [plan, list] of lists) await engine.setPlanAssignments(plan, list, ctx.access.actor);
    await ctx.store.jobs.enqueue({ queue: DERIVE_INCENTIVES, tenant: ctx.access.tenantName, payload: { tenant: ctx.access.tenantName, credit: false } });
  },
};
