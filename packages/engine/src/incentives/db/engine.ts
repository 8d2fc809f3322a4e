// The incentive engine over one tenant's database, as one object: a facade over the services that
// each own one idea (plans, assignments, crediting, periods, runs, statements, disputes), sharing
// the tenant's data port, settings and lock through one core. Callers keep this one name; the
// services are reachable for what is not on it.
import type { Store } from '@attain/store';
import { AssignmentService } from './assignment-service.ts';
import { CreditingService } from './crediting-service.ts';
import { DisputeService } from './dispute-service.ts';
import { EngineCore, type EngineDb } from './engine-core.ts';
import { LineTrace } from './line-trace.ts';
import { PeriodService } from './period-service.ts';
import type { FiscalCalendar } from '../periods.ts';
import { PlanService } from './plan-service.ts';
import { RunService } from './run-service.ts';
import { StatementService } from './statement-service.ts';

export { IncentiveError } from './errors.ts';
export { FROZEN, PERIOD_FLOW, type PeriodStatus, type RunStats } from './period-flow.ts';

export class IncentiveEngine {
  readonly store: Store;
  readonly tenant: string;
  readonly core: EngineCore;
  readonly planService: PlanService;
  readonly assignmentService: AssignmentService;
  readonly creditingService: CreditingService;
  readonly periodService: PeriodService;
  readonly runService: RunService;
  readonly lineTrace: LineTrace;
  readonly statementService: StatementService;
  readonly disputeService: DisputeService;

  // plans and crediting rules (plan-service.ts)
  readonly savePlan: PlanService['savePlan'];
  /** The tenant's formula functions with its plugins', as a lint context part. */
  readonly lintFunctions: EngineCore['lintFunctions'];
  readonly lintSources: PlanService['lintSources'];
  readonly saveRules: PlanService['saveRules'];
  readonly plans: PlanService['plans'];
  readonly rules: PlanService['rules'];
  // who is on which plan (assignment-service.ts)
  readonly assignments: AssignmentService['assignments'];
  readonly setPlanAssignments: AssignmentService['setPlanAssignments'];
  readonly keyedAssignments: AssignmentService['keyedAssignments'];
  readonly setKeyedAssignments: AssignmentService['setKeyedAssignments'];
  readonly previewAssignments: AssignmentService['previewAssignments'];
  readonly roleAssignments: AssignmentService['roleAssignments'];
  readonly setRoleAssignments: AssignmentService['setRoleAssignments'];
  readonly roleHolders: AssignmentService['roleHolders'];
  readonly setRoleHolders: AssignmentService['setRoleHolders'];
  readonly syncRolesFromRecords: AssignmentService['syncRolesFromRecords'];
  readonly observeUserRoles: AssignmentService['observeUserRoles'];
  // transactions, org and credits (crediting-service.ts)
  readonly setFx: CreditingService['setFx'];
  readonly onRatesChanged: CreditingService['onRatesChanged'];
  readonly setInputs: CreditingService['setInputs'];
  readonly setOrg: CreditingService['setOrg'];
  readonly syncOrg: CreditingService['syncOrg'];
  readonly syncOrdersFromRecords: CreditingService['syncOrdersFromRecords'];
  readonly upsertTransactions: CreditingService['upsertTransactions'];
  readonly credit: CreditingService['credit'];
  // periods (period-service.ts)
  readonly periods: PeriodService['periods'];
  readonly periodsWithDays: PeriodService['periodsWithDays'];
  readonly openPeriod: PeriodService['openPeriod'];
  readonly setPeriodStatus: PeriodService['setPeriodStatus'];
  readonly fxBlockers: PeriodService['fxBlockers'];
  readonly assertApprovable: PeriodService['assertApprovable'];
  // runs (run-service.ts)
  readonly recompute: RunService['recompute'];
  readonly recomputeTransactions: RunService['recomputeTransactions'];
  readonly onRecordEvent: RunService['onRecordEvent'];
  // reads (statement-service.ts)
  readonly problems: StatementService['problems'];
  readonly statement: StatementService['statement'];
  readonly lineCredits: StatementService['lineCredits'];
  readonly payouts: StatementService['payouts'];
  readonly payoutCsv: StatementService['payoutCsv'];
  // disputes (dispute-service.ts)
  readonly raiseDispute: DisputeService['raiseDispute'];
  readonly disputes: DisputeService['disputes'];
  readonly resolveDispute: DisputeService['resolveDispute'];

