// The incentives API as the screens use it (`/api/v1/incentives/...`). Money travels as decimal text.
import { api, download } from '../../api/client.ts';
import type { Label } from '../../api/types.ts';

export type PeriodStatus = 'open' | 'calculated' | 'approved' | 'paid' | 'closed';
export const PERIOD_FLOW: PeriodStatus[] = ['open', 'calculated', 'approved', 'paid', 'closed'];

export interface Tier {
  from: string;
  to?: string | null;
  rate: string;
}
export type CreditKind = 'direct' | 'split' | 'overlay' | 'team' | 'rollup' | 'assignment';
export const CREDIT_KINDS: CreditKind[] = ['direct', 'split', 'overlay', 'team', 'rollup', 'assignment'];
export interface CreditFilter {
  objects?: string[];
  kinds?: CreditKind[];
  products?: string[];
  categories?: string[];
  from?: string;
  to?: string;
}
/** Records of an object counted instead of credits: dated by `dateField`, for the user in `payeeField` (default owner), where the `filter` formula holds, worth the `value` formula. */
export interface RecordSource {
  object: string;
  dateField: string;
  payeeField?: string;
  filter?: string;
  value?: string;
}
export interface MeasureDef {
  name: string;
  label?: Label;
  type: 'sum' | 'count' | 'input' | 'ratio' | 'formula' | 'kpi';
  kpi?: string;
  field?: 'amount' | 'margin' | 'quantity';
  filter?: CreditFilter;
  source?: RecordSource;
  numerator?: string;
  denominator?: string;
  expression?: string;
}
export type ComponentType = 'rate' | 'tiered' | 'bonus' | 'spif' | 'points';
export interface ComponentDef {
  name: string;
  label?: Label;
  type: ComponentType;
  measure?: string;
  target?: string;
  rate?: string;
  tiers?: Tier[];
  tierBasis?: 'attainment' | 'value';
  tierMode?: 'marginal' | 'step';
  gate?: { measure?: string; target?: string; minAttainment: string };
  multiplier?: { measure: string; table: Tier[] };
  cap?: { amount: string };
  floor?: { amount: string };
  amount?: string;
  score?: string;
  maxScore?: string;
  filter?: CreditFilter;
  source?: RecordSource;
  perCredit?: string;
  perAmount?: { every: string; value: string };
}
export interface PlanVersion {
  version: number;
  effectiveFrom: string;
  effectiveTo?: string | null;
  /** Payout currency; the engine's base currency when omitted. */
  currency?: string;
  /** Periods measures accumulate over and pay in: YYYY-MM, YYYY-Qn or YYYY (default monthly). */
  frequency?: Frequency;
  /** Quarterly or annual plans paid monthly on period-to-date results, trued up at the end. */
  advances?: 'monthly';
  rounding: { scale: number; mode: 'half_up' | 'half_even' | 'down' | 'up' };
  payoutTiming?: 'booking' | 'invoice' | 'payment';
  clawback?: { days: number };
  proration?: 'none' | 'days';
  measures: MeasureDef[];
  components: ComponentDef[];
  draw?: DrawDef;
  targetSource?: 'inputs' | 'goals';
  targetPlans?: Record<string, string>;
  badges?: BadgeDef[];
}
export type Frequency = 'monthly' | 'quarterly' | 'annual';
export type DrawType = 'recoverable' | 'non_recoverable' | 'guarantee';
/** Periods (YYYY-MM, YYYY-Qn or YYYY), inclusive. */
export interface DrawDef {
  type: DrawType;
  amount: string;
  from: string;
  to: string;
}
export interface BadgeDef {
  id: string;
  label: Label;
  minPoints: string;
}
export interface PlanDoc {
  kind: 'incentive_plan';
  id: string;
  name: string;
  label: Label;
  description?: string;
  versions: PlanVersion[];
}
export interface LintIssue {
  severity: 'error' | 'warning';
  path: string;
  rule: string;
  message: string;
}
export interface Assignment {
  kind: 'plan';
  payeeId: string;
  key: string;
  from: string;
  to?: string | null;
}
/** A plan for everyone holding a role (within an org-unit subtree when set) in [from, to]. */
export interface RoleAssignment {
  id: string;
  planId: string;
  role: string;
  orgUnitId?: string | null;
  from: string;
  to?: string | null;
}

