// A calculation run: open periods recomputed for all payees (full) or some (incremental), with the
// same code either way; measures from materialised totals in SQL, components by the pure
// calculation, and lines and payouts written in one transaction per chunk of payees (every
// payee-period replaced whole), so a killed run leaves no partial payouts and a rerun is identical.
import { randomUUID } from 'node:crypto';
import type { RecordEvent } from '@attain/store';
import type { FrozenState } from '../calculate.ts';
import { calculateWithFormulas } from '../formula-measures.ts';
import { frequencyOf, monthsOf, periodOf, periodStart } from '../periods.ts';
import type { CalcProblem } from '../types.ts';
import { aggKey, emptyAgg, neededScopes, readAggregates } from './aggregates.ts';
import type { IncentiveEngine } from './engine.ts';
import { groupBy, text, type EngineCore, type Row } from './engine-core.ts';
import { FROZEN, type RunStats } from './period-flow.ts';
import { planFxProblems, replacePayeeProblems } from './problems-sql.ts';
import { onRecordEvent } from './record-events.ts';
import { LINE_TYPES, PAYOUT_TYPES, insertJson, lineRow, payoutRow, rowLine, rowPayout } from './rows.ts';
import type { Scope } from './totals-sql.ts';

export class RunService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /**
   * Recomputes open periods for all payees (full) or some (incremental). Both run exactly this
   * code; the only difference is the payee filter.
   */
  async recompute(opts: { payees?: readonly string[]; credit?: boolean } = {}): Promise<RunStats> {
    const t0 = performance.now();
    const runId = randomUUID();
    await this.core.ensure();
    // A full recredit takes the org as the org service has it now.
    if (opts.credit) await this.engine.syncOrg();
    if (opts.credit) await this.engine.credit(null);
    const t1 = performance.now();
    const { knex, t, schema } = await this.core.db();
    const { calendar, baseCurrency } = this.core;
    const periods = await this.engine.periods();
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
    const plans = await this.engine.planService.usablePlans(await this.engine.plans());
    const payees = opts.payees ? [...new Set(opts.payees)].sort() : null;
    const assignments = await this.engine.assignments(payees);
    const empty: RunStats = { runId, payees: 0, periods: open, lines: 0, ms: { crediting: t1 - t0, measures: 0, components: 0, payouts: 0, total: performance.now() - t0 } };
    if (!open.length || (payees && !payees.length)) return empty;

    // Measures: one SQL pass per plan version segment, period and clawback mode (materialised totals),
    // plus one per measure or points component read from records.
    const scopes = neededScopes(plans, open, frozenPeriods, baseCurrency, calendar);
    await this.engine.creditingService.materialize(scopes);
    const aggCache = await readAggregates(this.core.store, this.core.tenant, knex, schema, scopes, payees);
    // Which payees read which scope: credits a plan's currency leaves out are reported for exactly those.
    const scopeOfAgg = new Map(scopes.map((s) => [aggKey(s.planId, s.version, s.period, s.ignore, s.range), s]));
    const readers = new Map<Scope, Set<string>>();
    const t2 = performance.now();

    // Inputs are keyed by plan period: with monthly advances, the quarter or year of each month.
    // A quarter's or year's target may also be the sum of its months'.
    const inputPeriods = [
      ...new Set(
        [...open, ...frozenPeriods]
          .flatMap((p) => [p, periodOf(periodStart(p, calendar), 'quarterly', calendar), periodOf(periodStart(p, calendar), 'annual', calendar)])
          .flatMap((p) => [p, ...monthsOf(p, calendar)]),
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
    const disputes = await this.engine.disputeService.adjustments(open, payees);
    const result = await calculateWithFormulas(this.core.store, this.core.tenant, {
      disputes,
      plans,
      credits: [],
      assignments,
      inputs,
      periods: open,
      frozen,
      baseCurrency,
      calendar,
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
    for (let i = 0; i < universe.length; i += this.core.chunkSize) {
      const chunk = universe.slice(i, i + this.core.chunkSize);
      if (this.core.failAfterChunks !== undefined && chunks >= this.core.failAfterChunks) throw new Error(`run ${runId} killed after ${chunks} chunk(s)`);
      await knex.transaction(async (trx) => {
        // Two runs for the same payees (a recalculation and a record event's) replace the same
        // rows: one at a time, or the second's delete misses the first's new rows and its insert
        // collides with them (duplicate key). The later run's lines win.
        await this.core.lock(trx);
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
    if (opts.credit || result.lines.length) await this.core.store.tenants.markCalculated(this.core.tenant);
    const t4 = performance.now();
    return { runId, payees: universe.length, periods: open, lines: result.lines.length, ms: { crediting: t1 - t0, measures: t2 - t1, components: t3 - t2, payouts: t4 - t3, total: t4 - t0 } };
  }

  private async loadFrozen(periods: string[], payees: readonly string[] | null): Promise<FrozenState> {
    if (!periods.length) return { periods: [], lines: [], payouts: [] };
    const { knex, t } = await this.core.db();
    const filter = payees ? 'and payee_id = any(?::text[])' : '';
    const binds = [periods, ...(payees ? [payees] : [])] as never[];
    const lines = ((await knex.raw(`select * from ${t('lines')} where period = any(?::text[]) ${filter}`, binds)).rows as Row[]).map(rowLine);
    const payouts = ((await knex.raw(`select * from ${t('payouts')} where period = any(?::text[]) ${filter}`, binds)).rows as Row[]).map(rowPayout);
    return { periods, lines, payouts };
  }

  /**
   * Incremental recalculation after transactions changed: recredit them, then recompute only the
   * payees whose credit they touch (before or after) and the managers those roll up to. `payees`:
   * others to recompute with them (an org change's managers before the chain was rebuilt).
   */
  async recomputeTransactions(txIds: readonly string[], opts: { payees?: readonly string[] } = {}): Promise<RunStats> {
    const { knex, t } = await this.core.db();
    const touched = async () => ((await knex.raw(`select distinct payee_id from ${t('credits')} where tx_id = any(?::text[])`, [txIds as string[]])).rows as Row[]).map((r) => text(r.payee_id));
    const before = await touched();
    const c0 = performance.now();
    await this.engine.credit(txIds);
    const creditMs = performance.now() - c0;
    const after = await touched();
    const direct = [...new Set([...before, ...after])];
    const managers = ((await knex.raw(`select distinct manager_id from ${t('chain')} where payee_id = any(?::text[])`, [direct])).rows as Row[]).map((r) => text(r.manager_id));
    const stats = await this.recompute({ payees: [...new Set([...direct, ...managers, ...(opts.payees ?? [])])] });
    stats.ms.crediting = creditMs;
    return stats;
  }

  /**
   * A record change: an `order` becomes a transaction (recredited, its payees recomputed); a user's
   * role change is recorded as of the change; a record an active plan reads as a source recomputes
   * its payees. See record-events.ts.
   */
  async onRecordEvent(event: RecordEvent): Promise<RunStats | null> {
    return onRecordEvent(this.engine, event);
  }
}
