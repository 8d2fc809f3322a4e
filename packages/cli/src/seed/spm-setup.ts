// The record-dependent half of the demo's SPM modules: metadata (KPIs, the target plan, the
// incentive plan, the approval flow and automation) is applied with the template; what needs the
// seeded records — actuals, an approved target-plan version, alert rules, crediting rules, plan and
// territory assignments, the orders as transactions and a calculation — is done here, through the
// engine's own functions.
import {
  approveVersion,
  goalsContext,
  IncentiveEngine,
  kpiOf,
  putRule,
  readInputs,
  recomputeAll,
  saveDraft,
  scheduleAlerts,
  seedMemberships,
  submitVersion,
  syncGoalTargets,
  syncPlansFromMetadata,
  type CreditingRuleDoc,
  type GoalsContext,
  type IncentivePlanDoc,
  type Transaction,
} from '@attain/engine';
import type { Store } from '@attain/store';
import { isoDate } from './random.ts';
import type { DemoData } from './demo-data.ts';

export interface SpmReport {
  kpis: number;
  targetPlans: Array<{ plan: string; year: number; total: string }>;
  alertRules: string[];
  periods: string[];
  statementLines: number;
}

/** The demo's books are kept in CNY (the demo tenant's base currency). */
const CURRENCY = 'CNY';
/** Next year's target: last year's paid revenue plus this much. */
const GROWTH = 1.15;

/**
 * The order's owner gets 100%, or its split rows share it; a key-account territory's payee gets 10%
 * of its customers' orders on top (a rule with a filter is not part of the 100%); managers get a
 * 1-level roll-up.
 */
const CREDITING_RULES: CreditingRuleDoc[] = [
  {
    kind: 'crediting_rule',
    id: 'demo.credit.owner',
    name: 'owner_or_split',
    label: { en: 'Order owner 100%, or its splits', 'zh-CN': '订单负责人 100%，或按业绩分配' },
    effectiveFrom: '2020-01-01',
    type: 'split',
    pct: '100',
  },
  {
    kind: 'crediting_rule',
    id: 'demo.credit.territory',
    name: 'key_account',
    label: { en: 'Key-account territory 10%', 'zh-CN': '大客户区域 10%' },
    effectiveFrom: '2020-01-01',
    type: 'assignment',
    pct: '10',
    when: { objects: ['order'] },
  },
  {
    kind: 'crediting_rule',
    id: 'demo.credit.manager',
    name: 'manager_rollup',
    label: { en: 'Manager roll-up (1 level)', 'zh-CN': '上级经理汇总（1 级）' },
    effectiveFrom: '2020-01-01',
    type: 'rollup',
    levels: [{ pct: '100' }],
  },
];

/** Target plans in a template are for the year it is installed in. */
export function datedDocuments(documents: unknown[], today: Date): unknown[] {
  const year = today.getUTCFullYear();
  return documents.map((d) => (d && typeof d === 'object' && (d as { kind?: unknown }).kind === 'target_plan' ? { ...d, year } : d));
}

export const monthOf = (d: Date): string => isoDate(d).slice(0, 7);
export function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export async function setupSpm(
  store: Store,
  tenant: string,
  opts: { today: Date; adminId: string; data: DemoData; idOf: (object: string, externalId: string) => string | undefined },
): Promise<SpmReport> {
  const registry = await store.registry(tenant);
  const report: SpmReport = { kpis: 0, targetPlans: [], alertRules: [], periods: [], statementLines: 0 };
  const kpis = registry.documentsOf('kpi');
  if (kpis.length) {
    const ctx = await goalsContext(store, tenant, registry);
    await seedMemberships(ctx);
    for (const k of kpis) await recomputeAll(ctx, kpiOf(ctx, k.name));
    report.kpis = kpis.length;
    for (const plan of registry.documentsOf('target_plan')) {
      const total = await targetTotal(ctx, plan.kpi, plan.year - 1, plan.total);
      const { version } = await saveDraft(ctx, plan.name, { total }, opts.adminId);
      // The demo setup submits (as the system) and its admin approves: nobody decides their own version.
      await submitVersion(ctx, plan.name, version.id, null);
      await approveVersion(ctx, plan.name, version.id, opts.adminId);
      report.targetPlans.push({ plan: plan.name, year: plan.year, total: version.total });
    }
    const names = new Set(kpis.map((k) => k.name));
    const rules = [
      { name: 'revenue_pace', kind: 'pacing_below', kpi: 'paid_revenue', threshold: 0.8, fromDay: 10 },
      { name: 'no_visits', kind: 'no_activity', kpi: 'visits', days: 14 },
    ].filter((r) => names.has(r.kpi));
    for (const r of rules) report.alertRules.push((await putRule(ctx, r)).name);
    // From the next hour on: a run due now would evaluate during the first start, growing the
    // embedded database's memory in the server process (about 70 MB) before anyone looks.
    if (rules.length) await scheduleAlerts(store, tenant, {}, 1);
  }
  const plans = registry.documentsOf('incentive_plan') as unknown as IncentivePlanDoc[];
  if (plans.length) {
    const engine = new IncentiveEngine(store, tenant);
    await engine.saveRules(CREDITING_RULES);
    await syncPlansFromMetadata(engine, registry);
    // A tenant whose base currency is not the books' still counts them one to one here (older demos).
    if (engine.baseCurrency !== CURRENCY) await engine.setFx([{ currency: CURRENCY, date: '2000-01-01', rate: '1' }]);
    await engine.syncOrgFromRecords();
    // Orders (one transaction per order line, with their split rows) as the record events map them.
    await engine.syncOrdersFromRecords(isoDate(opts.today));
    await engine.upsertTransactions(visitTransactions(opts.data, opts.idOf));
    const current = monthOf(opts.today);
    const periods = [previousMonth(current), current];
    for (const p of periods) await engine.openPeriod(p);
    const payees = opts.data.people
      .filter((p) => p.role === 'rep' || isTeamLead(opts.data, p.external_id))
      .map((p) => opts.idOf('user', p.external_id))
      .filter((id): id is string => !!id);
    await engine.setAssignments(plans.flatMap((plan) => payees.map((payeeId) => ({ kind: 'plan' as const, payeeId, key: plan.id, from: '2020-01-01', to: null }))));
    await syncGoalTargets(engine, periods);
    await fillMissingTargets(engine, plans, payees, periods);
    const territory = keyAccount(opts.data, opts.idOf);
    if (territory) await engine.setKeyedAssignments('territory', [territory]);
    const stats = await engine.recompute({ credit: true });
    report.periods = stats.periods;
    report.statementLines = stats.lines;
  }
  return report;
}

