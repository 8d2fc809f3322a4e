// Target plan versions as approval subjects: when a tenant gates plans with an approval flow,
// the workflow calls this handler on the decision (durably, retried until it succeeds), and the
// version becomes active or rejected exactly as an admin's decision would make it.
import type { Store } from '@attain/store';
import { goalsContext } from './context.ts';
import { GoalsError } from './errors.ts';
import { approveVersion, rejectVersion } from './plans.ts';

export const TARGET_PLAN_SUBJECT = 'target_plan_version';

interface Decision {
  tenant: string;
  subject: { kind: string; id: string };
  outcome: 'approved' | 'rejected';
  actor: { userId: string | null };
}

async function versionRow(store: Store, tenant: string, id: string): Promise<{ plan: string; status: string } | undefined> {
  const ctx = await goalsContext(store, tenant);
  return (await ctx.knex.raw(`SELECT plan, status FROM ${ctx.t.planVersion} WHERE id = ?`, [id])).rows[0] as { plan: string; status: string } | undefined;
}

/** The workflow subject handler of target plan versions (structurally a workflow `SubjectHandler`). */
export function targetPlanSubject(store: Store) {
  return {
    async check(tenant: string, subject: { id: string }): Promise<void> {
      const row = await versionRow(store, tenant, subject.id);
      if (!row) throw new GoalsError('unknown_version', 'no such plan version', [{ path: '/version', rule: 'unknown_reference', message: 'no such version' }], 404);
      if (row.status !== 'submitted')
        throw new GoalsError(
          'bad_status',
          `the version is ${row.status}; only a submitted version goes to approval`,
          [{ path: '/status', rule: 'transition', message: `${row.status} cannot be approved` }],
          409,
        );
    },
    async decided(d: Decision): Promise<void> {
      const row = await versionRow(store, d.tenant, d.subject.id);
      // A retry after the change committed finds it decided already: nothing left to do.
      if (!row || row.status !== 'submitted') return;
      const ctx = await goalsContext(store, d.tenant);
      if (d.outcome === 'approved') await approveVersion(ctx, row.plan, d.subject.id, d.actor.userId);
      else await rejectVersion(ctx, row.plan, d.subject.id, d.actor.userId);
    },
  };
}
