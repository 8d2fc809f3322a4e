// Durable jobs of the tenant that failed for good this month (the control schema's `jobs`: queue
// and last error), except those another source reports (plugin jobs, workflow runs).
import { RUN_QUEUE } from '@attain/workflow';
import { group, type ErrorSource, within } from './source.ts';

/** The most failed jobs of a tenant one report reads (newest first). */
export const JOB_CAP = 1000;
const OTHER_SOURCES = (queue: string) => queue.startsWith('plugins.') || queue === RUN_QUEUE;

export async function failedJobs(ctx: Parameters<ErrorSource['collect']>[0]) {
  return ctx.store.jobs.list({ tenant: ctx.tenant, status: 'failed', limit: JOB_CAP });
}

export const failedJobsSource: ErrorSource = {
  id: 'jobs',
  label: { en: 'Background jobs', 'zh-CN': '后台任务' },
  async collect(ctx) {
    const jobs = (await failedJobs(ctx)).filter((j) => !OTHER_SOURCES(j.queue) && within(j.finishedAt ?? j.createdAt, ctx));
    return group(jobs.map((j) => ({ key: j.queue, at: new Date(j.finishedAt ?? j.createdAt), error: j.lastError })));
  },
};
