// Once a planned day is over, each planned visit without a visit is missed: the rep and their
// manager are told through the workflow's notifications (in-app inbox and the channels each
// prefers, in their language), once per plan (its key), by a durable job per tenant and day.
import type { BackgroundModule } from '@attain/store';
import { calendar } from '@attain/store';
import { notifyUsers, type Workflow } from '@attain/workflow';
import { plansBetween, statusOf, visitFacts } from './plan-status.ts';
import { MISSED_QUEUE } from './plan-scope.ts';
import type { Store as ServerStore } from '../../store-port.ts';
import type { ModuleDeps } from '../contract.ts';
import { fieldPort } from './settings.ts';

const TEMPLATE = {
  title: { en: 'Missed planned visit: {{person}} at {{customer}}', 'zh-CN': '计划拜访未完成：{{person}} — {{customer}}' },
  body: { en: '{{person}} planned to visit {{customer}} on {{day}} and did not check in there.', 'zh-CN': '{{person}} 计划于 {{day}} 拜访 {{customer}}，但未在该处签到。' },
};

/** Tells of the day's missed plans not told yet; returns how many were told. */
export async function notifyMissed(store: ServerStore, workflow: Workflow, tenant: string, day: string): Promise<number> {
  const { timeZone } = await store.tenants.settings(tenant);
  if (day >= calendar.localToday(timeZone)) return 0;
  const port = await fieldPort(store, tenant);
  const plans = (await plansBetween(port, day, day, undefined)).filter((p) => p.missed_notified_at === null);
  if (plans.length === 0) return 0;
  const records = await store.records(tenant);
  const facts = await visitFacts(records, [...new Set(plans.map((p) => p.user_id))], day, day, timeZone);
  const missed = plans.filter((p) => statusOf(p, facts, calendar.localToday(timeZone)).status === 'missed');
  const users = new Map((await records.getMany('user', [...new Set(missed.map((p) => p.user_id))])).map((u) => [u.id, u]));
  const customers = new Map((await records.getMany('customer', [...new Set(missed.map((p) => p.customer_id))])).map((c) => [c.id, c]));
  for (const plan of missed) {
    const user = users.get(plan.user_id);
    const manager = typeof user?.manager_id === 'string' ? user.manager_id : undefined;
    await notifyUsers(workflow, tenant, {
      to: [plan.user_id, ...(manager && manager !== plan.user_id ? [manager] : [])],
      template: TEMPLATE,
      vars: { person: String(user?.name ?? ''), customer: String(customers.get(plan.customer_id)?.name ?? ''), day },
      kind: 'field_missed_visit',
      object: 'customer',
      recordId: plan.customer_id,
      key: `field-missed:${plan.id}`,
    });
    await port.table('plan').where({ id: plan.id }).update({ missed_notified_at: new Date() });
  }
  return missed.length;
}

export function missedVisitJobs(deps: ModuleDeps): BackgroundModule {
  return {
    name: 'field',
    handlers: {
      [MISSED_QUEUE]: async (job) => {
        const { tenant, day } = job.payload as { tenant: string; day: string };
        return { notified: await notifyMissed(deps.store, deps.workflow, tenant, day) };
      },
    },
  };
}
