export { apportion, ApportionError, type ApportionProblem } from './apportion.ts';
export * from './calendar.ts';
export { fromUnits, isDecimal, roundUnits, sumUnits, toUnits } from './decimal.ts';
export { GoalsError, type GoalsIssue } from './errors.ts';
export { buildSplitTree, COMPANY, personNodeId, seasonalityWeights, type MembershipRow, type OrgUnitRow, type SplitMethod, type TreeOptions } from './methods.ts';
export { quarterTotals, reconcile, splitTargets, yearTotal, type ReconcileRow, type SplitCells, type SplitInput, type SplitLock, type SplitNode } from './split.ts';
export { recomputeAll, recomputeScope, rollUpAll, type Scope } from './actuals.ts';
export { goalsContext, kpiOf, kpisOn, type GoalsContext } from './context.ts';
export { applyRecordEvent, goalsBackground, GOALS_CONSUMER } from './events.ts';
export { compileKpi, kpiScale, measureValue, type CompiledKpi } from './kpi.ts';
export { BEGINNING, importMemberships, memberships, seedMemberships, type ImportPreview, type Membership, type MembershipInput } from './membership.ts';
export { goalsModule, NO_UNIT } from './module.ts';
export { attainment, attainmentNames, boardOf, measureLive, peersOf, periodOf, unitOf, type AttainmentQuery, type AttainmentRow } from './attainment.ts';
export {
  activeVersion,
  approveVersion,
  closedMonths,
  closePeriod,
  computeSplit,
  listVersions,
  planDoc,
  planMonths,
  rejectVersion,
  saveDraft,
  submitVersion,
  versionWithRequest,
  type PlanGrid,
  type PlanRequest,
  type PlanVersion,
} from './plans.ts';
export { manualApprovals, type ApprovalGateway, type ApprovalRequest, type Notifier } from './ports.ts';
export {
  checkRule,
  deleteRule,
  evaluateAlerts,
  inAppNotifier,
  listRules,
  markNoticesRead,
  noticesFor,
  putRule,
  type AlertNotice,
  type AlertNotifier,
  type AlertRule,
  type AlertRun,
} from './alerts.ts';
export { alertHandlers, ALERTS_QUEUE, scheduleAlerts, type AlertScheduleOptions } from './alerts-jobs.ts';
export { targetPlanSubject, TARGET_PLAN_SUBJECT } from './approvals.ts';
