import { versionLockIssues } from '../version-locks.ts';
import { randomUUID } from 'node:crypto';
import { functionsOf, type ModuleHandle, type RecordEvent, type Store } from '@attain/store';
import type { FunctionRegistry } from '@attain/formula';
import { ZERO, dec, fmt, isDecText, type Dec } from '../decimal.ts';
import type { FrozenState, InputValue } from '../calculate.ts';
import { calculateWithFormulas } from '../formula-measures.ts';
import { planCurrency } from '../currency.ts';
import { lintCreditingRules, lintKpiMeasures, lintPlan, lintSplits, type LintIssue } from '../linter.ts';
import { OrgHistory } from '../org.ts';
import { PERIOD_RE, addDays, comparePeriods, frequencyOf, monthsOf, nextPeriod, periodEnd, periodIssue, periodIssueText, periodOf, periodStart, type FiscalCalendar } from '../periods.ts';
import { checkRoleAssignments, observeRoles } from '../roles.ts';
import type {
  Assignment,
  CalcProblem,
  CreditingRuleDoc,
  DisputeAdjustment,
  IncentivePlanDoc,
  Membership,
  OrgUnit,
  PayoutSummary,
  RoleAssignment,
  RoleHolding,
  StatementLine,
  Transaction,
} from '../types.ts';
import { aggKey, emptyAgg, neededScopes, readAggregates } from './aggregates.ts';
import { creditingSql } from './crediting-sql.ts';
import { IncentiveError } from './errors.ts';
import { effectiveAssignments, readRoleAssignments, readRoleHolders, rebuildDerived, writeRoleAssignments, writeRoleHolders } from './role-store.ts';
import { onRecordEvent } from './record-events.ts';
import { readKeyed, replaceKeyed, type KeyedAssignment, type KeyedKind, type KeyedSave } from './keyed-assignments.ts';
import { syncOrdersFromRecords } from './order-map.ts';
import { planErrors, planShapeIssues } from '../document-check.ts';
import { planFxProblems, readProblems, refreshCreditingProblems, replacePayeeProblems, replacePlanProblems } from './problems-sql.ts';
import { INCENTIVES_MODULE } from './schema.ts';
import { compileSource, sourceRowsSql, sourcedItems } from './sources-sql.ts';
import { kpiMonths, kpiReader } from './kpi-measures.ts';
import { segmentsIn } from '../plan-versions.ts';
import { componentKey, measureKey } from '../measures.ts';

/** Credit and record ids a statement line's trace lists (the drill-down pages through all of them). */
const TRACE_IDS = 100;
/** No limit: a frozen line's snapshot and an adjustment's comparison take every row behind the line. */
const ALL_ROWS = 2_147_483_647;
import { readPayees } from './payees.ts';
import { bookedChangeRows, changedRows, freezePeriod, isSnapshotted, readFrozenRows, type LineRows } from './frozen-rows.ts';
import { disputeHook, disputeResolvedNotice } from '../dispute-notice.ts';
import { statementNames } from '../statement-pdf.ts';
import { LINE_TYPES, PAYOUT_TYPES, TX_TYPES, insertJson, lineRow, payoutRow, rowLine, rowPayout, txRow } from './rows.ts';
import type { Sql } from './sql.ts';
import { HELD_KEY, convertSql, creditRowsSql, deltaSql, materializeSql, scope as scopeOf, type Scope } from './totals-sql.ts';
import { quoteIdent } from '@attain/meta';
import { FX_MODULE } from '../../fx/schema.ts';
import { today as localToday } from '../../calendar/calendar.ts';
import { FxRateService } from '../../fx/service.ts';

export { IncentiveError } from './errors.ts';

export type PeriodStatus = 'open' | 'calculated' | 'approved' | 'paid' | 'closed';
export const PERIOD_FLOW: readonly PeriodStatus[] = ['open', 'calculated', 'approved', 'paid', 'closed'];
export const FROZEN: readonly PeriodStatus[] = ['approved', 'paid', 'closed'];

export interface RunStats {
  runId: string;
  payees: number;
  periods: string[];
  lines: number;
  ms: { crediting: number; measures: number; components: number; payouts: number; total: number };
}

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const dateText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/**
 * The incentive engine over one tenant's database: set-based crediting and measures in SQL, the
 * pure calculation for components, and writes in one transaction per chunk of payees (every
 * payee-period replaced whole), so a killed run leaves no partial payouts and a rerun is identical.
 */
export class IncentiveEngine {
  readonly store: Store;
  readonly tenant: string;
  /** Pinned by the constructor option, else the tenant's setting as last read by `ensure()`. */
  private readonly pinnedBase: string | undefined;
  private settings: { baseCurrency: string; timeZone: string; firstMonth: number } = { baseCurrency: 'USD', timeZone: 'UTC', firstMonth: 1 };
  /** Tests kill a run after this many chunks. */
  failAfterChunks: number | undefined;
  chunkSize = 2000;
  private handle: ModuleHandle | undefined;
  /** Errors of plans by (revision, base currency, plan), see usablePlans. */
  private readonly planChecks = new Map<string, LintIssue[]>();
  private lastPlanProblems: string | undefined;

  constructor(store: Store, tenant: string, opts: { baseCurrency?: string } = {}) {
    this.store = store;
    this.tenant = tenant;
    this.pinnedBase = opts.baseCurrency;
  }

  /** The tenant's base currency (tenant settings): credits and measures are kept in it. */
  get baseCurrency(): string {
    return this.pinnedBase ?? this.settings.baseCurrency;
  }

  /** The tenant's time zone (tenant calendar): a moment's day, e.g. an order created at, is its day there. */
  get timeZone(): string {
    return this.settings.timeZone;
  }

  /** The tenant's fiscal calendar (tenant calendar): which months make its quarters and years, and their names. */
  get calendar(): FiscalCalendar {
    return { firstMonth: this.settings.firstMonth };
  }

  async ensure(): Promise<ModuleHandle> {
    if (!this.handle) {
      const handle = await this.store.modules.ensure(this.tenant, INCENTIVES_MODULE);
      // Rates live in the fx module's table (its first migration takes over the engine's old one).
      await this.store.modules.ensure(this.tenant, FX_MODULE);
      this.handle = handle;
    }
    // Cheap when unchanged: the store caches settings per tenant metadata version. Read here, at the
    // start of an operation and never inside one of its transactions (PGlite has one connection).
    const s = await this.store.tenants.settings(this.tenant);
    this.settings = { baseCurrency: s.baseCurrency, timeZone: s.timeZone, firstMonth: s.fiscalYearStartMonth };
    return this.handle;
  }

  private async db(): Promise<{ knex: Knex; schema: string; t: (name: string) => string }> {
    const h = this.handle ?? (await this.ensure());
    return { knex: h.knex, schema: h.schema, t: (name: string) => `${quoteIdent(h.schema)}.${quoteIdent(`attain_incentives_${name}`)}` };
  }

  /** The tenant's formula functions with its plugins' (for formula measures), as a lint context part. */
  async lintFunctions(): Promise<{ functions?: FunctionRegistry }> {
    const f = functionsOf(await this.store.registry(this.tenant));
    return f ? { functions: f.registry } : {};
  }

  // ---- documents -------------------------------------------------------------------------