/** Last year's actual of the KPI plus growth, in round thousands; the document's total without history. */
async function targetTotal(ctx: GoalsContext, kpi: string, lastYear: number, fallback: string): Promise<string> {
  const row = (
    await ctx.knex.raw(`SELECT coalesce(sum(num), 0)::float8 AS v FROM ${ctx.t.actual} WHERE kpi = ? AND month >= ?::date AND month < ?::date`, [kpi, `${lastYear}-01-01`, `${lastYear + 1}-01-01`])
  ).rows[0] as { v: number };
  return row.v > 0 ? String(Math.round((row.v * GROWTH) / 1000) * 1000) : fallback;
}

function isTeamLead(data: DemoData, externalId: string): boolean {
  const users = data.batches.find((b) => b.object === 'user')?.records ?? [];
  return users.some((u) => u.external_id === externalId && u.values.title === 'Team Lead');
}

/**
 * The goals plan covers this year only; a period outside it (December, seen in January) takes the
 * payee's target of the other period, so every assigned payee has a quota to be measured against.
 */
async function fillMissingTargets(engine: IncentiveEngine, plans: IncentivePlanDoc[], payees: string[], periods: string[]): Promise<void> {
  const targets = [...new Set(plans.flatMap((p) => p.versions.flatMap((v) => v.components.map((c) => c.target).filter((t): t is string => !!t))))];
  // Read through the incentives module's own reader, not its table.
  const rows = (await Promise.all(periods.map((period) => readInputs(engine, { period })))).flat();
  const have = new Map(rows.map((r) => [`${r.payeeId}|${r.period}|${r.name}`, r.value]));
  const missing = payees.flatMap((payeeId) =>
    targets.flatMap((name) =>
      periods
        .filter((p) => !have.has(`${payeeId}|${p}|${name}`))
        .map((period) => ({
          payeeId,
          period,
          name,
          value: periods.map((p) => have.get(`${payeeId}|${p}|${name}`)).find((v) => v !== undefined) ?? '0',
        })),
    ),
  );
  if (missing.length) await engine.setInputs(missing);
}

/** The first customer as a key account of its owner's team lead (a territory assignment). */
function keyAccount(data: DemoData, idOf: (object: string, externalId: string) => string | undefined): { customerId: string; payeeId: string; from: string } | undefined {
  const customer = data.batches.find((b) => b.object === 'customer')?.records[0];
  const users = data.batches.find((b) => b.object === 'user')?.records ?? [];
  const lead = users.find((u) => u.external_id === customer?.owner)?.refs?.manager_id;
  const customerId = customer ? idOf('customer', customer.external_id) : undefined;
  const payeeId = lead ? idOf('user', lead) : undefined;
  return customerId && payeeId ? { customerId, payeeId, from: '2020-01-01' } : undefined;
}

/** A visit is a zero-amount transaction that counts (for points) on the day it happens. */
function visitTransactions(data: DemoData, idOf: (object: string, externalId: string) => string | undefined): Transaction[] {
  const out: Transaction[] = [];
  for (const visit of data.batches.filter((b) => b.object === 'visit' && !b.afterInsert).flatMap((b) => b.records)) {
    const id = idOf('visit', visit.external_id);
    if (!id) continue;
    const day = String(visit.values.check_in_at).slice(0, 10);
    out.push({
      id,
      object: 'visit',
      ownerId: visit.owner ? (idOf('user', visit.owner) ?? null) : null,
      customerId: visit.refs?.customer_id ? (idOf('customer', visit.refs.customer_id) ?? null) : null,
      date: day,
      invoiceDate: day,
      paidDate: day,
      amount: '0',
      currency: CURRENCY,
      status: 'done',
    });
  }
  return out;
}
