// Disputes on statement lines: raised by the payee (optionally claiming an amount), resolved once
// by finance or an approval flow. An accepted amount is booked as an adjustment in a fixed period;
// raising and resolving are audited in their own transactions.
import { randomUUID } from 'node:crypto';
import type { Actor } from '@attain/store';
import { ZERO, dec, fmt, isDecText } from '../decimal.ts';
import { disputeHook, disputeResolvedNotice } from '../dispute-notice.ts';
import { frequencyOf, nextPeriod } from '../periods.ts';
import type { DisputeAdjustment } from '../types.ts';
import { disputeSummary } from './audit-notes.ts';
import type { IncentiveEngine } from './engine.ts';
import { text, type EngineCore, type Knex, type Row } from './engine-core.ts';
import { IncentiveError } from './errors.ts';
import { FROZEN } from './period-flow.ts';

export class DisputeService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /** A dispute on a statement line, optionally claiming an amount (what an approval flow accepts); audited as `by`, else the user `actor`. */
  async raiseDispute(input: { payeeId: string; period: string; lineKey: string; reason: string; actor: string | null; amount?: string; by?: Actor }): Promise<Row> {
    const { knex, t } = await this.core.db();
    const line = (
      (await knex.raw(`select plan_id, plan_version, component, currency from ${t('lines')} where payee_id = ? and period = ? and key = ?`, [input.payeeId, input.period, input.lineKey])).rows as Row[]
    )[0];
    if (!line) throw new IncentiveError(404, 'unknown_line', 'there is no such statement line', [{ path: '/lineKey', rule: 'exists', message: 'no line with this key in the statement' }]);
    if (input.amount !== undefined && !isDecText(input.amount)) throw badAmount();
    const id = randomUUID();
    return knex.transaction(async (trx) => {
      await trx.raw(
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
      const raised = (await this.disputes({ id }, trx))[0] as Row;
      await this.core.audit(input.by ?? { userId: input.actor }, { action: 'incentives.dispute.open', object: 'incentive_dispute', recordId: id, after: disputeSummary(raised) }, trx);
      return raised;
    });
  }

  async disputes(filter: { id?: string; payees?: readonly string[]; period?: string } = {}, q?: Knex): Promise<Row[]> {
    const { knex, t } = await this.core.db();
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
      await (q ?? knex).raw(
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
   * Audited in the resolving transaction as `by`, else the user `actor`.
   */
  async resolveDispute(id: string, decision: { status: 'accepted' | 'rejected'; resolution: string; amount?: string; recalculate?: boolean; actor: string | null; by?: Actor }): Promise<Row> {
    const { knex, t } = await this.core.db();
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
    await knex.transaction(async (trx) => {
      const updated = await trx.raw(`update ${t('disputes')} set status = ?, resolution = ?, amount = ?, posted_period = ?, resolved_by = ?, resolved_at = now() where id = ? and status = 'open'`, [
        decision.status,
        decision.resolution,
        amount === null ? null : fmt(amount),
        posted,
        decision.actor,
        id,
      ]);
      // Two resolvers at once: only the first update wins.
      if (!(updated as { rowCount?: number }).rowCount) throw new IncentiveError(409, 'dispute_closed', 'the dispute was resolved meanwhile');
      const after = (await this.disputes({ id }, trx))[0] as Row;
      const note = { action: `incentives.dispute.${decision.status}`, object: 'incentive_dispute', recordId: id, before: { status: 'open' }, after: disputeSummary(after) };
      await this.core.audit(decision.by ?? { userId: decision.actor }, note, trx);
    });
    if (posted || (decision.status === 'accepted' && decision.recalculate)) await this.engine.recompute({ payees: [text(dispute.payee_id)] });
    const resolved = (await this.disputes({ id }))[0] as Row;
    await disputeHook(this.core.store)?.(this.core.tenant, disputeResolvedNotice(resolved));
    return resolved;
  }

  /** Accepted disputes booked in the given (open) periods; frozen ones keep their stored line. */
  async adjustments(periods: string[], payees: readonly string[] | null): Promise<DisputeAdjustment[]> {
    const { knex, t } = await this.core.db();
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

  /** The dispute's own period while open, else the first open period after it (opened when there is none). */
  private async postingPeriod(period: string): Promise<string> {
    // Only a period of the same frequency: the plan pays in those.
    const periods = (await this.engine.periods()).filter((p) => frequencyOf(p.period) === frequencyOf(period));
    const own = periods.find((p) => p.period === period);
    if (own && !FROZEN.includes(own.status)) return period;
    const next = periods.find((p) => p.period > period && !FROZEN.includes(p.status));
    if (next) return next.period;
    const last = periods.at(-1)?.period ?? period;
    const opened = nextPeriod(last > period ? last : period, this.core.calendar);
    await this.engine.openPeriod(opened);
    return opened;
  }
}

function badAmount(): IncentiveError {
  return new IncentiveError(400, 'bad_amount', 'amount must be a decimal number', [{ path: '/amount', rule: 'decimal', message: 'must be a decimal number such as "50.00"' }]);
}
