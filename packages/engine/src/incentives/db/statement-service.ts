// What finance and payees read: a payee's statement for a period with each line's trace, a line's
// drill-down, the period's payouts and their payroll CSV, and the calculation problems.
import { ZERO, fmt, type Dec } from '../decimal.ts';
import { statementNames } from '../statement-pdf.ts';
import type { CalcProblem, PayoutSummary, StatementLine } from '../types.ts';
import type { IncentiveEngine } from './engine.ts';
import type { EngineCore, Row } from './engine-core.ts';
import { fillTraceIds } from './line-drills.ts';
import type { LineDrill } from './line-trace.ts';
import type { PeriodStatus } from './period-flow.ts';
import { readPayees } from './payees.ts';
import { readProblems } from './problems-sql.ts';
import { rowLine, rowPayout } from './rows.ts';

export class StatementService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /** Calculation problems: transactions (or credits) left out and why, for finance to fix. */
  async problems(filter: { txIds?: readonly string[]; codes?: readonly string[] } = {}): Promise<CalcProblem[]> {
    await this.core.ensure();
    const { knex, schema } = await this.core.db();
    // A missing rate names its pair: the transaction's currency to the tenant's base.
    return (await readProblems(knex, schema, filter)).map((p) => (p.code === 'fx_missing' ? { ...p, toCurrency: this.core.baseCurrency } : p));
  }

  /**
   * `traced`: each line's trace lists the credits and records behind it, as its drill-down does
   * (stored on the line the first time it is read, see line-drills.ts; `fresh` computes them all
   * again and stores nothing). The reads go to the database together: lines, payouts, the
   * period's status and the disputes, each by its key.
   */
  async statement(
    payeeId: string,
    period: string,
    opts: { traced?: boolean; fresh?: boolean } = {},
  ): Promise<{ payeeId: string; period: string; status: PeriodStatus | null; lines: StatementLine[]; payouts: PayoutSummary[]; disputes: Row[] }> {
    // Fresh settings: the drill-downs read the time zone and fiscal calendar.
    await this.core.ensure();
    const { knex, t } = await this.core.db();
    const [lineRows, payoutRows, periodRows, disputes] = await Promise.all([
      knex.raw(`select * from ${t('lines')} where payee_id = ? and period = ? order by plan_id, key`, [payeeId, period]),
      knex.raw(`select * from ${t('payouts')} where payee_id = ? and period = ? order by plan_id`, [payeeId, period]),
      knex.raw(`select status from ${t('periods')} where period = ?`, [period]),
      // Disputes raised on this statement or booked into it, with their status and resulting adjustment.
      this.engine.disputes({ payees: [payeeId], period }),
    ]);
    const rows = lineRows.rows as Row[];
    const lines = rows.map(rowLine);
    const payouts = (payoutRows.rows as Row[]).map(rowPayout);
    const status = ((periodRows.rows as Row[])[0]?.status as PeriodStatus | undefined) ?? null;
    // Each line's trace names exactly what is behind it, from the same selection as its drill-down.
    if (opts.traced && lines.length) await fillTraceIds(this.core, this.engine, period, status, lines, rows, opts.fresh);
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
  async lineCredits(payeeId: string, period: string, key: string, limit = 500): Promise<LineDrill | undefined> {
    await this.core.ensure();
    const { knex, t } = await this.core.db();
    const row = ((await knex.raw(`select * from ${t('lines')} where payee_id = ? and period = ? and key = ?`, [payeeId, period, key])).rows as Row[])[0];
    if (!row) return undefined;
    return this.engine.lineTrace.behindLine(rowLine(row), await this.engine.plans(), limit);
  }

  async payouts(period: string): Promise<PayoutSummary[]> {
    const { knex, t } = await this.core.db();
    return ((await knex.raw(`select * from ${t('payouts')} where period = ? order by payee_id, plan_id`, [period])).rows as Row[]).map(rowPayout);
  }

  /**
   * The period's payouts as CSV for payroll (one row per payee and plan): who (id, name, employee
   * number, unit), the plan (id and name) and currency, the amounts, and a total per currency that
   * equals the statements' payouts.
   */
  async payoutCsv(period: string, locale: 'en' | 'zh-CN' = 'en'): Promise<string> {
    const rows = await this.payouts(period);
    const who = await readPayees(
      this.engine,
      rows.map((p) => p.payeeId),
    );
    const planNames = statementNames(await this.engine.plans(), locale).plans;
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
}
