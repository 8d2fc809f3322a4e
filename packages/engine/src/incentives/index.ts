// Incentives: crediting, plans, the calculation, statements with traces, payouts.
export * from './decimal.ts';
export type {
  Assignment,
  CalcProblem,
  ProblemCode,
  ComponentDef,
  DisputeAdjustment,
  DisputeRef,
  Credit,
  CreditFilter,
  CreditKind,
  CreditingRuleDoc,
  DecText,
  DrawDef,
  FxRate,
  IncentivePlanDoc,
  Label as IncentiveLabel,
  LineKind,
  LineTrace,
  MeasureDef,
  Membership as OrgMembership,
  OrgUnit,
  PayoutSummary,
  PlanVersionDef,
  RecordSource,
  RoleAssignment,
  RoleHolding,
  StatementLine,
  Tier,
  TraceStep,
  Transaction,
} from './types.ts';
export { comparePeriods, frequencyOf, monthsOf, nextPeriod, periodEnd, periodOf as incentivePeriodOf, periodStart, periodsBetween, previousPeriod, PERIOD_RE, type Frequency } from './periods.ts';
export { cadenceOf, segmentsIn, windowFor, type Cadence, type CalcWindow, type Segment } from './plan-versions.ts';
export { creditIn, currencyOf, fxBetween, planCurrency, DEFAULT_CURRENCY } from './currency.ts';
export { checkRoleAssignments, observeRoles, resolveRoleAssignments, subtree as orgSubtree } from './roles.ts';
export { compileSource, sourcedItems } from './db/sources-sql.ts';
export { OrgHistory } from './org.ts';
export { creditTransactions, fxRateAt, matchesFilter, share, ROLLUP_SOURCE_KINDS, type CreditingContext, type CreditingProblem } from './crediting.ts';
export { aggregateCredits, timingDate, isClawedBack, perCreditValue, measureKey, componentKey, type Aggregate, type PeriodAggregates } from './measures.ts';
export { computeComponents, CalcError, type ComponentInputs, type ComponentResult } from './components.ts';
export { calculate, versionFor, prorationFor, type CalcInput, type CalcResult, type FrozenState, type InputValue } from './calculate.ts';
export { lintPlan, lintKpiMeasures, lintTiers, lintCreditingRules, lintSplits, type LintIssue, type LintContext } from './linter.ts';
export { IncentiveEngine, IncentiveError, PERIOD_FLOW, FROZEN, type PeriodStatus, type RunStats } from './db/engine.ts';
export { INCENTIVES_MODULE } from './db/schema.ts';
export { previewPlan, type PreviewCurve, type PreviewResult, type PreviewSample } from './preview.ts';
export { DERIVE_INCENTIVES, incentivesBackground, INCENTIVES_CONSUMER } from './background.ts';
export type { BadgeDef } from './types.ts';
export { checkInputs, putInputs, readInputs, goalTargets, goalTargetNames, syncGoalTargets, type InputIssue } from './inputs.ts';
export { whatIf, periodAggregates, type WhatIfRequest, type WhatIfResult, type WhatIfRow } from './whatif.ts';
export { leaderboard, badgesFor, rankByPoints, teamOf as incentiveTeamOf, teamMembers, type Leaderboard, type LeaderboardRow } from './points.ts';
export { accrualReport, payoutsXlsx, type AccrualReport, type AccrualRow } from './exports.ts';
export { readPayees, type PayeeInfo } from './db/payees.ts';
export { pdfText, statementNames, statementPdf, statementText, type StatementLocale, type StatementNames, type StatementPdfInput } from './statement-pdf.ts';
export { disputeSubject, incentivePeriodSubject, DISPUTE_SUBJECT, PERIOD_SUBJECT } from './approvals.ts';
export { lineTxId, orderTransactions, type OrderRecord, type OrderLineRecord, type OrderSplitRecord, type MappedTransaction } from './order-transactions.ts';
export { fxMissingMessage, planFxMessage, splitTotalMessage, sortProblems } from './problems.ts';
export { KEYED, checkKeyed, type KeyedAssignment, type KeyedKind, type KeyedSave } from './db/keyed-assignments.ts';
export { ORDER_OBJECTS, SOURCE_OBJECTS } from './db/record-events.ts';
export { metadataPlans, syncPlansFromMetadata, plansAsMetadata } from './metadata-plans.ts';
export { incentivePlanDocumentCheck, planErrors, planShapeIssues } from './document-check.ts';
export { disputeResolvedNotice, onDisputeResolved, type DisputeNotice, type DisputeResolvedHook } from './dispute-notice.ts';
