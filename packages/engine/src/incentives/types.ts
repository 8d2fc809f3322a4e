import type { FxRule } from '../fx/resolve.ts';
import type { Dec, RoundingMode } from './decimal.ts';
import type { Frequency } from './periods.ts';

/** Authored documents (metadata kinds `incentive_plan` and `crediting_rule`); numbers are decimal strings. */
export type DecText = string;
export type Label = { en: string } & Record<string, string>;

export interface CreditFilter {
  /** Transaction source objects, e.g. `order`, `visit`. */
  objects?: string[];
  /** Credit kinds, e.g. only `direct` credit counts toward a rep's quota. */
  kinds?: CreditKind[];
  products?: string[];
  categories?: string[];
  /** Transactions dated within [from, to] (inclusive), e.g. a SPIF window. */
  from?: string;
  to?: string;
}

export type CreditKind = 'direct' | 'split' | 'overlay' | 'team' | 'rollup' | 'assignment';

export interface CreditingRuleDoc {
  kind: 'crediting_rule';
  id: string;
  name: string;
  label: Label;
  description?: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
  /**
   * owner: the record owner gets `pct`; split: the transaction's split rows (100% in total unless
   * a row is a declared overlay); team: every member of the owner's org unit gets `pct`; rollup: the
   * owner's managers along the effective-dated org get `levels[i].pct` of the owner's credit;
   * overlay: specialists assigned to the product category get `pct`; assignment: the payee assigned
   * to the customer (territory) gets `pct`.
   */
  type: 'owner' | 'split' | 'team' | 'rollup' | 'overlay' | 'assignment';
  pct?: DecText;
  levels?: Array<{ pct: DecText }>;
  when?: CreditFilter;
}

export interface Tier {
  from: DecText;
  /** Exclusive upper bound; open-ended when omitted or null. */
  to?: DecText | null;
  rate: DecText;
}

/**
 * Events read straight from an object's records (no transaction load): each record of `object`
 * whose `filter` formula holds, dated by `dateField`, counts for the user in `payeeField`.
 * Names resolve against the tenant's metadata registry; `filter` and `value` are formulas.
 */
export interface RecordSource {
  object: string;
  dateField: string;
  /** A reference to user; default `owner_id`. */
  payeeField?: string;
  /** Condition formula, e.g. `check_in_at <> NULL` or `kind = "call"`. */
  filter?: string;
  /** Numeric formula: the record's amount for `rate`/`perAmount` and `sum` measures (none: 0). */
  value?: string;
}

export interface MeasureDef {
  name: string;
  label?: Label;
  /**
   * sum/count over credits; input: a value supplied per payee and period (MBO score, manual KPI); ratio; formula over other measures;
   * kpi: a goals KPI's value for the payee over the plan period's months (the same number *My goals* shows).
   */
  type: 'sum' | 'count' | 'input' | 'ratio' | 'formula' | 'kpi';
  /** For a kpi measure: the KPI's name. */
  kpi?: string;
  field?: 'amount' | 'margin' | 'quantity';
  filter?: CreditFilter;
  /** sum/count over records of an object instead of credits. */
  source?: RecordSource;
  numerator?: string;
  denominator?: string;
  expression?: string;
}

export interface ComponentDef {
  name: string;
  label?: Label;
  /**
   * rate: measure × rate; tiered: rate table over the measure or its attainment (marginal or step);
   * bonus: MBO/target bonus × score; spif: per qualifying credit; points: per qualifying credit, in points.
   */
  type: 'rate' | 'tiered' | 'bonus' | 'spif' | 'points';
  measure?: string;
  /** Name of the payee's target for the measure (from the target plan or an input); attainment = measure ÷ target. */
  target?: string;
  rate?: DecText;
  tiers?: Tier[];
  /** Tier bounds as attainment fractions (1 = 100% of target) or in measure units. */
  tierBasis?: 'attainment' | 'value';
  tierMode?: 'marginal' | 'step';
  /** No pay when attainment (of `measure`, or of the gate's own measure/target) is below `minAttainment`. */
  gate?: { measure?: string; target?: string; minAttainment: DecText };
  /** A factor from a second KPI: the factor of the tier the measure's value falls in. */
  multiplier?: { measure: string; table: Tier[] };
  cap?: { amount: DecText };
  floor?: { amount: DecText };
  /** bonus: target amount paid × score (score measure capped at maxScore), or × attainment when no score. */
  amount?: DecText;
  score?: string;
  maxScore?: DecText;
  /** spif/points: which credits qualify, and how much each earns. */
  filter?: CreditFilter;
  /** spif/points: the qualifying events are records of an object (e.g. checked-in visits), not credits. */
  source?: RecordSource;
  perCredit?: DecText;
  perAmount?: { every: DecText; value: DecText };
}

