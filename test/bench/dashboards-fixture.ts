// The bench's 10-widget dashboard (a sales leader's Home): KPIs, revenue by month with last year,
// by region (through the customer), top reps, pipeline by stage, the stage funnel, a status × month pivot.
import type { ReportQuestion } from '../../packages/server/src/modules/analytics/schema.ts';

const quarter = (field: string) => ({ field, range: 'this_quarter' as const });
const revenue = { name: 'revenue', op: 'sum' as const, field: 'amount' };
const open = { stage: { in: ['prospecting', 'qualification', 'proposal', 'negotiation'] } };

const QUESTIONS: Record<string, ReportQuestion & { chart: NonNullable<ReportQuestion['chart']> }> = {
  revenue: { object: 'order', chart: 'kpi', period: quarter('order_date'), filter: { status: { in: ['booked', 'invoiced', 'paid'] } }, measures: [revenue] },
  orders: {
    object: 'order',
    chart: 'kpi',
    period: quarter('order_date'),
    measures: [
      { name: 'orders', op: 'count' },
      { name: 'avg', op: 'avg', field: 'amount' },
    ],
  },
  pipeline: { object: 'opportunity', chart: 'kpi', period: quarter('close_date'), filter: open, measures: [{ name: 'pipeline', op: 'sum', field: 'amount' }] },
  won: {
    object: 'opportunity',
    chart: 'kpi',
    period: quarter('close_date'),
    filter: { stage: { eq: 'closed_won' } },
    measures: [
      { name: 'won', op: 'count' },
      { name: 'amount', op: 'sum', field: 'amount' },
    ],
  },
  by_month: { object: 'order', chart: 'line', period: quarter('order_date'), compare: 'yoy', groups: [{ field: 'order_date', bucket: 'month' }], measures: [revenue] },
  by_region: { object: 'order', chart: 'bar', period: quarter('order_date'), groups: [{ formula: 'customer.region' }], measures: [revenue] },
  top_reps: { object: 'order', chart: 'leaderboard', period: quarter('order_date'), groups: [{ field: 'owner_id' }], measures: [revenue], top: { n: 10, other: false } },
  by_stage: {
    object: 'opportunity',
    chart: 'bar',
    period: quarter('close_date'),
    groups: [{ field: 'stage' }],
    measures: [
      { name: 'amount', op: 'sum', field: 'amount' },
      { name: 'deals', op: 'count' },
    ],
  },
  funnel: { object: 'opportunity', chart: 'funnel', period: quarter('close_date'), groups: [{ field: 'stage' }], measures: [{ name: 'deals', op: 'count' }] },
  pivot: {
    object: 'order',
    chart: 'heatmap',
    period: quarter('order_date'),
    groups: [{ field: 'status' }, { field: 'order_date', bucket: 'month' }],
    measures: [revenue, { name: 'orders', op: 'count' }],
    pivot: true,
  },
};

export const DASHBOARD = {
  kind: 'analytics.dashboard',
  id: 'bench.dashboard.leader',
  name: 'bench_leader',
  label: { en: 'Sales leader' },
  filters: [{ name: 'period', type: 'period', default: 'this_quarter' }],
  widgets: Object.entries(QUESTIONS).map(([id, question], i) => ({ id, chart: question.chart, layout: { x: (i % 3) * 4, y: Math.floor(i / 3) * 3, w: 4, h: 3 }, question })),
};

/** Each widget's question alone (what `POST /analytics/query` runs), the period as the dashboard's default leaves it. */
export function widgetQuestions(): Record<string, ReportQuestion> {
  return Object.fromEntries(Object.entries(QUESTIONS).map(([id, q]) => [id, structuredClone(q)]));
}