  async savePlan(plan: IncentivePlanDoc): Promise<LintIssue[]> {
    await this.ensure();
    const { knex, t } = await this.db();
    const all = await this.plans();
    const others = all.filter((p) => p.id !== plan.id);
    const before = all.find((p) => p.id === plan.id);
    // A plan of the wrong shape (a rate of "x", a missing rounding) is refused before the linter,
    // which assumes well-formed values, and can never be stored to break a later calculation.
    const shape = planShapeIssues(plan);
    if (shape.length) throw new IncentiveError(422, 'plan_invalid', `the plan "${String(plan.name)}" has ${shape.length} error(s)`, shape);
    const issues = [
      ...lintPlan(plan, { plans: [plan, ...others], assignments: await this.assignments(), defaultCurrency: this.baseCurrency, calendar: this.calendar, ...(await this.lintFunctions()) }),
      ...(await this.lintSources(plan)),
      ...versionLockIssues(before, plan, await this.periods(), this.calendar),
    ];
    if (issues.some((i) => i.severity === 'error'))
      throw new IncentiveError(
        422,
        'plan_invalid',
        `the plan "${plan.name}" has ${issues.filter((i) => i.severity === 'error').length} error(s)`,
        issues.filter((i) => i.severity === 'error'),
      );
    await knex.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values (?, 'incentive_plan', ?::jsonb, now()) on conflict (id) do update set doc = excluded.doc, updated_at = now()`, [
      plan.id,
      JSON.stringify(plan),
    ]);
    return issues;
  }

  /** Record sources and KPIs of a plan resolved against the tenant's metadata (objects, fields, formulas, KPIs). */
  async lintSources(plan: IncentivePlanDoc): Promise<LintIssue[]> {
    const issues: LintIssue[] = [];
    const kpis = plan.versions.some((v) => v.measures.some((m) => m.type === 'kpi'));
    if (!kpis && !plan.versions.some((v) => sourcedItems(v).length)) return issues;
    const registry = await this.store.registry(this.tenant);
    if (kpis)
      issues.push(
        ...lintKpiMeasures(
          plan,
          registry.documentsOf('kpi').map((k) => k.name),
        ),
      );
    const { schema } = await this.db();
    plan.versions.forEach((v, i) => {
      for (const item of sourcedItems(v)) for (const x of compileSource(registry, item.source, schema, `/versions/${i}${item.path}`).issues) issues.push({ severity: 'error', ...x });
    });
    return issues;
  }

  async saveRules(rules: CreditingRuleDoc[]): Promise<LintIssue[]> {
    const issues = lintCreditingRules(rules);
    if (issues.some((i) => i.severity === 'error')) throw new IncentiveError(422, 'rules_invalid', 'the crediting rules have errors', issues);
    const byOrg = (list: readonly CreditingRuleDoc[]) => list.some((r) => r.type === 'rollup' || r.type === 'team');
    const followsOrg = byOrg(rules) || byOrg(await this.rules());
    const { knex, t } = await this.db();
    await knex.transaction(async (trx) => {
      await trx.raw(`delete from ${t('docs')} where kind = 'crediting_rule'`);
      for (const r of rules) await trx.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values (?, 'crediting_rule', ?::jsonb, now())`, [r.id, JSON.stringify(r)]);
    });
    // Roll-up and team rules span the org: their chain is rebuilt from the org service.
    if (followsOrg) await this.syncOrg({ force: true });
    return issues;
  }

  async plans(): Promise<IncentivePlanDoc[]> {
    const { knex, t } = await this.db();
    const rows = (await knex.raw(`select doc from ${t('docs')} where kind = 'incentive_plan' order by id`)).rows as Array<{ doc: IncentivePlanDoc }>;
    return rows.map((r) => r.doc);
  }

  async rules(): Promise<CreditingRuleDoc[]> {
    const { knex, t } = await this.db();
    return ((await knex.raw(`select doc from ${t('docs')} where kind = 'crediting_rule' order by id`)).rows as Array<{ doc: CreditingRuleDoc }>).map((r) => r.doc);
  }

  // ---- reference data --------------------------------------------------------------------

  /** All effective assignments (named, and plans given by role: marked `via`), or those of the given payees. */
  async assignments(payees: readonly string[] | null = null): Promise<Assignment[]> {
    const { knex, t } = await this.db();
    const rows = (
      await knex.raw(
        `select kind, payee_id, key, valid_from, valid_to, via from ${t('assignments')} ${payees ? 'where payee_id = any(?::text[])' : ''} order by via is not null, id`,
        payees ? [payees as string[]] : [],
      )
    ).rows as Row[];
    return rows.map((r) => ({
      kind: r.kind as Assignment['kind'],
      payeeId: text(r.payee_id),
      key: text(r.key),
      from: dateText(r.valid_from) ?? '',
      to: dateText(r.valid_to),
      ...(r.via ? { via: r.via as NonNullable<Assignment['via']> } : {}),
    }));
  }

  /** Replaces the named assignments (rows with `via` are derived from roles and are ignored here). */
  async setAssignments(list: Assignment[]): Promise<void> {
    const { knex, t, schema } = await this.db();
    await knex.transaction(async (trx) => {
      await trx.raw(`delete from ${t('assignments')}`);
      await insertJson(
        trx,
        t('assignments'),
        list.filter((a) => !a.via).map((a, i) => ({ id: `a${String(i).padStart(8, '0')}`, kind: a.kind, payee_id: a.payeeId, key: a.key, valid_from: a.from, valid_to: a.to ?? null })),
        { id: 'text', kind: 'text', payee_id: 'text', key: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await rebuildDerived(trx, schema);
    });
    await knex.raw(`analyze ${t('assignments')}`);
  }

  /** Territory (customer → payee) or specialist (product category → payee) assignments. */
  async keyedAssignments(kind: KeyedKind): Promise<KeyedAssignment[]> {
    return readKeyed(this, kind);
  }

  /**
   * Replaces the territory or specialist assignments (plan assignments and the other kind are kept)
   * and recredits the transactions of every customer or category whose payees changed. Refused,
   * naming the cell, when a row is malformed (400) or names something that does not exist (422).
   */
  async setKeyedAssignments(kind: KeyedKind, list: unknown): Promise<KeyedSave> {
    return replaceKeyed(this, kind, list);
  }

  /** The effective assignments if named ones, role assignments or role holders were replaced (for linting before a save). */
  async previewAssignments(change: { named?: readonly Assignment[]; roles?: readonly RoleAssignment[]; holdings?: readonly RoleHolding[] } = {}): Promise<Assignment[]> {
    const { knex, schema } = await this.db();
    return effectiveAssignments(knex, schema, change);
  }

  async roleAssignments(): Promise<RoleAssignment[]> {
    const { knex, schema } = await this.db();
    return readRoleAssignments(knex, schema);
  }

  /**
   * Replaces the role assignments. Refused, naming the cell, when one is malformed, names an unknown
   * plan, or would put a payee on two active plans paying the same component.
   */
  async setRoleAssignments(list: RoleAssignment[]): Promise<LintIssue[]> {
    const plans = await this.plans();
    const issues: LintIssue[] = checkRoleAssignments(list, new Set(plans.map((p) => p.id)));
    if (issues.length) throw new IncentiveError(400, 'invalid_role_assignments', `${issues.length} role assignment value(s) are invalid`, issues);
    // Assignments by subtree resolve against the org: the engine's copy is brought up to date first.
    await this.syncOrg();
    const effective = await this.previewAssignments({ roles: list });
    const functions = await this.lintFunctions();
    const lint = plans.flatMap((p) =>
      lintPlan(p, { plans, assignments: effective, ...functions })
        .filter((i) => i.rule === 'double_assignment')
        .map((i) => ({ ...i, path: `/plans/${p.id}${i.path}` })),
    );
    if (lint.some((i) => i.severity === 'error')) throw new IncentiveError(422, 'assignment_invalid', 'these role assignments would pay someone twice', lint);
    const { knex, schema } = await this.db();
    await knex.transaction(async (trx) => writeRoleAssignments(trx, schema, list));
    return lint;
  }

  async roleHolders(users: readonly string[] | null = null): Promise<RoleHolding[]> {
    const { knex, schema } = await this.db();
    return readRoleHolders(knex, schema, users);
  }

  /** Replaces who held which role when (an import of role history). */
  async setRoleHolders(list: RoleHolding[]): Promise<void> {
    const { knex, schema } = await this.db();
    await knex.transaction(async (trx) => writeRoleHolders(trx, schema, list));
  }

  /**
   * Reads the users' roles (the user record's `role`; inactive users hold none) and records what
   * changed as of `asOf`; returns the users whose role changed.
   */
  async syncRolesFromRecords(asOf?: string): Promise<string[]> {
    // Roles as of today on the tenant's wall clock unless told.
    await this.ensure();
    asOf ??= localToday(this.timeZone);
    const records = await this.store.records(this.tenant);
    if (!records.registry.object('user')) return [];
    const users: Array<{ id: string; role: string | null; hireDate: string | null }> = [];
    for (let after: string | undefined; ; ) {
      const page = await records.list('user', { limit: 500, ...(after ? { after } : {}) });
      for (const u of page.data) users.push({ id: text(u.id), role: u.active === false || !u.role ? null : text(u.role), hireDate: dateText(u.hire_date) });
      if (!page.page.next) break;
      after = page.page.next;
    }
    return this.observeRoles(users, asOf, false);
  }

  private async observeRoles(users: Array<{ id: string; role: string | null; hireDate: string | null }>, asOf: string, partial: boolean): Promise<string[]> {
    const { knex, schema } = await this.db();
    let changed: string[] = [];
    await knex.transaction(async (trx) => {
      await this.lock(trx);
      const current = await readRoleHolders(trx, schema, partial ? users.map((u) => u.id) : null);
      const next = observeRoles(current, users, asOf);
      changed = next.changed;
      if (!changed.length) return;
      const t = (n: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${n}`)}`;
      await trx.raw(`delete from ${t('roles')} where user_id = any(?::text[])`, [changed]);
      await insertJson(
        trx,
        t('roles'),
        next.holdings.filter((h) => changed.includes(h.userId)).map((h) => ({ user_id: h.userId, role: h.role, valid_from: h.from, valid_to: h.to ?? null })),
        { user_id: 'text', role: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await rebuildDerived(trx, schema);
    });
    return changed;
  }

  /** Enters rates to the base currency (units of base per unit of `currency` from `date` on) in the tenant's rates table. */
  async setFx(rates: Array<{ currency: string; date: string; rate: string; to?: string }>, actor: { userId: string | null; label?: string } = { userId: null, label: 'system' }): Promise<void> {
    await this.ensure();
    const list = rates
      .filter((r) => r.currency !== (r.to ?? this.baseCurrency))
      .map((r, i) => ({ row: i + 1, values: { from: r.currency, to: r.to ?? this.baseCurrency, rate: r.rate, effectiveFrom: r.date } }));
    if (list.length) await new FxRateService(this.store, this.tenant).importRows(list, actor);
  }

  /**
   * Rates changed (entered, replaced, removed, imported): the transactions in those currencies from
   * the first day changed are recredited and their payees recomputed, so a credit never keeps a rate
   * that is gone and a transaction left out for want of one comes back; totals of plans paying in
   * another currency convert at read time, so they are rebuilt.
   */
  async onRatesChanged(change: { currencies: readonly string[]; from: string }): Promise<RunStats | null> {
    await this.ensure();
    const { knex, t } = await this.db();
    const currencies = change.currencies.filter((c) => c !== this.baseCurrency);
    const converted = (await this.plans()).filter((p) => planCurrency(p, this.baseCurrency) !== this.baseCurrency).map((p) => p.id);
    if (converted.length) {
      await knex.transaction(async (trx) => {
        await this.lock(trx);
        await trx.raw(`delete from ${t('totals')} where scope in (select scope from ${t('total_scopes')} where plan_id = any(?::text[]))`, [converted]);
        await trx.raw(`delete from ${t('total_scopes')} where plan_id = any(?::text[])`, [converted]);
      });
    }
    // A rate between two currencies neither of which is the base changes nothing here (cross rates go via the base).
    const involvesBase = change.currencies.includes(this.baseCurrency);
    const txIds =
      involvesBase && currencies.length
        ? ((await knex.raw(`select id from ${t('transactions')} where currency = any(?::text[]) and date >= ?::date order by id`, [currencies, change.from])).rows as Row[]).map((r) => text(r.id))
        : [];
    if (txIds.length) return this.recomputeTransactions(txIds);
    return converted.length ? this.recompute({}) : null;
  }

  async setInputs(values: InputValue[]): Promise<void> {
    const { knex, t } = await this.db();
    await insertJson(
      knex,
      t('inputs'),
      values.map((v) => ({ payee_id: v.payeeId, period: v.period, name: v.name, value: v.value })),
      { payee_id: 'text', period: 'text', name: 'text', value: 'numeric' },
      '(payee_id, period, name) do update set value = excluded.value',
    );
  }

  /** Stores the effective-dated org and rebuilds the roll-up chain spans of every roll-up rule. */
  async setOrg(memberships: Membership[], units: OrgUnit[]): Promise<void> {
    const { knex, t } = await this.db();
    // An org given by hand is no longer the org service's version.
    await knex.raw(`delete from ${t('docs')} where id = '#org_sync' and kind = 'org_sync'`);
    const org = new OrgHistory(memberships, units);
    const rules = (await this.rules()).filter((r) => r.type === 'rollup');
    const chain: Row[] = [];
    for (const rule of rules) {
      const levels = rule.levels ?? [];
      for (const span of org.chainSpans(levels.length)) {
        const from = span.from > rule.effectiveFrom ? span.from : rule.effectiveFrom;
        const to = !rule.effectiveTo ? span.to : !span.to || span.to > rule.effectiveTo ? rule.effectiveTo : span.to;
        if (to && to < from) continue;
        chain.push({ payee_id: span.userId, level: span.level, manager_id: span.managerId, rule_id: rule.id, pct: levels[span.level - 1]?.pct ?? '0', valid_from: from, valid_to: to });
      }
    }
    const { schema } = await this.db();
    await knex.transaction(async (trx) => {
      await this.lock(trx);
      await trx.raw(`delete from ${t('members')}`);
      await trx.raw(`delete from ${t('units')}`);
      await trx.raw(`delete from ${t('chain')}`);
      // Roll-up totals depend on the chain: they are rebuilt on the next run.
      await trx.raw(`delete from ${t('totals')}`);
      await trx.raw(`delete from ${t('total_scopes')}`);
      // Someone in no unit is nobody's teammate (their manager still gets the roll-up).
      await insertJson(
        trx,
        t('members'),
        memberships.filter((m) => m.orgUnitId).map((m) => ({ user_id: m.userId, org_unit_id: m.orgUnitId, valid_from: m.from, valid_to: m.to ?? null })),
        { user_id: 'text', org_unit_id: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await insertJson(trx, t('chain'), chain, { payee_id: 'text', level: 'integer', manager_id: 'text', rule_id: 'text', pct: 'numeric', valid_from: 'date', valid_to: 'date' });
      // Role assignments by subtree read one tree: the units as they stand today (the chain above is dated).
      await insertJson(
        trx,
        t('units'),
        currentUnits(units).map((u) => ({ id: u.id, parent_id: u.parentId ?? null, head_id: u.headId ?? null })),
        { id: 'text', parent_id: 'text', head_id: 'text' },
      );
      // Role assignments restricted to a subtree follow the org.
      await rebuildDerived(trx, schema);
    });
    await knex.raw(`analyze ${t('chain')}`);
    await knex.raw(`analyze ${t('members')}`);
  }

  /**
   * Takes the org from the tenant's effective-dated org service (memberships with their managers,
   * units with their parents and heads over time) and rebuilds the roll-up chain from it. The
   * engine's member, unit and chain tables are a projection of the service, rebuilt on every org
   * change event and before every full recalculation; a tenant without a user object keeps the
   * org it was given with `setOrg`.
   */
  async syncOrg(opts: { force?: boolean } = {}): Promise<boolean> {
    const registry = await this.store.registry(this.tenant);
    if (!registry.object('user')) return false;
    const org = await this.store.org(this.tenant);
    // The projection records the org version it was built from; unchanged, there is nothing to do.
    const { knex, t } = await this.db();
    const version = await org.version();
    const synced = ((await knex.raw(`select doc from ${t('docs')} where id = '#org_sync' and kind = 'org_sync'`)).rows as Array<{ doc: { version?: number } }>)[0]?.doc.version;
    if (!opts.force && synced === version) return true;
    const last = (to: string | null) => (to ? addDays(to, -1) : null);
    const memberships = (await org.memberships()).map((m) => ({ userId: m.user_id, orgUnitId: m.org_unit_id ?? '', managerId: m.manager_id, from: m.valid_from, to: last(m.valid_to) }));
    const units = (await org.unitHistory()).map((u) => ({ id: u.unit_id, parentId: u.parent_id, headId: u.head_id, from: u.valid_from, to: last(u.valid_to) }));
    await this.setOrg(
      memberships.filter((m) => m.to === null || m.to >= m.from),
      units.filter((u) => u.to === null || u.to >= u.from),
    );
    await knex.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values ('#org_sync', 'org_sync', ?::jsonb, now()) on conflict (id) do update set doc = excluded.doc, updated_at = now()`, [
      JSON.stringify({ version }),
    ]);
    return true;
  }

  /** The org from the org service (the name kept from when it was read off the user records). */
  async syncOrgFromRecords(): Promise<void> {
    await this.syncOrg();
  }

  /**
   * Maps every live order record to transactions (one per order line, or the header), as record
   * events would, and removes those of orders that are gone; returns the transaction ids written or
   * removed. Credits are not touched: recredit them (`recompute({ credit: true })`).
   */
  async syncOrdersFromRecords(today?: string): Promise<string[]> {
    return syncOrdersFromRecords(this, today);
  }

  async upsertTransactions(txs: Transaction[]): Promise<void> {
    for (const tx of txs) {
      if (tx.splits) {
        const issues = lintSplits(tx.splits);
        if (issues.length) throw new IncentiveError(422, 'split_invalid', `transaction ${tx.id}: ${issues[0]?.message}`, issues);
      }
    }
    const { knex, t } = await this.db();
    await insertJson(
      knex,
      t('transactions'),
      txs.map(txRow),
      TX_TYPES,
      `(id) do update set ${Object.keys(TX_TYPES)
        .filter((k) => k !== 'id')
        .map((k) => `${k} = excluded.${k}`)
        .join(', ')}`,
    );
  }

  // ---- crediting -------------------------------------------------------------------------

  /**
   * (Re)credits all transactions, or only the given ones. A partial recredit moves the measure
   * totals by the delta of the old and new credits in the same transaction; a full one drops them.
   */
  async credit(txIds: readonly string[] | null = null): Promise<void> {
    await this.ensure();
    const { knex, t, schema } = await this.db();
    const rules = await this.rules();
    const plans = txIds ? await this.plans() : [];
    await knex.transaction(async (trx) => {
      await this.lock(trx);
      const scopes = txIds ? await this.liveScopes(trx, plans) : [];
      if (txIds) {
        for (const s of scopes) await run(trx, deltaSql(schema, s, txIds, -1));
        await trx.raw(`delete from ${t('credits')} where tx_id = any(?::text[])`, [txIds as string[]]);
      } else {
        // Bulk path: the table is emptied and its indexes are built once after the load instead
        // of row by row (a killed run rolls all of it back, the old credits included).
        await trx.raw(`set local maintenance_work_mem = '256MB'`);
        await trx.raw(`truncate ${t('credits')}, ${t('totals')}, ${t('total_scopes')}`);
        await trx.raw(`alter table ${t('credits')} drop constraint if exists attain_incentives_credits_pkey`);
        await trx.raw(`drop index if exists ${quoteIdent(schema)}."attain_incentives_credits_payee_id_date_index"`);
      }
      for (const rule of [...rules].sort((a, b) => a.id.localeCompare(b.id))) {
        const sql = creditingSql(schema, rule, this.baseCurrency, txIds);
        if (sql) await run(trx, sql);
      }
      await refreshCreditingProblems(trx, schema, rules, this.baseCurrency, txIds);
      if (txIds) for (const s of scopes) await run(trx, deltaSql(schema, s, txIds, 1));
      else {
        await trx.raw(`alter table ${t('credits')} add constraint attain_incentives_credits_pkey primary key (tx_id, id)`);
        await trx.raw(`create index "attain_incentives_credits_payee_id_date_index" on ${t('credits')} (payee_id, date)`);
      }
    });
    // A full recredit rewrites the table: fresh statistics keep the measure joins on hash plans.
    if (!txIds) await knex.raw(`analyze ${t('credits')}`);
  }

  /** Serialises writers of credits and measure totals within the tenant. */
  private async lock(trx: Knex): Promise<void> {
    await trx.raw(`select pg_advisory_xact_lock(hashtext(?))`, [`attain_incentives_totals:${this.tenant}`]);
  }

  /** The materialised total scopes that still match their plan version; stale ones are dropped. */
  private async liveScopes(trx: Knex, plans: readonly IncentivePlanDoc[]): Promise<Scope[]> {
    const { t } = await this.db();
    const rows = (await trx.raw(`select scope, plan_id, version, period, ignore_clawback, range_from, range_to from ${t('total_scopes')} order by scope`)).rows as Row[];
    const live: Scope[] = [];
    const stale: string[] = [];
    for (const r of rows) {
      const plan = plans.find((p) => p.id === r.plan_id);
      const version = plan?.versions.find((v) => v.version === Number(r.version));
      const range = r.range_from && r.range_to ? { from: dateText(r.range_from) ?? '', to: dateText(r.range_to) ?? '' } : undefined;
      const s =
        plan && version && range ? scopeOf(text(r.plan_id), version, text(r.period), r.ignore_clawback === true, range, this.calendar, planCurrency(plan, this.baseCurrency), this.baseCurrency) : null;
      if (s && s.key === r.scope) live.push(s);
      else stale.push(text(r.scope));
    }
    if (stale.length) {
      await trx.raw(`delete from ${t('totals')} where scope = any(?::text[])`, [stale]);
      await trx.raw(`delete from ${t('total_scopes')} where scope = any(?::text[])`, [stale]);
    }
    return live;
  }

  /** Builds the totals of scopes not materialised yet (after a full recredit, an org or plan change). */
  private async materialize(scopes: readonly Scope[]): Promise<void> {
    const { knex, t, schema } = await this.db();
    const have = new Set(((await knex.raw(`select scope from ${t('total_scopes')} where scope = any(?::text[])`, [scopes.map((s) => s.key)])).rows as Row[]).map((r) => text(r.scope)));
    for (const s of scopes) {
      if (have.has(s.key)) continue;
      await knex.transaction(async (trx) => {
        await this.lock(trx);
        if (((await trx.raw(`select 1 from ${t('total_scopes')} where scope = ?`, [s.key])).rows as Row[]).length) return;
        await trx.raw(`delete from ${t('totals')} where scope = ?`, [s.key]);
        await run(trx, materializeSql(schema, s));
        await trx.raw(`insert into ${t('total_scopes')} (scope, plan_id, version, period, ignore_clawback, range_from, range_to) values (?, ?, ?, ?, ?, ?, ?)`, [
          s.key,
          s.planId,
          s.version.version,
          s.period,
          s.ignore,
          s.range.from,
          s.range.to,
        ]);
      });
      have.add(s.key);
    }
  }

  // ---- periods ---------------------------------------------------------------------------

  async periods(): Promise<Array<{ period: string; status: PeriodStatus }>> {
    // Fresh settings: the order of quarters and months depends on the fiscal calendar.
    await this.ensure();
    const { knex, t } = await this.db();
    const rows = (await knex.raw(`select period, status from ${t('periods')} order by period`)).rows as Array<{ period: string; status: PeriodStatus }>;
    return rows.sort((a, b) => comparePeriods(a.period, b.period, this.calendar));
  }

  /** The periods with their first and last day on the tenant's fiscal calendar (clients show and compare these, never recompute them). */
  async periodsWithDays(): Promise<Array<{ period: string; status: PeriodStatus; from: string; to: string }>> {
    const periods = await this.periods();
    return periods.map((p) => ({ ...p, from: periodStart(p.period, this.calendar), to: periodEnd(p.period, this.calendar) }));
  }

  /** Opens a month (`YYYY-MM`) or a quarter or year of the tenant's fiscal calendar (`YYYY-Qn`, `YYYY`, or `FYYYYY-Qn`, `FYYYYY` when its year starts after January); plans compute the periods of their cadence. */
  async openPeriod(period: string): Promise<void> {
    await this.ensure();
    // One name per stretch of months: quarters and years follow the tenant's fiscal calendar.
    const issue = periodIssue(period, this.calendar);
    if (issue) throw new IncentiveError(400, 'bad_period', periodIssueText(period, issue), [{ path: '/period', ...issue }]);
    const { knex, t } = await this.db();
    await knex.raw(`insert into ${t('periods')} (period, status, updated_at) values (?, 'open', now()) on conflict (period) do nothing`, [period]);
  }

  /** Moves a period one step along open → calculated → approved → paid → closed; frozen periods are frozen in order. */
  async setPeriodStatus(period: string, status: PeriodStatus, actor: string | null): Promise<void> {
    const { knex, t } = await this.db();
    const periods = await this.periods();
    const current = periods.find((p) => p.period === period);
    if (!current) throw new IncentiveError(404, 'unknown_period', `period ${period} has not been opened`);
    const from = PERIOD_FLOW.indexOf(current.status);
    const to = PERIOD_FLOW.indexOf(status);
    if (to !== from + 1)
      throw new IncentiveError(409, 'bad_transition', `period ${period} is ${current.status}; it can only become ${PERIOD_FLOW[from + 1] ?? 'nothing else'}`, [
        { path: '/status', rule: 'transition', message: `${current.status} → ${status} is not allowed` },
      ]);
    if (status === 'approved') await this.assertApprovable(period);
    // Periods of one frequency freeze in order; monthly, quarterly and annual ones are independent.
    if (FROZEN.includes(status) && periods.some((p) => frequencyOf(p.period) === frequencyOf(period) && p.period < period && !FROZEN.includes(p.status))) {
      throw new IncentiveError(409, 'earlier_period_open', `earlier periods must be approved before ${period}`, [{ path: '/status', rule: 'order', message: 'approve periods in order' }]);
    }
    // Freezing keeps each line's drill-down as it stands, with the status change (see frozen-rows.ts).
    const snapshot = status === 'approved' ? await this.lineSnapshot(period) : null;
    const { schema } = await this.db();
    await knex.transaction(async (trx) => {
      if (snapshot) {
        await this.lock(trx);
        await freezePeriod(trx, schema, period, snapshot.range, snapshot.lines);
      }
      await trx.raw(`update ${t('periods')} set status = ?, updated_by = ?, updated_at = now() where period = ?`, [status, actor, period]);
    });
  }

  /**
   * What freezing the period stores: the date range its credit lines count (the credits in it are
   * copied in one statement), and the rows of the lines that are changes or read records.
   */
  private async lineSnapshot(period: string): Promise<{ range: { from: string; to: string }; lines: Array<{ payeeId: string; key: string; rows: LineRows }> }> {
    const { knex, t } = await this.db();
    const lines = ((await knex.raw(`select * from ${t('lines')} where period = ? order by payee_id, key`, [period])).rows as Row[]).map(rowLine);
    const plans = lines.length ? await this.plans() : [];
    const range = { from: periodStart(period, this.calendar), to: periodEnd(period, this.calendar) };
    const stored: Array<{ payeeId: string; key: string; rows: LineRows }> = [];
    for (const line of lines) {
      const basis = lineBasis(line, plans, this.calendar);
      if (!basis) continue;
      if (isChange(line) || basis.reads === 'records') {
        const { credits, records } = await this.behindLine(line, plans, ALL_ROWS, false);
        stored.push({ payeeId: line.payeeId, key: line.key, rows: { credits, records } });
        continue;
      }
      if (basis.range.from < range.from) range.from = basis.range.from;
      if (basis.range.to > range.to) range.to = basis.range.to;
    }
    return { range, lines: stored };
  }

  /** Transactions or credits of the period left out for want of an exchange rate (they block approving it). */
  async fxBlockers(period: string): Promise<CalcProblem[]> {
    const from = periodStart(period, this.calendar);
    const to = periodEnd(period, this.calendar);
    return (await this.problems({ codes: ['fx_missing', 'plan_fx_missing'] })).filter((p) => p.date >= from && p.date <= to);
  }

  /** Refuses (409 fx_missing) to approve a period while a rate is missing in it: the pay would silently leave the amounts out. */
  async assertApprovable(period: string): Promise<void> {
    if (!PERIOD_RE.test(period)) return;
    const missing = await this.fxBlockers(period);
    if (!missing.length) return;
    const pairs = [...new Map(missing.map((p) => [`${p.currency}→${p.toCurrency ?? this.baseCurrency}`, p])).values()];
    throw new IncentiveError(
      409,
      'fx_missing',
      `period ${period} cannot be approved: ${missing.length} transaction(s) or credit(s) have no exchange rate (${pairs
        .map((p) => `${p.currency}→${p.toCurrency ?? this.baseCurrency} on ${p.date}`)
        .slice(0, 5)
        .join(', ')}); enter the rates and recalculate`,
      missing.slice(0, 50).map((p) => ({ path: `/problems/${p.txId}`, rule: 'fx_missing', message: p.message })),
    );
  }

  // ---- calculation -----------------------------------------------------------------------

  /**
   * Recomputes open periods for all payees (full) or some (incremental). Both run exactly this
   * code; the only difference is the payee filter.
   */
  async recompute(opts: { payees?: readonly string[]; credit?: boolean } = {}): Promise<RunStats> {
    const t0 = performance.now();
    const runId = randomUUID();
    await this.ensure();
    // A full recredit takes the org as the org service has it now.
    if (opts.credit) await this.syncOrg();
    if (opts.credit) await this.credit(null);
    const t1 = performance.now();
    const { knex, t, schema } = await this.db();
    const periods = await this.periods();
    const open = periods
      .filter((p) => !FROZEN.includes(p.status))
      .map((p) => p.period)
      .sort();
    // The last 12 frozen periods of each frequency (prior-period adjustments look back this far).
    const frozenPeriods = [
      ...groupBy(
        periods.filter((p) => FROZEN.includes(p.status)),
        (p) => frequencyOf(p.period),
      ).values(),
    ].flatMap((list) =>
      list
        .map((p) => p.period)
        .sort()
        .slice(-12),
    );
    const plans = await this.usablePlans(await this.plans());
    const payees = opts.payees ? [...new Set(opts.payees)].sort() : null;
    const assignments = await this.assignments(payees);
    const empty: RunStats = { runId, payees: 0, periods: open, lines: 0, ms: { crediting: t1 - t0, measures: 0, components: 0, payouts: 0, total: performance.now() - t0 } };
    if (!open.length || (payees && !payees.length)) return empty;

    // Measures: one SQL pass per plan version segment, period and clawback mode (materialised totals),
    // plus one per measure or points component read from records.
    const scopes = neededScopes(plans, open, frozenPeriods, this.baseCurrency, this.calendar);
    await this.materialize(scopes);
    const aggCache = await readAggregates(this.store, this.tenant, knex, schema, scopes, payees);
    // Which payees read which scope: credits a plan's currency leaves out are reported for exactly those.
    const scopeOfAgg = new Map(scopes.map((s) => [aggKey(s.planId, s.version, s.period, s.ignore, s.range), s]));
    const readers = new Map<Scope, Set<string>>();
    const t2 = performance.now();

    // Inputs are keyed by plan period: with monthly advances, the quarter or year of each month.
    // A quarter's or year's target may also be the sum of its months'.
    const inputPeriods = [
      ...new Set(
        [...open, ...frozenPeriods]
          .flatMap((p) => [p, periodOf(periodStart(p, this.calendar), 'quarterly', this.calendar), periodOf(periodStart(p, this.calendar), 'annual', this.calendar)])
          .flatMap((p) => [p, ...monthsOf(p, this.calendar)]),
      ),
    ];
    const inputs = (
      (
        await knex.raw(`select payee_id, period, name, value::text as value from ${t('inputs')} where period = any(?::text[]) ${payees ? 'and payee_id = any(?::text[])' : ''}`, [
          inputPeriods,
          ...(payees ? [payees] : []),
        ] as never[])
      ).rows as Row[]
    ).map((r) => ({ payeeId: text(r.payee_id), period: text(r.period), name: text(r.name), value: text(r.value) }));
    const frozen = await this.loadFrozen(frozenPeriods, payees);
    const disputes = await this.disputeAdjustments(open, payees);
    const result = await calculateWithFormulas(this.store, this.tenant, {
      disputes,
      plans,
      credits: [],
      assignments,
      inputs,
      periods: open,
      frozen,
      baseCurrency: this.baseCurrency,
      calendar: this.calendar,
      ...(payees ? { payees } : {}),
      aggregate: (payeeId, version, period, ignore, range) => {
        const plan = plans.find((p) => p.versions.includes(version));
        const key = aggKey(plan?.id ?? '', version, period, ignore, range);
        const s = scopeOfAgg.get(key);
        if (s && (s.currency !== s.base || (s.version.fxRule ?? 'transaction_date') !== 'transaction_date')) readers.set(s, (readers.get(s) ?? new Set()).add(payeeId));
        return aggCache.get(key)?.get(payeeId) ?? { aggs: new Map(), held: emptyAgg() };
      },
    });
    const fxProblems: CalcProblem[] = [];
    for (const [s, who] of readers) {
      const plan = plans.find((p) => p.id === s.planId);
      if (plan) fxProblems.push(...(await planFxProblems(knex, schema, plan, s, [...who].sort())));
    }
    await replacePayeeProblems(knex, schema, payees, [...fxProblems, ...result.problems.filter((p) => p.code === 'plan_calc_failed')]);
    const t3 = performance.now();

    // Payee universe of this run: everyone computed, plus whoever has stale rows in scope.
    const stale = (
      (await knex.raw(`select distinct payee_id from ${t('payouts')} where period = any(?::text[]) ${payees ? 'and payee_id = any(?::text[])' : ''}`, [open, ...(payees ? [payees] : [])] as never[]))
        .rows as Row[]
    ).map((r) => text(r.payee_id));
    const universe = [...new Set([...(payees ?? []), ...result.payouts.map((p) => p.payeeId), ...stale])].sort();
    const linesBy = groupBy(result.lines, (l) => l.payeeId);
    const payoutsBy = groupBy(result.payouts, (p) => p.payeeId);
    let chunks = 0;
    for (let i = 0; i < universe.length; i += this.chunkSize) {
      const chunk = universe.slice(i, i + this.chunkSize);
      if (this.failAfterChunks !== undefined && chunks >= this.failAfterChunks) throw new Error(`run ${runId} killed after ${chunks} chunk(s)`);
      await knex.transaction(async (trx) => {
        await trx.raw(`delete from ${t('lines')} where payee_id = any(?::text[]) and period = any(?::text[])`, [chunk, open]);
        await trx.raw(`delete from ${t('payouts')} where payee_id = any(?::text[]) and period = any(?::text[])`, [chunk, open]);
        const lines = chunk.flatMap((p) => linesBy.get(p) ?? []);
        const payouts = chunk.flatMap((p) => payoutsBy.get(p) ?? []);
        await insertJson(
          trx,
          t('lines'),
          lines.map((l) => lineRow(l, runId)),
          LINE_TYPES,
        );
        await insertJson(
          trx,
          t('payouts'),
          payouts.map((p) => payoutRow(p, runId)),
          PAYOUT_TYPES,
        );
      });
      chunks++;
    }
    await knex.raw(`update ${t('periods')} set status = 'calculated', updated_at = now() where status = 'open' and period = any(?::text[])`, [open]);
    // From the first calculation on, the tenant's base currency and calendar are fixed (amounts were converted and bucketed with them).
    if (opts.credit || result.lines.length) await this.store.tenants.markCalculated(this.tenant);
    const t4 = performance.now();
    return { runId, payees: universe.length, periods: open, lines: result.lines.length, ms: { crediting: t1 - t0, measures: t2 - t1, components: t3 - t2, payouts: t4 - t3, total: t4 - t0 } };
  }

  /**
   * The plans a run can compute. A stored plan that no longer passes its checks (saved before they
   * existed, or made invalid by a metadata change it reads) is set aside and reported as a
   * plan_invalid problem naming its first error; the other plans are computed as usual.
   */
  private async usablePlans(all: IncentivePlanDoc[]): Promise<IncentivePlanDoc[]> {
    const { knex, schema } = await this.db();
    const usable: IncentivePlanDoc[] = [];
    const problems: CalcProblem[] = [];
    const registry = await this.store.registry(this.tenant);
    const functions = functionsOf(registry);
    for (const plan of all) {
      // A plan's own errors depend on it, the metadata revision (its record sources), the tenant's
      // plugin functions and the base currency only: checked once per such key, not on every run.
      const key = `${registry.revision}|${functions?.key ?? ''}|${this.baseCurrency}|${JSON.stringify(plan)}`;
      let errors = this.planChecks.get(key);
      if (!errors) {
        errors = planErrors(plan, [], this.baseCurrency, functions?.registry);
        if (!errors.length) {
          try {
            errors = (await this.lintSources(plan)).filter((i) => i.severity === 'error');
          } catch (error) {
            errors = [{ severity: 'error', path: '/versions', rule: 'source', message: error instanceof Error ? error.message : String(error) }];
          }
        }
        if (this.planChecks.size > 200) this.planChecks.clear();
        this.planChecks.set(key, errors);
      }
      if (!errors.length) {
        usable.push(plan);
        continue;
      }
      const first = errors[0] as LintIssue;
      const from = Array.isArray(plan.versions) ? plan.versions.map((v) => v?.effectiveFrom).find((d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d)) : undefined;
      problems.push({
        code: 'plan_invalid',
        txId: '',
        ruleId: '',
        rule: '',
        date: from ?? new Date().toISOString().slice(0, 10),
        planId: String(plan.id),
        message: `plan "${String(plan.name ?? plan.id)}" is not computed: ${first.path || '/'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : ''}`,
      });
    }
    // Written when the set changed since this engine last wrote it (a stale row is replaced on the next change).
    const signature = JSON.stringify(problems);
    if (signature !== this.lastPlanProblems) {
      await replacePlanProblems(knex, schema, problems);
      this.lastPlanProblems = signature;
    }
    return usable;
  }

  /** Accepted disputes booked in the given (open) periods; frozen ones keep their stored line. */
  private async disputeAdjustments(periods: string[], payees: readonly string[] | null): Promise<DisputeAdjustment[]> {
    const { knex, t } = await this.db();
    const rows = (
      await knex.raw(
        `select id, payee_id, period, line_key, reason, created_by, resolution, amount::text as amount, resolved_by, resolved_at, plan_id, plan_version, component, currency, posted_period
         from ${t('disputes')} where status = 'accepted' and posted_period = any(?::text[]) and amount is not null and amount <> 0 and plan_id is not null ${payees ? 'and payee_id = any(?::text[])' : ''} order by id`,
        [periods, ...(payees ? [payees] : [])] as never[],
      )
    ).rows as Row[];
    return rows.map((r) => ({
      payeeId: text(r.payee_id),
      planId: text(r.plan_id),
      planVersion: Number(r.plan_version),
      component: r.component === null ? null : text(r.component),
      currency: text(r.currency),
      period: text(r.posted_period),
      amount: dec(text(r.amount)),
      dispute: {
        id: text(r.id),
        lineKey: text(r.line_key),
        period: text(r.period),
        reason: text(r.reason),
        raisedBy: r.created_by === null ? null : text(r.created_by),
        status: 'accepted',
        resolution: text(r.resolution),
        amount: text(r.amount),
        decidedBy: r.resolved_by === null ? null : text(r.resolved_by),
        decidedAt: r.resolved_at instanceof Date ? r.resolved_at.toISOString() : text(r.resolved_at),
      },
    }));
  }

  private async loadFrozen(periods: string[], payees: readonly string[] | null): Promise<FrozenState> {
    if (!periods.length) return { periods: [], lines: [], payouts: [] };
    const { knex, t } = await this.db();
    const filter = payees ? 'and payee_id = any(?::text[])' : '';
    const binds = [periods, ...(payees ? [payees] : [])] as never[];
    const lines = ((await knex.raw(`select * from ${t('lines')} where period = any(?::text[]) ${filter}`, binds)).rows as Row[]).map(rowLine);
    const payouts = ((await knex.raw(`select * from ${t('payouts')} where period = any(?::text[]) ${filter}`, binds)).rows as Row[]).map(rowPayout);
    return { periods, lines, payouts };
  }

  /**
   * Incremental recalculation after transactions changed: recredit them, then recompute only the
   * payees whose credit they touch (before or after) and the managers those roll up to.
   */
  async recomputeTransactions(txIds: readonly string[]): Promise<RunStats> {
    const { knex, t } = await this.db();
    const touched = async () => ((await knex.raw(`select distinct payee_id from ${t('credits')} where tx_id = any(?::text[])`, [txIds as string[]])).rows as Row[]).map((r) => text(r.payee_id));
    const before = await touched();
    const c0 = performance.now();
    await this.credit(txIds);
    const creditMs = performance.now() - c0;
    const after = await touched();
    const direct = [...new Set([...before, ...after])];
    const managers = ((await knex.raw(`select distinct manager_id from ${t('chain')} where payee_id = any(?::text[])`, [direct])).rows as Row[]).map((r) => text(r.manager_id));
    const stats = await this.recompute({ payees: [...new Set([...direct, ...managers])] });
    stats.ms.crediting = creditMs;
    return stats;
  }

  /**
   * A record change: an `order` becomes a transaction (recredited, its payees recomputed); a user's
   * role change is recorded as of the change; a record an active plan reads as a source recomputes
   * its payees. See record-events.ts.
   */
  async onRecordEvent(event: RecordEvent): Promise<RunStats | null> {
    return onRecordEvent(this, event);
  }

  /** Records observed roles of the given users as of a date (a user record event). */
  async observeUserRoles(users: Array<{ id: string; role: string | null; hireDate: string | null }>, asOf: string): Promise<string[]> {
    return this.observeRoles(users, asOf, true);
  }

  // ---- reads -----------------------------------------------------------------------------

  /** Calculation problems: transactions (or credits) left out and why, for finance to fix. */
  async problems(filter: { txIds?: readonly string[]; codes?: readonly string[] } = {}): Promise<CalcProblem[]> {
    await this.ensure();
    const { knex, schema } = await this.db();
    // A missing rate names its pair: the transaction's currency to the tenant's base.
    return (await readProblems(knex, schema, filter)).map((p) => (p.code === 'fx_missing' ? { ...p, toCurrency: this.baseCurrency } : p));
  }

  /** `traced`: each line's trace lists the credits and records behind it (one drill-down per line; what clients see). */
  async statement(
    payeeId: string,
    period: string,
    opts: { traced?: boolean } = {},
  ): Promise<{ payeeId: string; period: string; status: PeriodStatus | null; lines: StatementLine[]; payouts: PayoutSummary[]; disputes: Row[] }> {
    const { knex, t } = await this.db();
    const lines = ((await knex.raw(`select * from ${t('lines')} where payee_id = ? and period = ? order by plan_id, key`, [payeeId, period])).rows as Row[]).map(rowLine);
    const payouts = ((await knex.raw(`select * from ${t('payouts')} where payee_id = ? and period = ? order by plan_id`, [payeeId, period])).rows as Row[]).map(rowPayout);
    const status = (await this.periods()).find((p) => p.period === period)?.status ?? null;
    // Disputes raised on this statement or booked into it, with their status and resulting adjustment.
    const disputes = await this.disputes({ payees: [payeeId], period });
    // Each line's trace names exactly what is behind it, from the same selection as its drill-down.
    const plans = opts.traced && lines.length ? await this.plans() : [];
    const { schema } = await this.db();
    const frozen = opts.traced && lines.length ? await isSnapshotted(knex, schema, period) : false;
    for (const line of opts.traced ? lines : []) {
      const behind = await this.behindLine(line, plans, TRACE_IDS, frozen);
      const ids = behind.credits.map((c) => text(c.id));
      const sources = [...new Set([...behind.credits.map((c) => text(c.record_id)), ...behind.records.map((r) => text(r.id))])];
      const count = behind.credits.length + behind.records.length;
      line.trace = { ...line.trace, creditIds: ids, sourceRecordIds: sources, creditCount: count < TRACE_IDS ? count : Math.max(count, line.trace.creditCount) };
    }
    return { payeeId, period, status, lines, payouts, disputes };
  }

  /**
   * The credits behind a statement line, with their source records (the trace's drill-down): each
   * names its transaction (`tx_id`), the record it came from (`object`, `record_id`: the order of an
   * order line's transaction), the order line (`line_id`, null for a whole order) and the `value` it
   * adds to the line's measure. They are selected exactly as the measure selected them (range,
   * payout timing, clawback, filter, currency), so they add up to it. A measure or component read
   * from records (visits, calls) lists those records instead (`records`); an adjustment booked by a
   * dispute has neither.
   */
  async lineCredits(payeeId: string, period: string, key: string, limit = 500): Promise<{ line: StatementLine; credits: Row[]; records: Row[] } | undefined> {
    await this.ensure();
    const { knex, t, schema } = await this.db();
    const row = ((await knex.raw(`select * from ${t('lines')} where payee_id = ? and period = ? and key = ?`, [payeeId, period, key])).rows as Row[])[0];
    if (!row) return undefined;
    return this.behindLine(rowLine(row), await this.plans(), limit);
  }

  /**
   * The drill-down of a line already read, with the plans already read (a statement reads them once
   * for all its lines). A line of a frozen period lists what it was frozen with (frozen-rows.ts); a
   * prior-period adjustment or clawback lists what changed since its period froze (`changedBehind`);
   * any other line what its measure counts today. `snapshotted`: whether the line's period was
   * frozen with a snapshot, when the caller already knows (else it is looked up).
   */
  private async behindLine(line: StatementLine, plans: readonly IncentivePlanDoc[], limit: number, snapshotted?: boolean): Promise<{ line: StatementLine; credits: Row[]; records: Row[] }> {
    const { knex, schema } = await this.db();
    if (line.trace.dispute) return { line, credits: [], records: [] };
    if (snapshotted ?? (await isSnapshotted(knex, schema, line.period))) {
      if (isChange(line) || lineBasis(line, plans, this.calendar)?.reads === 'records') return { line, ...(await readFrozenRows(knex, schema, line.payeeId, line.period, line.key, limit)) };
      return this.liveBehind(line, plans, limit, false, line.period);
    }
    if (isChange(line)) {
      const changed = await this.changedBehind(line, plans);
      if (changed) return { line, credits: changed.credits.slice(0, limit), records: changed.records.slice(0, limit) };
    }
    return this.liveBehind(line, plans, limit, false);
  }

  /**
   * What a prior-period line moved, per credit or record, with the value it moved by: an adjustment
   * lists today's rows of the frozen period (refunds not taken back) less what was booked for it —
   * its earning lines as frozen and the changes booked for it since — so a late order, a changed
   * amount, a credit gone; a clawback lists the rows the plan's clawback takes back, each negative:
   * the refunded order. Undefined when the period froze before snapshots were taken (then the
   * recomputed period is listed, as before).
   */
  private async changedBehind(line: StatementLine, plans: readonly IncentivePlanDoc[]): Promise<LineRows | undefined> {
    const { knex, t, schema } = await this.db();
    const forPeriod = line.trace.forPeriod ?? line.period;
    if (!(await isSnapshotted(knex, schema, forPeriod))) return undefined;
    const booked = await bookedChangeRows(knex, schema, line.payeeId, forPeriod, line.planId, line.component ?? '');
    const earning = (
      (
        await knex.raw(`select * from ${t('lines')} where payee_id = ? and period = ? and plan_id = ? and component = ? and kind = 'earning' order by key`, [
          line.payeeId,
          forPeriod,
          line.planId,
          line.component ?? '',
        ])
      ).rows as Row[]
    ).map(rowLine);
    for (const l of earning) {
      const frozen = await this.behindLine(l, plans, ALL_ROWS, true);
      booked.credits.push(...frozen.credits);
      booked.records.push(...frozen.records);
    }
    const keep = await this.liveBehind(line, plans, ALL_ROWS, true);
    if (line.kind === 'adjustment') return { credits: changedRows(keep.credits, booked.credits), records: changedRows(keep.records, booked.records) };
    const now = await this.liveBehind(line, plans, ALL_ROWS, false);
    return { credits: changedRows(now.credits, keep.credits), records: changedRows(now.records, keep.records) };
  }

  /**
   * What the line's measure counts today (`ignoreClawback`: refunds inside the window still
   * counted), or with `frozenPeriod` the credits as that period froze them.
   */
  private async liveBehind(
    line: StatementLine,
    plans: readonly IncentivePlanDoc[],
    limit: number,
    ignoreClawback: boolean,
    frozenPeriod?: string,
  ): Promise<{ line: StatementLine; credits: Row[]; records: Row[] }> {
    const { knex, t, schema } = await this.db();
    const { payeeId } = line;
    const none = { line, credits: [] as Row[], records: [] as Row[] };
    const basis = lineBasis(line, plans, this.calendar);
    if (!basis) return none;
    const { plan, version, component, measure, forPeriod, range } = basis;
    const item = component?.source ? { component, source: component.source } : measure?.source ? { measure, source: measure.source } : undefined;
    if (measure?.type === 'kpi' && measure.kpi) {
      // The KPI's own source records for the payee in the months the line measured.
      const whole = { from: periodStart(line.trace.basePeriod ?? forPeriod, this.calendar), to: periodEnd(forPeriod, this.calendar) };
      const months = kpiMonths(range, segmentsIn(plan, whole));
      return { ...none, records: await kpiReader(this.store, this.tenant).records(measure.kpi, payeeId, months, limit) };
    }
    if (item) {
      const compiled = compileSource(await this.store.registry(this.tenant), item.source, schema, '').compiled;
      if (!compiled) return none;
      const sql = sourceRowsSql(schema, compiled, item, range, payeeId, limit, this.timeZone);
      const records = ((await knex.raw(sql.text, sql.bindings as never[])).rows as Row[]).map((r) => ({ ...r, object: item.source.object }));
      return { ...none, records };
    }
    // A hold line has no component: behind it are the credits still waiting for their payout date.
    const aggKeyOf = !component ? HELD_KEY : measure ? measureKey(measure.name) : componentKey(component.name);
    const sql = creditRowsSql(
      schema,
      scopeOf(plan.id, version, forPeriod, ignoreClawback, range, this.calendar, planCurrency(plan, this.baseCurrency), this.baseCurrency),
      aggKeyOf,
      payeeId,
      limit,
      frozenPeriod,
    );
    if (!sql) return none;
    // The order (and order line) behind each transaction: as it stood when the period froze, or today.
    const orders: Sql =
      frozenPeriod === undefined ? { text: t('transactions'), bindings: [] } : { text: `(select id, record_id, line_id from ${t('frozen_transactions')} where period = ?)`, bindings: [frozenPeriod] };
    const credits = (
      await knex.raw(`select c.*, coalesce(tr.record_id, c.tx_id) as record_id, tr.line_id from (${sql.text}) c left join ${orders.text} tr on tr.id = c.tx_id order by c.date, c.id`, [
        ...sql.bindings,
        ...orders.bindings,
      ] as never[])
    ).rows as Row[];
    return { ...none, credits: credits.map((c) => ({ ...c, date: dateText(c.date) })) };
  }

  async payouts(period: string): Promise<PayoutSummary[]> {
    const { knex, t } = await this.db();
    return ((await knex.raw(`select * from ${t('payouts')} where period = ? order by payee_id, plan_id`, [period])).rows as Row[]).map(rowPayout);
  }

  /** Payroll/ERP export: one row per payee and plan, plus a total row that reconciles to the statements. */
  /**
   * The period's payouts as CSV for payroll: who (id, name, employee number, unit), the plan (id and
   * name) and currency, the amounts, and a total per currency that equals the statements' payouts.
   */
  async payoutCsv(period: string, locale: 'en' | 'zh-CN' = 'en'): Promise<string> {
    const rows = await this.payouts(period);
    const who = await readPayees(
      this,
      rows.map((p) => p.payeeId),
    );
    const planNames = statementNames(await this.plans(), locale).plans;
    const cell = (v: string) => (/[",\n\r]/.test(v) || /^[=+\-@\t]/.test(v) ? `"${v.replaceAll('"', '""').replace(/^([=+\-@\t])/, "'$1")}"` : v);
    const out = ['payee_id,payee,employee_number,unit,period,plan,plan_name,currency,earned,adjustments,draw_advance,recovery,payout,points,balance_after'];
    const totals = new Map<string, Dec>();
    for (const p of rows) {
      totals.set(p.currency, (totals.get(p.currency) ?? ZERO) + p.payout);
      const w = who.get(p.payeeId);
      out.push(
        [
          p.payeeId,
          w?.name ?? '',
          w?.employeeNumber ?? '',
          w?.unit ?? '',
          p.period,
          p.planId,
          planNames.get(p.planId) ?? p.planId,
          p.currency,
          ...[p.earned, p.adjustments, p.drawAdvance, p.recovery, p.payout].map((v) => fmt(v, 2)),
          fmt(p.points),
          fmt(p.balanceAfter, 2),
        ]
          .map((v) => cell(String(v)))
          .join(','),
      );
    }
    for (const [currency, total] of [...totals].sort()) out.push(['TOTAL', '', '', '', period, '', '', currency, '', '', '', '', fmt(total, 2), '', ''].join(','));
    return `${out.join('\n')}\n`;
  }

  // ---- disputes --------------------------------------------------------------------------

  /** A dispute on a statement line, optionally claiming an amount (what an approval flow accepts). */
  async raiseDispute(input: { payeeId: string; period: string; lineKey: string; reason: string; actor: string | null; amount?: string }): Promise<Row> {
    const { knex, t } = await this.db();
    const line = (
      (await knex.raw(`select plan_id, plan_version, component, currency from ${t('lines')} where payee_id = ? and period = ? and key = ?`, [input.payeeId, input.period, input.lineKey])).rows as Row[]
    )[0];
    if (!line) throw new IncentiveError(404, 'unknown_line', 'there is no such statement line', [{ path: '/lineKey', rule: 'exists', message: 'no line with this key in the statement' }]);
    if (input.amount !== undefined && !isDecText(input.amount)) throw badAmount();
    const id = randomUUID();
    await knex.raw(
      `insert into ${t('disputes')} (id, payee_id, period, line_key, reason, status, created_by, created_at, plan_id, plan_version, component, currency, claimed_amount) values (?, ?, ?, ?, ?, 'open', ?, now(), ?, ?, ?, ?, ?)`,
      [
        id,
        input.payeeId,
        input.period,
        input.lineKey,
        input.reason,
        input.actor,
        line.plan_id,
        line.plan_version,
        line.component ?? null,
        line.currency,
        input.amount === undefined ? null : fmt(dec(input.amount)),
      ] as never[],
    );
    return (await this.disputes({ id }))[0] as Row;
  }

  async disputes(filter: { id?: string; payees?: readonly string[]; period?: string } = {}): Promise<Row[]> {
    const { knex, t } = await this.db();
    const where: string[] = [];
    const b: unknown[] = [];
    if (filter.id) {
      where.push('id = ?');
      b.push(filter.id);
    }
    if (filter.payees) {
      where.push('payee_id = any(?::text[])');
      b.push(filter.payees);
    }
    if (filter.period) {
      where.push('(period = ? or posted_period = ?)');
      b.push(filter.period, filter.period);
    }
    const rows = (
      await knex.raw(
        `select id, payee_id, period, line_key, reason, status, resolution, amount::text as amount, claimed_amount::text as claimed_amount, created_by, created_at, resolved_by, resolved_at, plan_id, component, posted_period
         from ${t('disputes')} ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at, id`,
        b as never[],
      )
    ).rows as Row[];
    // The adjustment an accepted dispute became: its line's key in the posting period's statement.
    return rows.map((r) => ({
      ...r,
      adjustment: r.posted_period ? { period: text(r.posted_period), key: `${text(r.plan_id)}:${text(r.component)}:adjustment:dispute:${text(r.id)}`, amount: text(r.amount) } : null,
    }));
  }

  /**
   * Resolves a dispute once. An accepted dispute with an amount (the resolver's, else the amount
   * claimed) is booked as an adjustment line on the payee's statement in the dispute's own period
   * while it is open, else in the first open period after it; that period is fixed here, so
   * recalculations rebuild the same line and never move or repeat it. A rejected one posts nothing.
   */
  async resolveDispute(id: string, decision: { status: 'accepted' | 'rejected'; resolution: string; amount?: string; recalculate?: boolean; actor: string | null }): Promise<Row> {
    const { knex, t } = await this.db();
    const [dispute] = await this.disputes({ id });
    if (!dispute) throw new IncentiveError(404, 'unknown_dispute', 'there is no such dispute');
    if (dispute.status !== 'open') throw new IncentiveError(409, 'dispute_closed', `the dispute is already ${text(dispute.status)}`);
    if (decision.amount !== undefined && !isDecText(decision.amount)) throw badAmount();
    const raw = decision.status === 'accepted' ? (decision.amount ?? (dispute.claimed_amount === null ? undefined : text(dispute.claimed_amount))) : undefined;
    const amount = raw === undefined ? null : dec(raw);
    // Accepting moves money: an amount booked as an adjustment, or a recalculation of the payee
    // (after the data behind the line was corrected). An acceptance that would change nothing is refused.
    if (decision.status === 'accepted' && amount === null && !decision.recalculate) {
      throw new IncentiveError(422, 'amount_required', 'accepting a dispute needs an amount to book, or recalculate: true', [
        { path: '/amount', rule: 'required', message: 'give the adjustment amount (e.g. "250.00"), or set recalculate to true' },
      ]);
    }
    const posted = amount !== null && amount !== ZERO && dispute.plan_id ? await this.postingPeriod(text(dispute.period)) : null;
    const updated = await knex.raw(`update ${t('disputes')} set status = ?, resolution = ?, amount = ?, posted_period = ?, resolved_by = ?, resolved_at = now() where id = ? and status = 'open'`, [
      decision.status,
      decision.resolution,
      amount === null ? null : fmt(amount),
      posted,
      decision.actor,
      id,
    ]);
    // Two resolvers at once: only the first update wins.
    if (!(updated as { rowCount?: number }).rowCount) throw new IncentiveError(409, 'dispute_closed', 'the dispute was resolved meanwhile');
    if (posted || (decision.status === 'accepted' && decision.recalculate)) await this.recompute({ payees: [text(dispute.payee_id)] });
    const resolved = (await this.disputes({ id }))[0] as Row;
    await disputeHook(this.store)?.(this.tenant, disputeResolvedNotice(resolved));
    return resolved;
  }

  /** The dispute's own period while open, else the first open period after it (opened when there is none). */
  private async postingPeriod(period: string): Promise<string> {
    // Only a period of the same frequency: the plan pays in those.
    const periods = (await this.periods()).filter((p) => frequencyOf(p.period) === frequencyOf(period));
    const own = periods.find((p) => p.period === period);
    if (own && !FROZEN.includes(own.status)) return period;
    const next = periods.find((p) => p.period > period && !FROZEN.includes(p.status));
    if (next) return next.period;
    const last = periods.at(-1)?.period ?? period;
    const opened = nextPeriod(last > period ? last : period, this.calendar);
    await this.openPeriod(opened);
    return opened;
  }
}

/** A prior-period adjustment or clawback (not a dispute's): its drill-down is what moved since its period froze. */
function isChange(line: StatementLine): boolean {
  return (line.kind === 'adjustment' || line.kind === 'clawback') && !!line.trace.forPeriod && line.component !== null && !line.trace.dispute;
}

/**
 * What a line counts: its plan version, component and measure, the period measured and the dates of
 * credits it counted (its version's days, or the plan period to date with advances), and whether it
 * reads credits or records (a KPI or a record source). Undefined for lines behind no measure.
 */
function lineBasis(line: StatementLine, plans: readonly IncentivePlanDoc[], cal: FiscalCalendar) {
  const plan = plans.find((p) => p.id === line.planId);
  const version = plan?.versions.find((v) => v.version === line.planVersion);
  const component = version?.components.find((c) => c.name === line.component);
  // A hold line has no component: behind it are the credits still waiting for their payout date.
  const held = line.kind === 'hold';
  if (!plan || !version || (!component && !held) || line.trace.dispute) return undefined;
  const forPeriod = line.trace.forPeriod ?? line.period;
  const range = { from: line.trace.span?.from ?? periodStart(line.trace.basePeriod ?? forPeriod, cal), to: line.trace.span?.to ?? periodEnd(forPeriod, cal) };
  const measure = component?.measure ? version.measures.find((m) => m.name === component.measure) : undefined;
  const reads: 'credits' | 'records' = (measure?.type === 'kpi' && measure.kpi) || component?.source || measure?.source ? 'records' : 'credits';
  return { plan, version, component, measure, forPeriod, range, reads };
}

function badAmount(): IncentiveError {
  return new IncentiveError(400, 'bad_amount', 'amount must be a decimal number', [{ path: '/amount', rule: 'decimal', message: 'must be a decimal number such as "50.00"' }]);
}

/** One span per unit: the one holding today, else the latest. */
function currentUnits(units: readonly OrgUnit[]): OrgUnit[] {
  const today = new Date().toISOString().slice(0, 10);
  const by = new Map<string, OrgUnit>();
  for (const u of [...units].sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''))) {
    const held = by.get(u.id);
    if (!held || (u.from ?? '') <= today) by.set(u.id, u);
  }
  return [...by.values()];
}

async function run(knex: Knex, sql: Sql): Promise<void> {
  await knex.raw(sql.text, sql.bindings as never[]);
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k) ?? [];
    list.push(item);
    map.set(k, list);
  }
  return map;
}