export interface DrawDef {
  type: 'recoverable' | 'non_recoverable' | 'guarantee';
  amount: DecText;
  /** Periods (YYYY-MM, YYYY-Qn or YYYY) during which the draw applies, inclusive. */
  from: string;
  to: string;
}

export interface PlanVersionDef {
  version: number;
  /** Any day: a version starting mid-period shares the period with the one before it. */
  effectiveFrom: string;
  effectiveTo?: string | null;
  /** Payout currency; credits are converted at the rate of their transaction date (see fxRule). Default: the tenant's base currency. */
  currency?: string;
  /** Which rate converts a transaction in another currency: its date's (default), the plan period's daily average, or the period end's. */
  fxRule?: FxRule;
  /** Period the measures accumulate over and pay in: `YYYY-MM`, `YYYY-Qn` or `YYYY` keys (default monthly). */
  frequency?: Frequency;
  /** Quarterly/annual plans paid monthly on period-to-date results, trued up at the period end. */
  advances?: 'monthly';
  /** Lines are rounded to `scale` decimals with `mode`; the payout is the sum of rounded lines. */
  rounding: { scale: number; mode: RoundingMode };
  /** Which date puts a credit into a period; credits without that date are held. */
  payoutTiming?: 'booking' | 'invoice' | 'payment';
  /** Refunded or cancelled within `days` of booking: the credit is taken back. */
  clawback?: { days: number };
  /** days: targets and fixed amounts scale by the share of the period the payee was assigned. */
  proration?: 'none' | 'days';
  measures: MeasureDef[];
  components: ComponentDef[];
  draw?: DrawDef;
  /**
   * Where targets named by components come from: `inputs` (default) — values put per payee and
   * period; `goals` — the active version of the goals target plan of the same name (or the one
   * `targetPlans` maps the target to), copied into the inputs before a run.
   */
  targetSource?: 'inputs' | 'goals';
  targetPlans?: Record<string, string>;
  /** Badges awarded when a payee's points in a period reach `minPoints`. */
  badges?: BadgeDef[];
}

export interface BadgeDef {
  id: string;
  label: Label;
  minPoints: DecText;
}

export interface IncentivePlanDoc {
  kind: 'incentive_plan';
  id: string;
  name: string;
  label: Label;
  description?: string;
  versions: PlanVersionDef[];
}

/** Inputs the calculation reads. */
export interface Transaction {
  id: string;
  object: string;
  ownerId: string | null;
  customerId?: string | null;
  productId?: string | null;
  category?: string | null;
  /** Booking date (YYYY-MM-DD). */
  date: string;
  invoiceDate?: string | null;
  paidDate?: string | null;
  amount: DecText;
  currency: string;
  margin?: DecText | null;
  quantity?: DecText | null;
  status?: string | null;
  /** Date of a refund or cancellation. */
  reversalDate?: string | null;
  splits?: Array<{ payeeId: string; pct: DecText; overlay?: boolean }>;
}

/** What a problem is about: no rate for a transaction's currency, splits not totalling 100%, no rate for a plan's payout currency. */
/** plan_invalid: a stored plan that cannot be computed (set aside; the other plans are computed); plan_calc_failed: one plan for one payee. */
export type ProblemCode = 'fx_missing' | 'split_total' | 'plan_fx_missing' | 'plan_invalid' | 'plan_calc_failed';

/**
 * A transaction the calculation could not count (or not count for someone), reported instead of
 * being dropped silently: finance fixes the rate or the split and recalculates.
 */
export interface CalcProblem {
  code: ProblemCode;
  txId: string;
  /** The crediting rule that could not apply ('' when the problem is not about a rule). */
  ruleId: string;
  rule: string;
  /** The transaction's date: the day a rate is needed for. */
  date: string;
  /** The currency without a rate (fx_missing, plan_fx_missing). */
  currency?: string;
  /** fx_missing: the currency it could not be converted to (the tenant's base): the pair is currency → toCurrency. */
  toCurrency?: string;
  /** plan_fx_missing: the plan paying in `currency` and the payee whose credit it leaves out. */
  planId?: string;
  payeeId?: string;
  message: string;
}

export interface Membership {
  userId: string;
  orgUnitId: string;
  from: string;
  to?: string | null;
  /** Explicit manager for the span; else the head of the unit (or of its parent when the user heads it). */
  managerId?: string | null;
}

export interface OrgUnit {
  id: string;
  parentId?: string | null;
  headId?: string | null;
  /** The span this parent and head hold (inclusive dates); without them, always. */
  from?: string;
  to?: string | null;
}

