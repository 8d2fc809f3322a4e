// Incentive periods on the tenant's fiscal calendar and their life: open → calculated → approved →
// paid → closed. Approving freezes each line's drill-down with it, and is refused while a rate is
// missing in the period. Every status change is audited in its own transaction.
import type { Actor } from '@attain/store';
import { PERIOD_RE, comparePeriods, frequencyOf, periodEnd, periodIssue, periodIssueText, periodStart } from '../periods.ts';
import type { CalcProblem } from '../types.ts';
import { periodChange } from './audit-notes.ts';
import type { IncentiveEngine } from './engine.ts';
import type { EngineCore, Row } from './engine-core.ts';
import { IncentiveError } from './errors.ts';
import { freezePeriod, type LineRows } from './frozen-rows.ts';
import { ALL_ROWS, isChange, lineBasis } from './line-trace.ts';
import { FROZEN, PERIOD_FLOW, type PeriodStatus } from './period-flow.ts';
import { rowLine } from './rows.ts';

export class PeriodService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  async periods(): Promise<Array<{ period: string; status: PeriodStatus }>> {
    // Fresh settings: the order of quarters and months depends on the fiscal calendar.
    await this.core.ensure();
    const { knex, t } = await this.core.db();
    const rows = (await knex.raw(`select period, status from ${t('periods')} order by period`)).rows as Array<{ period: string; status: PeriodStatus }>;
    return rows.sort((a, b) => comparePeriods(a.period, b.period, this.core.calendar));
  }

  /** The periods with their first and last day on the tenant's fiscal calendar (clients show and compare these, never recompute them). */
  async periodsWithDays(): Promise<Array<{ period: string; status: PeriodStatus; from: string; to: string }>> {
    const periods = await this.periods();
    return periods.map((p) => ({ ...p, from: periodStart(p.period, this.core.calendar), to: periodEnd(p.period, this.core.calendar) }));
  }

  /**
   * Opens a month (`YYYY-MM`) or a quarter or year of the tenant's fiscal calendar (`YYYY-Qn`,
   * `YYYY`, or `FYYYYY-Qn`, `FYYYYY` when its year starts after January); plans compute the periods
   * of their cadence. A period already there is left as it is. `by`: who opens it (audited in the
   * same transaction when it was opened now; opening one that exists changes nothing).
   */
  async openPeriod(period: string, by?: Actor): Promise<void> {
    await this.core.ensure();
    // One name per stretch of months: quarters and years follow the tenant's fiscal calendar.
    const issue = periodIssue(period, this.core.calendar);
    if (issue) throw new IncentiveError(400, 'bad_period', periodIssueText(period, issue), [{ path: '/period', ...issue }]);
    const { knex, t } = await this.core.db();
    await knex.transaction(async (trx) => {
      const opened = await trx.raw(`insert into ${t('periods')} (period, status, updated_at) values (?, 'open', now()) on conflict (period) do nothing`, [period]);
      if ((opened as { rowCount?: number }).rowCount) await this.core.audit(by, periodChange(period, null, 'open'), trx);
    });
  }

  /**
   * Moves a period one step along open → calculated → approved → paid → closed; frozen periods are
   * frozen in order. Audited in the same transaction, as `by` (else the user `actor`).
   */
  async setPeriodStatus(period: string, status: PeriodStatus, actor: string | null, by?: Actor): Promise<void> {
    const { knex, t, schema } = await this.core.db();
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
    await knex.transaction(async (trx) => {
      if (snapshot) {
        await this.core.lock(trx);
        await freezePeriod(trx, schema, period, snapshot.range, snapshot.lines);
      }
      await trx.raw(`update ${t('periods')} set status = ?, updated_by = ?, updated_at = now() where period = ?`, [status, actor, period]);
      await this.core.audit(by ?? { userId: actor }, periodChange(period, current.status, status), trx);
    });
  }

  /**
   * What freezing the period stores: the date range its credit lines count (the credits in it are
   * copied in one statement), and the rows of the lines that are changes or read records.
   */
  private async lineSnapshot(period: string): Promise<{ range: { from: string; to: string }; lines: Array<{ payeeId: string; key: string; rows: LineRows }> }> {
    const { knex, t } = await this.core.db();
    const calendar = this.core.calendar;
    const lines = ((await knex.raw(`select * from ${t('lines')} where period = ? order by payee_id, key`, [period])).rows as Row[]).map(rowLine);
    const plans = lines.length ? await this.engine.plans() : [];
    const range = { from: periodStart(period, calendar), to: periodEnd(period, calendar) };
    const stored: Array<{ payeeId: string; key: string; rows: LineRows }> = [];
    for (const line of lines) {
      const basis = lineBasis(line, plans, calendar);
      if (!basis) continue;
      if (isChange(line) || basis.reads === 'records') {
        const { credits, records } = await this.engine.lineTrace.behindLine(line, plans, ALL_ROWS, false);
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
    const from = periodStart(period, this.core.calendar);
    const to = periodEnd(period, this.core.calendar);
    return (await this.engine.problems({ codes: ['fx_missing', 'plan_fx_missing'] })).filter((p) => p.date >= from && p.date <= to);
  }

  /** Refuses (409 fx_missing) to approve a period while a rate is missing in it: the pay would silently leave the amounts out. */
  async assertApprovable(period: string): Promise<void> {
    if (!PERIOD_RE.test(period)) return;
    const missing = await this.fxBlockers(period);
    if (!missing.length) return;
    const base = this.core.baseCurrency;
    const pairs = [...new Map(missing.map((p) => [`${p.currency}→${p.toCurrency ?? base}`, p])).values()];
    throw new IncentiveError(
      409,
      'fx_missing',
      `period ${period} cannot be approved: ${missing.length} transaction(s) or credit(s) have no exchange rate (${pairs
        .map((p) => `${p.currency}→${p.toCurrency ?? base} on ${p.date}`)
        .slice(0, 5)
        .join(', ')}); enter the rates and recalculate`,
      missing.slice(0, 50).map((p) => ({ path: `/problems/${p.txId}`, rule: 'fx_missing', message: p.message })),
    );
  }
}
