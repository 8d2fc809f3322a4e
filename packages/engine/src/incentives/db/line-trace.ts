// What is behind a statement line (its drill-down): the credits and records its measure counted,
// as its period froze them, or what moved since for a prior-period adjustment or clawback.
import { planCurrency } from '../currency.ts';
import { componentKey, measureKey } from '../measures.ts';
import { periodEnd, periodStart, type FiscalCalendar } from '../periods.ts';
import { segmentsIn } from '../plan-versions.ts';
import type { IncentivePlanDoc, StatementLine } from '../types.ts';
import type { EngineCore, Row } from './engine-core.ts';
import { dateText } from './engine-core.ts';
import { bookedChangeRows, changedRows, isSnapshotted, readFrozenRows, type LineRows } from './frozen-rows.ts';
import { kpiMonths, kpiReader } from './kpi-measures.ts';
import { rowLine } from './rows.ts';
import { compileSource, sourceRowsSql } from './sources-sql.ts';
import type { Sql } from './sql.ts';
import { HELD_KEY, creditRowsSql, scope as scopeOf } from './totals-sql.ts';

/** Credit and record ids a statement line's trace lists (the drill-down pages through all of them). */
export const TRACE_IDS = 100;
/** No limit: a frozen line's snapshot and an adjustment's comparison take every row behind the line. */
export const ALL_ROWS = 2_147_483_647;

export type LineDrill = { line: StatementLine; credits: Row[]; records: Row[] };

export class LineTrace {
  private readonly core: EngineCore;

  constructor(core: EngineCore) {
    this.core = core;
  }

  /**
   * The drill-down of a line already read, with the plans already read (a statement reads them once
   * for all its lines). A line of a frozen period lists what it was frozen with (frozen-rows.ts); a
   * prior-period adjustment or clawback lists what changed since its period froze (`changedBehind`);
   * any other line what its measure counts today. `snapshotted`: whether the line's period was
   * frozen with a snapshot, when the caller already knows (else it is looked up).
   */
  async behindLine(line: StatementLine, plans: readonly IncentivePlanDoc[], limit: number, snapshotted?: boolean): Promise<LineDrill> {
    const { knex, schema } = await this.core.db();
    if (line.trace.dispute) return { line, credits: [], records: [] };
    if (snapshotted ?? (await isSnapshotted(knex, schema, line.period))) {
      if (isChange(line) || lineBasis(line, plans, this.core.calendar)?.reads === 'records') return { line, ...(await readFrozenRows(knex, schema, line.payeeId, line.period, line.key, limit)) };
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
    const { knex, t, schema } = await this.core.db();
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
  private async liveBehind(line: StatementLine, plans: readonly IncentivePlanDoc[], limit: number, ignoreClawback: boolean, frozenPeriod?: string): Promise<LineDrill> {
    const { knex, t, schema } = await this.core.db();
    const { store, tenant, calendar, baseCurrency } = this.core;
    const { payeeId } = line;
    const none = { line, credits: [] as Row[], records: [] as Row[] };
    const basis = lineBasis(line, plans, calendar);
    if (!basis) return none;
    const { plan, version, component, measure, forPeriod, range } = basis;
    const item = component?.source ? { component, source: component.source } : measure?.source ? { measure, source: measure.source } : undefined;
    if (measure?.type === 'kpi' && measure.kpi) {
      // The KPI's own source records for the payee in the months the line measured.
      const whole = { from: periodStart(line.trace.basePeriod ?? forPeriod, calendar), to: periodEnd(forPeriod, calendar) };
      const months = kpiMonths(range, segmentsIn(plan, whole));
      return { ...none, records: await kpiReader(store, tenant).records(measure.kpi, payeeId, months, limit) };
    }
    if (item) {
      const compiled = compileSource(await store.registry(tenant), item.source, schema, '').compiled;
      if (!compiled) return none;
      const sql = sourceRowsSql(schema, compiled, item, range, payeeId, limit, this.core.timeZone);
      const records = ((await knex.raw(sql.text, sql.bindings as never[])).rows as Row[]).map((r) => ({ ...r, object: item.source.object }));
      return { ...none, records };
    }
    // A hold line has no component: behind it are the credits still waiting for their payout date.
    const aggKeyOf = !component ? HELD_KEY : measure ? measureKey(measure.name) : componentKey(component.name);
    const sql = creditRowsSql(schema, scopeOf(plan.id, version, forPeriod, ignoreClawback, range, calendar, planCurrency(plan, baseCurrency), baseCurrency), aggKeyOf, payeeId, limit, frozenPeriod);
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
}

/** A prior-period adjustment or clawback (not a dispute's): its drill-down is what moved since its period froze. */
export function isChange(line: StatementLine): boolean {
  return (line.kind === 'adjustment' || line.kind === 'clawback') && !!line.trace.forPeriod && line.component !== null && !line.trace.dispute;
}

/**
 * What a line counts: its plan version, component and measure, the period measured and the dates of
 * credits it counted (its version's days, or the plan period to date with advances), and whether it
 * reads credits or records (a KPI or a record source). Undefined for lines behind no measure.
 */
export function lineBasis(line: StatementLine, plans: readonly IncentivePlanDoc[], cal: FiscalCalendar) {
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
