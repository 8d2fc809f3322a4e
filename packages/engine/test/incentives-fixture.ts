import {
  OrgHistory,
  calculate,
  creditTransactions,
  money,
  fmt,
  type Assignment,
  type CalcResult,
  type ComponentDef,
  type CreditingRuleDoc,
  type FrozenState,
  type FxRate,
  type IncentivePlanDoc,
  type InputValue,
  type LineKind,
  type OrgMembership as Membership,
  type OrgUnit,
  type PlanVersionDef,
  type Transaction,
} from '../src/incentives/index.ts';

export function rule(type: CreditingRuleDoc['type'], extra: Partial<CreditingRuleDoc> = {}): CreditingRuleDoc {
  return { kind: 'crediting_rule', id: `r_${type}${extra.id ?? ''}`, name: `${type}_rule`, label: { en: type }, effectiveFrom: '2020-01-01', type, ...extra };
}

export function version(v: Partial<PlanVersionDef> = {}): PlanVersionDef {
  return {
    version: 1,
    effectiveFrom: '2026-01-01',
    currency: 'USD',
    rounding: { scale: 2, mode: 'half_up' },
    measures: [{ name: 'revenue', type: 'sum' }],
    components: [],
    ...v,
  };
}

export function plan(components: ComponentDef[], v: Partial<PlanVersionDef> = {}, id = 'plan_a', more: PlanVersionDef[] = []): IncentivePlanDoc {
  return { kind: 'incentive_plan', id, name: id, label: { en: id }, versions: [version({ components, ...v }), ...more] };
}

let seq = 0;
export function tx(owner: string | null, amount: string, date: string, extra: Partial<Transaction> = {}): Transaction {
  return { id: extra.id ?? `o${++seq}`, object: 'order', ownerId: owner, date, amount, currency: 'USD', ...extra };
}

export interface Scenario {
  plans: IncentivePlanDoc[];
  rules?: CreditingRuleDoc[];
  txs: Transaction[];
  memberships?: Membership[];
  units?: OrgUnit[];
  assignments?: Assignment[];
  inputs?: InputValue[];
  periods: string[];
  frozen?: FrozenState;
  fx?: FxRate[];
}

export type Run = CalcResult & {
  credits: ReturnType<typeof creditTransactions>['credits'];
  /** Crediting problems, then the calculation's (credits a plan's currency left out). */
  problems: ReturnType<typeof creditTransactions>['problems'];
  /** The amount of one line as money text; '0.00' when there is none. */
  amount(payee: string, component: string | null, kind?: LineKind, period?: string): string;
  points(payee: string, component: string): string;
  payout(payee: string, period?: string): string;
  credit(payee: string): string;
  frozenUpTo(periods: string[]): FrozenState;
};

export function run(s: Scenario): Run {
  const org = new OrgHistory(s.memberships ?? [], s.units ?? []);
  const assignments = s.assignments ?? defaultAssignments(s);
  const { credits, problems } = creditTransactions(s.txs, s.rules ?? [rule('owner')], { org, assignments, fx: s.fx ?? [], baseCurrency: 'USD' });
  const result = calculate({ plans: s.plans, credits, assignments, inputs: s.inputs ?? [], periods: s.periods, fx: s.fx ?? [], ...(s.frozen ? { frozen: s.frozen } : {}) });
  const pick = (payee: string, period?: string) => result.lines.filter((l) => l.payeeId === payee && (!period || l.period === period));
  return {
    ...result,
    credits,
    problems: [...problems, ...result.problems],
    amount: (payee, component, kind = 'earning', period) =>
      money(
        pick(payee, period)
          .filter((l) => l.component === component && l.kind === kind)
          .reduce((a, l) => a + l.amount, 0n),
      ),
    points: (payee, component) =>
      fmt(
        pick(payee)
          .filter((l) => l.component === component)
          .reduce((a, l) => a + l.points, 0n),
      ),
    payout: (payee, period) => money(result.payouts.filter((p) => p.payeeId === payee && (!period || p.period === period)).reduce((a, p) => a + p.payout, 0n)),
    credit: (payee) => fmt(credits.filter((c) => c.payeeId === payee).reduce((a, c) => a + c.amount, 0n)),
    frozenUpTo: (periods) => ({
      periods: [...(s.frozen?.periods ?? []), ...periods],
      lines: [...(s.frozen?.lines ?? []), ...result.lines.filter((l) => periods.includes(l.period))],
      payouts: [...(s.frozen?.payouts ?? []), ...result.payouts.filter((p) => periods.includes(p.period))],
    }),
  };
}

function defaultAssignments(s: Scenario): Assignment[] {
  const payees = new Set<string>();
  for (const t of s.txs) {
    if (t.ownerId) payees.add(t.ownerId);
    for (const sp of t.splits ?? []) payees.add(sp.payeeId);
  }
  for (const m of s.memberships ?? []) payees.add(m.userId);
  for (const u of s.units ?? []) if (u.headId) payees.add(u.headId);
  return [...payees].flatMap((payeeId) => s.plans.map((p) => ({ kind: 'plan' as const, payeeId, key: p.id, from: '2020-01-01' })));
}
