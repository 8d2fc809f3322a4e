// Workflow runs (automation actions: webhook deliveries, record updates, notices) that failed for
// good this month, per rule.
import { listRuns } from '@attain/workflow';
import { group, type ErrorSource, within } from './source.ts';

/** The most failed runs one report reads (newest first): listRuns' own limit. */
export const RUN_CAP = 500;

export const workflowRunsSource: ErrorSource = {
  id: 'workflow_runs',
  label: { en: 'Workflow runs (webhooks and actions)', 'zh-CN': '工作流执行（Webhook 与动作）' },
  async collect(ctx) {
    const runs = await listRuns(ctx.workflow.core, await ctx.workflow.tenant(ctx.tenant), { status: 'failed', limit: RUN_CAP });
    return group(runs.filter((r) => within(r.finished_at ?? r.created_at, ctx)).map((r) => ({ key: r.rule, at: new Date(r.finished_at ?? r.created_at), error: r.last_error })));
  },
};