export interface TraceStep {
  step: string;
  formula: string;
  value: string;
}
export interface LineTrace {
  plan: { id: string; name: string; version: number };
  component: string | null;
  period: string;
  forPeriod?: string;
  /** Set on an adjustment booked by an accepted dispute. */
  dispute?: {
    id: string;
    lineKey: string;
    period: string;
    reason: string;
    raisedBy: string | null;
    status: 'accepted';
    resolution: string;
    amount: string;
    decidedBy: string | null;
    decidedAt: string;
  };
  measures: Record<string, { value: string; credits: number }>;
  target?: string;
  attainment?: string;
  proration?: string;
  /** The dates the line's plan version was in effect, when it covers only part of the period. */
  span?: { from: string; to: string };
  /** With monthly advances: the plan period measured to date. */
  basePeriod?: string;
  creditIds: string[];
  sourceRecordIds: string[];
  creditCount: number;
  steps: TraceStep[];
}
export interface StatementLine {
  payeeId: string;
  period: string;
  planId: string;
  planVersion: number;
  component: string | null;
  kind: string;
  amount: string;
  points: string;
  currency: string;
  key: string;
  trace: LineTrace;
}
export interface Payout {
  payeeId: string;
  period: string;
  planId: string;
  currency: string;
  earned: string;
  adjustments: string;
  drawAdvance: string;
  recovery: string;
  payout: string;
  points: string;
  balanceAfter: string;
}
/** A period with its first and last day on the tenant's fiscal calendar, as the server computes them. */
export interface PeriodRow {
  period: string;
  status: PeriodStatus;
  from?: string;
  to?: string;
}
export interface Statement {
  payeeId: string;
  period: string;
  status: PeriodStatus | null;
  lines: StatementLine[];
  payouts: Payout[];
}
export interface CreditRow {
  id: string;
  kind: string;
  rule_id: string;
  level: number;
  tx_id: string /** The record behind the transaction (an order line's transaction: its order). */;
  record_id?: string;
  line_id?: string | null;
  object: string;
  pct: string;
  amount: string;
  currency: string;
  original_amount: string;
  fx_rate: string;
  date: string;
  source_payee_id: string | null;
}
/** A record a measure or component read straight from an object (a visit, a call), and what it added. */
export interface SourceRecordRow {
  id: string;
  object: string;
  date: string;
  value: string;
}
export interface Dispute {
  id: string;
  payee_id: string;
  period: string;
  line_key: string;
  reason: string;
  status: 'open' | 'accepted' | 'rejected';
  resolution: string | null;
  amount: string | null;
  claimed_amount?: string | null;
  created_at: string;
}
export interface PreviewCurve {
  component: string;
  basis: 'attainment' | 'value';
  measure: string;
  target: string | null;
  points: Array<{ x: string; amount: string }>;
}
export interface PreviewSampleResult {
  name: string;
  total: string;
  lines: Array<{ component: string; amount: string; points: string; attainment: string | null; steps: TraceStep[] }>;
  error?: { path: string; message: string };
}
/** Territory (customer → payee) and specialist (product category → payee) assignments, as the API sends them. */
export interface TerritoryRow {
  customerId: string;
  payeeId: string;
  from: string;
  to: string | null;
}
export interface SpecialistRow {
  category: string;
  payeeId: string;
  from: string;
  to: string | null;
}
export interface KeyedLists {
  territories: TerritoryRow[];
  specialists: SpecialistRow[];
}
export type KeyedList = keyof KeyedLists;
export interface KeyedSaved<L extends KeyedList> {
  data: KeyedLists[L];
  recomputed: { transactions: number; payees: number; periods: string[] };
}
export type CreditingRuleType = 'owner' | 'split' | 'team' | 'rollup' | 'overlay' | 'assignment';
export const RULE_TYPES: CreditingRuleType[] = ['owner', 'split', 'assignment', 'team', 'rollup', 'overlay'];
/**
 * owner/split/assignment hand out a sale's primary credit (100% in total); team, roll-up and
 * overlay are declared extra credit on top.
 */
export interface CreditingRule {
  kind: 'crediting_rule';
  id: string;
  name: string;
  label: Label;
  description?: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
  type: CreditingRuleType;
  pct?: string;
  levels?: Array<{ pct: string }>;
  when?: CreditFilter;
}