  constructor(store: Store, tenant: string, opts: { baseCurrency?: string } = {}) {
    this.store = store;
    this.tenant = tenant;
    const core = new EngineCore(store, tenant, opts);
    this.core = core;
    const plans = (this.planService = new PlanService(core, this));
    const assignments = (this.assignmentService = new AssignmentService(core, this));
    const crediting = (this.creditingService = new CreditingService(core, this));
    const periods = (this.periodService = new PeriodService(core, this));
    const runs = (this.runService = new RunService(core, this));
    this.lineTrace = new LineTrace(core);
    const statements = (this.statementService = new StatementService(core, this));
    const disputes = (this.disputeService = new DisputeService(core, this));

    this.savePlan = plans.savePlan.bind(plans);
    this.lintFunctions = core.lintFunctions.bind(core);
    this.lintSources = plans.lintSources.bind(plans);
    this.saveRules = plans.saveRules.bind(plans);
    this.plans = plans.plans.bind(plans);
    this.rules = plans.rules.bind(plans);

    this.assignments = assignments.assignments.bind(assignments);
    this.setPlanAssignments = assignments.setPlanAssignments.bind(assignments);
    this.keyedAssignments = assignments.keyedAssignments.bind(assignments);
    this.setKeyedAssignments = assignments.setKeyedAssignments.bind(assignments);
    this.previewAssignments = assignments.previewAssignments.bind(assignments);
    this.roleAssignments = assignments.roleAssignments.bind(assignments);
    this.setRoleAssignments = assignments.setRoleAssignments.bind(assignments);
    this.roleHolders = assignments.roleHolders.bind(assignments);
    this.setRoleHolders = assignments.setRoleHolders.bind(assignments);
    this.syncRolesFromRecords = assignments.syncRolesFromRecords.bind(assignments);
    this.observeUserRoles = assignments.observeUserRoles.bind(assignments);

    this.setFx = crediting.setFx.bind(crediting);
    this.onRatesChanged = crediting.onRatesChanged.bind(crediting);
    this.setInputs = crediting.setInputs.bind(crediting);
    this.setOrg = crediting.setOrg.bind(crediting);
    this.syncOrg = crediting.syncOrg.bind(crediting);
    this.syncOrdersFromRecords = crediting.syncOrdersFromRecords.bind(crediting);
    this.upsertTransactions = crediting.upsertTransactions.bind(crediting);
    this.credit = crediting.credit.bind(crediting);

    this.periods = periods.periods.bind(periods);
    this.periodsWithDays = periods.periodsWithDays.bind(periods);
    this.openPeriod = periods.openPeriod.bind(periods);
    this.setPeriodStatus = periods.setPeriodStatus.bind(periods);
    this.fxBlockers = periods.fxBlockers.bind(periods);
    this.assertApprovable = periods.assertApprovable.bind(periods);

    this.recompute = runs.recompute.bind(runs);
    this.recomputeTransactions = runs.recomputeTransactions.bind(runs);
    this.onRecordEvent = runs.onRecordEvent.bind(runs);

    this.problems = statements.problems.bind(statements);
    this.statement = statements.statement.bind(statements);
    this.lineCredits = statements.lineCredits.bind(statements);
    this.payouts = statements.payouts.bind(statements);
    this.payoutCsv = statements.payoutCsv.bind(statements);

    this.raiseDispute = disputes.raiseDispute.bind(disputes);
    this.disputes = disputes.disputes.bind(disputes);
    this.resolveDispute = disputes.resolveDispute.bind(disputes);
  }

  /** The tenant's base currency (tenant settings): credits and measures are kept in it. */
  get baseCurrency(): string {
    return this.core.baseCurrency;
  }

  /** The tenant's time zone (tenant calendar): a moment's day, e.g. an order created at, is its day there. */
  get timeZone(): string {
    return this.core.timeZone;
  }

  /** The tenant's fiscal calendar (tenant calendar): which months make its quarters and years, and their names. */
  get calendar(): FiscalCalendar {
    return this.core.calendar;
  }

  /** Tests kill a run after this many chunks. */
  get failAfterChunks(): number | undefined {
    return this.core.failAfterChunks;
  }
  set failAfterChunks(n: number | undefined) {
    this.core.failAfterChunks = n;
  }

  /** Payees written per transaction of a run. */
  get chunkSize(): number {
    return this.core.chunkSize;
  }
  set chunkSize(n: number) {
    this.core.chunkSize = n;
  }

  /** The module's tables (created on first use) and the tenant's settings, read afresh. */
  ensure(): ReturnType<EngineCore['ensure']> {
    return this.core.ensure();
  }

  /** The tenant's database as the services use it. */
  db(): Promise<EngineDb> {
    return this.core.db();
  }

  /** Replaces the named assignments (rows with `via` are derived from roles and are ignored here). */
  setAssignments(list: Parameters<AssignmentService['replaceNamed']>[0]): Promise<void> {
    return this.assignmentService.replaceNamed(list);
  }

  /** The org from the org service (the name kept from when it was read off the user records). */
  async syncOrgFromRecords(): Promise<void> {
    await this.syncOrg();
  }
}
