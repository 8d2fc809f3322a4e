// Incentive periods and disputes as approval subjects. A period's approval flow moves it from
// calculated to approved when the last step approves; a dispute routed like an approval is
// accepted or rejected with the approvers' reason as its resolution; an approved dispute's
// claimed amount is booked once as an adjustment line (IncentiveEngine.resolveDispute). Handlers are
// idempotent: the workflow retries them until they succeed.
import type { Store } from '@attain/store';
import { IncentiveEngine, IncentiveError } from './db/engine.ts';

export const PERIOD_SUBJECT = 'incentive_period';
export const DISPUTE_SUBJECT = 'dispute';

interface Decision {
  tenant: string;
  subject: { kind: string; id: string };
  outcome: 'approved' | 'rejected';
  actor: { userId: string | null };
  reason: string | null;
}

function engines(store: Store): (tenant: string) => IncentiveEngine {
  const cache = new Map<string, IncentiveEngine>();
  return (tenant) => {
    let e = cache.get(tenant);
    if (!e) cache.set(tenant, (e = new IncentiveEngine(store, tenant)));
    return e;
  };
}

/** The workflow subject handler of incentive periods (structurally a workflow `SubjectHandler`). */
export function incentivePeriodSubject(store: Store) {
  const engine = engines(store);
  const statusOf = async (tenant: string, period: string) => (await engine(tenant).periods()).find((p) => p.period === period)?.status;
  return {
    async check(tenant: string, subject: { id: string }): Promise<void> {
      const status = await statusOf(tenant, subject.id);
      if (!status) throw new IncentiveError(404, 'unknown_period', `period ${subject.id} has not been opened`);
      if (status !== 'calculated')
        throw new IncentiveError(409, 'bad_transition', `period ${subject.id} is ${status}; only a calculated period goes to approval`, [
          { path: '/status', rule: 'transition', message: `${status} → approved is not allowed` },
        ]);
      // A missing exchange rate in the period keeps it from approval (409 fx_missing), through a flow too.
      await engine(tenant).assertApprovable(subject.id);
    },
    async decided(d: Decision): Promise<void> {
      // A rejected period stays calculated (the history keeps the reason); an approved one moves on once.
      if (d.outcome !== 'approved' || (await statusOf(d.tenant, d.subject.id)) !== 'calculated') return;
      // The approver is the actor of the audit entry, written with the status change.
      await engine(d.tenant).setPeriodStatus(d.subject.id, 'approved', d.actor.userId, d.actor);
    },
  };
}

/** The workflow subject handler of disputes: the decision resolves the dispute. */
export function disputeSubject(store: Store) {
  const engine = engines(store);
  return {
    async check(tenant: string, subject: { id: string }): Promise<void> {
      const [d] = await engine(tenant).disputes({ id: subject.id });
      if (!d) throw new IncentiveError(404, 'unknown_dispute', 'there is no such dispute');
      if (d.status !== 'open') throw new IncentiveError(409, 'dispute_closed', `the dispute is already ${String(d.status)}`);
    },
    async decided(d: Decision): Promise<void> {
      const [row] = await engine(d.tenant).disputes({ id: d.subject.id });
      if (!row || row.status !== 'open') return;
      // Approved without a claimed amount: the payee is recalculated (the approvers saw the corrected data).
      await engine(d.tenant).resolveDispute(d.subject.id, {
        status: d.outcome === 'approved' ? 'accepted' : 'rejected',
        resolution: d.reason ?? (d.outcome === 'approved' ? 'approved through the approval flow' : 'rejected through the approval flow'),
        recalculate: true,
        actor: d.actor.userId,
        by: d.actor,
      });
    },
  };
}