const enc = encodeURIComponent;
export const incentivesApi = {
  plans: () => api.get<{ data: PlanDoc[] }>('/incentives/plans').then((r) => r.data),
  lint: (plan: PlanDoc) => api.post<{ issues: LintIssue[] }>('/incentives/plans/lint', plan).then((r) => r.issues),
  savePlan: (plan: PlanDoc) => api.put<{ issues: LintIssue[] }>(`/incentives/plans/${enc(plan.id)}`, plan).then((r) => r.issues),
  preview: (version: PlanVersion, samples: Array<{ name: string; values: Record<string, string> }>) =>
    api.post<{ data: { curves: PreviewCurve[]; samples: PreviewSampleResult[] } }>('/incentives/plans/preview', { version, samples }).then((r) => r.data),
  assignments: (planId: string) => api.get<{ data: Assignment[] }>(`/incentives/plans/${enc(planId)}/assignments`).then((r) => r.data),
  assign: (planId: string, assignments: Array<{ payeeId: string; from: string; to?: string | null }>) =>
    api.put<{ data: Assignment[] }>(`/incentives/plans/${enc(planId)}/assignments`, { assignments }).then((r) => r.data),
  roleAssignments: () => api.get<{ data: RoleAssignment[] }>('/incentives/role-assignments').then((r) => r.data),
  /** Replaces every plan's role assignments. */
  setRoleAssignments: (roleAssignments: RoleAssignment[]) => api.put<{ data: RoleAssignment[]; issues: LintIssue[] }>('/incentives/role-assignments', { roleAssignments }),
  keyed: <L extends KeyedList>(list: L) => api.get<{ data: KeyedLists[L] }>(`/incentives/${list}`).then((r) => r.data),
  /** Replaces the whole list; the server recredits the affected customers' or categories' sales. */
  setKeyed: <L extends KeyedList>(list: L, rows: KeyedLists[L]) => api.put<KeyedSaved<L>>(`/incentives/${list}`, { [list]: rows }),
  rules: () => api.get<{ data: CreditingRule[] }>('/incentives/crediting-rules').then((r) => r.data),
  saveRules: (rules: CreditingRule[]) => api.put<{ issues: LintIssue[] }>('/incentives/crediting-rules', { rules }),
  periods: () => api.get<{ data: PeriodRow[] }>('/incentives/periods').then((r) => r.data),
  openPeriod: (period: string) => api.post<{ data: PeriodRow[] }>(`/incentives/periods/${enc(period)}/open`).then((r) => r.data),
  setStatus: (period: string, status: PeriodStatus) => api.post<{ data: PeriodRow[] }>(`/incentives/periods/${enc(period)}/status`, { status }).then((r) => r.data),
  recalculate: () => api.post<{ data: { payees: number; lines: number; ms: { total: number } } }>('/incentives/recalculate').then((r) => r.data),
  statement: (payeeId: string, period: string) => api.get<{ data: Statement }>(`/incentives/statements/${enc(payeeId)}/${enc(period)}`).then((r) => r.data),
  line: (payeeId: string, period: string, key: string) =>
    api.get<{ data: { line: StatementLine; credits: CreditRow[]; records?: SourceRecordRow[] } }>(`/incentives/statements/${enc(payeeId)}/${enc(period)}/lines/${enc(key)}`).then((r) => r.data),
  payouts: (period: string) => api.get<{ data: Payout[] }>(`/incentives/payouts/${enc(period)}`).then((r) => r.data),
  payoutsCsv: (period: string) => download(`/incentives/payouts/${enc(period)}.csv`, {}, `payouts-${period}.csv`),
  disputes: () => api.get<{ data: Dispute[] }>('/incentives/disputes').then((r) => r.data),
  raiseDispute: (body: { payeeId: string; period: string; lineKey: string; reason: string }) => api.post<{ data: Dispute }>('/incentives/disputes', body).then((r) => r.data),
  resolveDispute: (id: string, body: { status: 'accepted' | 'rejected'; resolution: string; amount?: string; recalculate?: boolean }) =>
    api.post<{ data: Dispute }>(`/incentives/disputes/${enc(id)}/resolve`, body).then((r) => r.data),
};

export interface WhatIfRow {
  payeeId: string;
  component: string | null;
  kind: string;
  live: string;
  whatif: string;
  delta: string;
  livePoints: string;
  whatifPoints: string;
  liveAttainment: string | null;
  whatifAttainment: string | null;
}
export interface WhatIfResult {
  period: string;
  planId: string;
  live: { version: number | null; currency: string | null };
  whatif: { version: number; currency: string };
  rows: WhatIfRow[];
  payees: Array<{ payeeId: string; live: string; whatif: string; delta: string }>;
  totals: { live: string; whatif: string; delta: string; payees: number; up: number; down: number };
  warnings: LintIssue[];
}
export interface LeaderboardRow {
  rank: number;
  payeeId: string;
  points: string;
  badges: Array<{ id: string; label: Label }>;
  payout?: string;
  currency?: string;
}
export interface Leaderboard {
  period: string;
  team: string | null;
  rows: LeaderboardRow[];
}

export const incentivesExtraApi = {
  whatIf: (body: { period: string; planId: string; version?: number; plan?: PlanDoc; quotas?: Record<string, string> }) =>
    api.post<{ data: WhatIfResult }>('/incentives/whatif', body).then((r) => r.data),
  leaderboard: (period: string, team?: string) => api.get<{ data: Leaderboard }>(`/incentives/leaderboard/${enc(period)}`, team ? { team } : {}).then((r) => r.data),
  statementPdf: (payeeId: string, period: string) => download(`/incentives/statements/${enc(payeeId)}/${enc(period)}/pdf`, {}, `statement-${period}.pdf`),
  payoutsXlsx: (period: string) => download(`/incentives/payouts/${enc(period)}/xlsx`, {}, `payouts-${period}.xlsx`),
};

/** Current month as YYYY-MM. */
export function thisPeriod(): string {
  return new Date().toISOString().slice(0, 7);
}
