// The incentives' payouts as an analytics dataset (`incentives.payout`): one row per payee, plan
// and period, exactly the payout rows the statements show (earned, adjustments, draw advance,
// recovery, payout: what is payable), with the period's first and last day for month buckets and
// its status. Scoped like the statement routes (incentive-access: finance and admins all payees,
// a team scope the reporting subtree, everyone else themselves).
import { INCENTIVES_MODULE, PERIOD_FLOW, periodEnd, periodStart, tenantCalendar } from '@attain/engine';
import { payeeScope } from '../rest/incentive-access.ts';
import type { AnalyticsDataset } from './datasets.ts';

const money = (name: string, en: string, zh: string) => ({ name, storage: 'money' as const, label: { en, 'zh-CN': zh } });

export const payoutDataset: AnalyticsDataset = {
  name: 'incentives.payout',
  label: { en: 'Payouts', 'zh-CN': '奖金发放' },
  description: "Each payee's payout per plan and period, as the statements show it: payout cost is `sum` of `payout`.",
  fields: [
    { name: 'payee_id', storage: 'ref', ref: 'user', label: { en: 'Payee', 'zh-CN': '收款人' } },
    { name: 'plan_id', storage: 'text', label: { en: 'Plan', 'zh-CN': '计划' } },
    { name: 'period', storage: 'text', label: { en: 'Period', 'zh-CN': '期间' } },
    { name: 'period_start', storage: 'date', label: { en: 'Period start', 'zh-CN': '期间开始' } },
    { name: 'period_end', storage: 'date', label: { en: 'Period end', 'zh-CN': '期间结束' } },
    { name: 'status', storage: 'enum', values: PERIOD_FLOW, label: { en: 'Status', 'zh-CN': '状态' } },
    { name: 'currency', storage: 'text', label: { en: 'Currency', 'zh-CN': '币种' } },
    money('earned', 'Earned', '应得'),
    money('adjustments', 'Adjustments', '调整'),
    money('draw_advance', 'Draw advance', '预支'),
    money('recovery', 'Recovery', '回收'),
    money('payout', 'Payout', '发放金额'),
    { name: 'points', storage: 'decimal', label: { en: 'Points', 'zh-CN': '积分' } },
  ],
  async rows({ store, access }) {
    const port = await store.port(access.tenantName, INCENTIVES_MODULE);
    const { knex, schema } = port;
    const scope = await payeeScope(access);
    const calendar = await tenantCalendar(store, access.tenantName);
    // A period's days come from its key in the tenant's fiscal calendar (periods.ts), bound as values.
    const keys = ((await port.table('payouts').distinct('period')) as Array<{ period: string }>).map((r) => r.period);
    const days = keys.flatMap((k) => [k, periodStart(k, calendar), periodEnd(k, calendar)]);
    const values = keys.length ? `(values ${keys.map(() => '(?::text, ?::date, ?::date)').join(', ')})` : '(select null::text, null::date, null::date where false)';
    // A payee is a user (a uuid, what the payee's title is read by); any other id groups as empty, its amounts still counted.
    const bindings: unknown[] = ['^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', ...days];
    let where = '';
    if (scope !== 'all') {
      where = 'where p.payee_id = any(?::text[])';
      bindings.push(scope);
    }
    const sql =
      `(select case when p.payee_id ~* ? then p.payee_id end as payee_id, p.plan_id, p.period, d.period_start, d.period_end, coalesce(s.status, 'open') as status, p.currency,` +
      ` p.earned, p.adjustments, p.draw_advance, p.recovery, p.payout, p.points` +
      ` from ${port.name('payouts')} as p join ${values} as d (period, period_start, period_end) on d.period = p.period` +
      ` left join ${port.name('periods')} as s on s.period = p.period ${where}) as payouts`;
    return {
      knex,
      schema,
      query: knex
        .queryBuilder()
        .select('*')
        .from(knex.raw(sql, bindings as never[])),
    };
  },
};
