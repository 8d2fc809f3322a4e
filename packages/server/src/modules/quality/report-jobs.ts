// The monthly data health report as a durable job: on the first of each month (06:00 in the
// tenant's time zone) the report of the month that ended is built and its administrators are told
// (inbox and their channels, email among them) with the headline figures and where to open it;
// each run queues the next month's. The chain starts with the nightly scan's first run.
import { tenantCalendar, today as tenantToday } from '@attain/engine';
import { calendar, type BackgroundModule } from '@attain/store';
import { notifyUsers, type Workflow } from '@attain/workflow';
import type { Store } from '../../store-port.ts';
import { buildReport } from './report.ts';

export const QUALITY_REPORT_QUEUE = 'quality.report';
const MORNING_MS = 6 * 3_600_000;

const REPORT_READY = {
  title: { en: 'Data health report {{month}}: score {{score}}', 'zh-CN': '{{month}} 数据健康报告：得分 {{score}}' },
  body: {
    en: 'The data health report for {{month}} is ready: data-quality score {{score}}, {{issues}} open issue(s). Open Data quality → Health report, or download the PDF from /api/v1/quality/report/pdf?month={{month}}.',
    'zh-CN': '{{month}} 的数据健康报告已生成：数据质量得分 {{score}}，{{issues}} 个待处理问题。请打开“数据质量 → 健康报告”，或从 /api/v1/quality/report/pdf?month={{month}} 下载 PDF。',
  },
};

/** The first day of the month after `day` (YYYY-MM-DD). */
export function nextFirst(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

export async function scheduleMonthly(store: Store, tenant: string, now: Date = new Date()): Promise<string> {
  const cal = await tenantCalendar(store, tenant);
  const first = nextFirst(tenantToday(cal.timeZone, now));
  const runAt = new Date(calendar.dayStart(first, cal.timeZone).getTime() + MORNING_MS);
  await store.jobs.enqueue({ queue: QUALITY_REPORT_QUEUE, tenant, key: `quality-report:${tenant}:${first}`, payload: { tenant, first }, runAt, maxAttempts: 3 });
  return first;
}

/** The month before a first-of-month day: the month the report covers. */
export const monthBefore = (first: string): string => calendar.addDays(first, -1).slice(0, 7);

export async function sendMonthlyReport(store: Store, workflow: Workflow, tenant: string, first: string, now: Date): Promise<{ month: string; told: number }> {
  const month = monthBefore(first);
  const report = await buildReport(store, tenant, month, { now });
  const registry = await store.registry(tenant);
  const adminRoles = registry.roles.filter((r) => r.admin).map((r) => r.name);
  const records = await store.records(tenant);
  const admins = adminRoles.length ? (await records.list('user', { filter: { role: { in: adminRoles } }, limit: 200 })).data.map((u) => u.id) : [];
  const score = report.scores?.overall.score;
  const told = await notifyUsers(workflow, tenant, {
    to: admins,
    template: REPORT_READY,
    vars: { month, score: score === null || score === undefined ? '—' : `${(score * 100).toFixed(1)}%`, issues: report.run?.issues ?? 0 },
    kind: 'data_health_report',
    key: `quality-report:${month}`,
  });
  return { month, told };
}

export function reportHandlers(deps: { store: Store; workflow: Workflow }, now: () => Date): BackgroundModule['handlers'] {
  return {
    [QUALITY_REPORT_QUEUE]: async (job) => {
      const p = job.payload as { tenant?: unknown; first?: unknown };
      if (typeof p.tenant !== 'string' || typeof p.first !== 'string' || !/^\d{4}-\d{2}-01$/.test(p.first)) return { skipped: 'bad payload' };
      const out = await sendMonthlyReport(deps.store, deps.workflow, p.tenant, p.first, now());
      await scheduleMonthly(deps.store, p.tenant, now());
      return out;
    },
  };
}
