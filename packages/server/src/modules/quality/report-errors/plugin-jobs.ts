// Plugin work that failed for good this month: scheduled plugin jobs and after-hooks (durable jobs
// in the `plugins.*` queues), per plugin and job or hook.
import { failedJobs } from './failed-jobs.ts';
import { group, type ErrorSource, within } from './source.ts';

export const pluginJobsSource: ErrorSource = {
  id: 'plugins',
  label: { en: 'Plugin jobs', 'zh-CN': '插件任务' },
  async collect(ctx) {
    const jobs = (await failedJobs(ctx)).filter((j) => j.queue.startsWith('plugins.') && within(j.finishedAt ?? j.createdAt, ctx));
    return group(
      jobs.map((j) => {
        const p = (j.payload ?? {}) as { plugin?: unknown; job?: unknown; hook?: unknown };
        const what = typeof p.job === 'string' ? p.job : typeof p.hook === 'string' ? p.hook : j.queue;
        return { key: `${typeof p.plugin === 'string' ? p.plugin : '?'}: ${what}`, at: new Date(j.finishedAt ?? j.createdAt), error: j.lastError };
      }),
    );
  },
};