/** A payee's assignment to a plan, a specialist category or a customer territory. */
export interface Assignment {
  kind: 'plan' | 'specialist' | 'territory';
  payeeId: string;
  /** Plan id, product category or customer id. */
  key: string;
  from: string;
  to?: string | null;
  /** Set when the plan comes from a role assignment rather than naming the person. */
  via?: { roleAssignmentId: string; role: string; orgUnitId: string | null };
}

/** A plan given to everyone holding a role (optionally within an org-unit subtree) in [from, to]. */
export interface RoleAssignment {
  id: string;
  planId: string;
  role: string;
  /** Only holders whose org unit is this unit or below it (on each day). */
  orgUnitId?: string | null;
  from: string;
  to?: string | null;
}

/** Who held which role when (users' `role` field, effective-dated as the engine observed it). */
export interface RoleHolding {
  userId: string;
  role: string;
  from: string;
  to?: string | null;
}

/** Which rate converts an amount: the transaction date's, the plan period's daily average, or the period end's (owned by fx/resolve.ts). */
export type { FxRule };

export interface FxRate {
  currency: string;
  /** Units of `to` (default: the base currency) per unit of `currency`, from `date` on. */
  rate: DecText;
  date: string;
  /**
   * The rate's other currency when it is not the base (a pair between two other currencies, used
   * when converting into a plan's currency: fx/resolve.ts). Crediting into the base reads the
   * rates without `to` only.
   */
  to?: string;
}

export interface Credit {
  id: string;
  payeeId: string;
  kind: CreditKind;
  ruleId: string;
  level: number;
  txId: string;
  object: string;
  /** For roll-up: whose credit this is a share of. */
  sourcePayeeId: string | null;
  pct: Dec;
  /** In base currency, unrounded. */
  amount: Dec;
  margin: Dec;
  quantity: Dec;
  originalAmount: Dec;
  /** The transaction's margin in its own currency (plan-currency conversion starts from it). */
  originalMargin: Dec;
  /** For roll-up: the pct of the credit it is a share of. */
  sourcePct: Dec | null;
  currency: string;
  fxRate: Dec;
  date: string;
  invoiceDate: string | null;
  paidDate: string | null;
  reversalDate: string | null;
  productId: string | null;
  category: string | null;
}

export interface TraceStep {
  step: string;
  formula: string;
  value: string;
}

/** paid_to_date: with monthly advances, what earlier months of the plan period already paid (negative). */
export type LineKind = 'earning' | 'adjustment' | 'clawback' | 'draw' | 'recovery' | 'guarantee' | 'hold' | 'paid_to_date';

export interface LineTrace {
  plan: { id: string; name: string; version: number };
  component: string | null;
  period: string;
  /** For adjustments: the frozen period being corrected. */
  forPeriod?: string;
  /** For an adjustment posted by an accepted dispute: the dispute, the line and the decision behind it. */
  dispute?: DisputeRef;
  measures: Record<string, { value: string; credits: number }>;
  target?: string;
  attainment?: string;
  proration?: string;
  /** The dates this line's plan version was in effect, when it covers only part of the period. */
  span?: { from: string; to: string };
  /** With monthly advances: the plan period measured to date (e.g. `2026-Q1` through the line's month). */
  basePeriod?: string;
  creditIds: string[];
  sourceRecordIds: string[];
  /** Total credits behind the line when creditIds is truncated. */
  creditCount: number;
  steps: TraceStep[];
}

/** The dispute behind an adjustment line: what was disputed, who decided it and when. */
export interface DisputeRef {
  id: string;
  /** The disputed line and its period. */
  lineKey: string;
  period: string;
  reason: string;
  raisedBy: string | null;
  status: 'accepted';
  resolution: string;
  amount: string;
  decidedBy: string | null;
  decidedAt: string;
}

/** An accepted dispute's amount, booked once as an adjustment line in `period` (see IncentiveEngine.resolveDispute). */
export interface DisputeAdjustment {
  payeeId: string;
  planId: string;
  /** The plan version of the disputed line, used when the payee has no version in `period`. */
  planVersion: number;
  component: string | null;
  currency: string;
  period: string;
  amount: Dec;
  dispute: DisputeRef;
}

export interface StatementLine {
  payeeId: string;
  period: string;
  planId: string;
  planVersion: number;
  component: string | null;
  kind: LineKind;
  /** Money in plan currency, rounded by the plan's rule; points lines carry `points` instead. */
  amount: Dec;
  points: Dec;
  currency: string;
  /** Stable key of the line within its payee-period (idempotent upserts). */
  key: string;
  trace: LineTrace;
}

export interface PayoutSummary {
  payeeId: string;
  period: string;
  planId: string;
  currency: string;
  earned: Dec;
  adjustments: Dec;
  drawAdvance: Dec;
  recovery: Dec;
  payout: Dec;
  points: Dec;
  /** Recoverable draw balance still owed after this period. */
  balanceAfter: Dec;
}
