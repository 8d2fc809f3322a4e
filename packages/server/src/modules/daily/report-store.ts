// Daily reports are `daily_report` records, one per person and day. They are written here with the
// system's record service (no role may create or update them through /objects, so the figures a
// points plan counts are the server's, never typed in); the person is the record's owner, so the
// role scopes of lists, exports and the team's status apply to them as to any record.
import { StoreError } from '@attain/store';
import { notifyUsers, workflowFor } from '@attain/workflow';
import { ApiError } from '../../http/errors.ts';
import type { Actor, Store } from '../../store-port.ts';
import { ownerAccess } from '../analytics/owner-access.ts';
import { dayFigures } from './prefill.ts';

export const REPORT_OBJECT = 'daily_report';

export type Report = Record<string, unknown> & { id: string };

export async function findReport(store: Store, tenant: string, userId: string, day: string): Promise<Report | undefined> {
  const records = await store.records(tenant);
  const page = await records.list(REPORT_OBJECT, { filter: { and: [{ owner_id: { eq: userId } }, { report_date: { eq: day } }] }, limit: 1 });
  return page.data[0] as Report | undefined;
}

/** The day's report of a person: the existing one, or a new draft prefilled from their day. */
export async function ensureDraft(store: Store, tenant: string, userId: string, day: string, actor: Actor): Promise<{ report: Report; created: boolean }> {
  const existing = await findReport(store, tenant, userId, day);
  if (existing) return { report: existing, created: false };
  const figures = await dayFigures(store, await ownerAccess(store, tenant, userId), day);
  const records = await store.records(tenant);
  try {
    const report = (await records.create(REPORT_OBJECT, { owner_id: userId, report_date: day, status: 'draft', ...figures }, actor)) as Report;
    return { report, created: true };
  } catch (error) {
    // One report per person and day (a unique index): the job and the rep raced, and the other won.
    const other = error instanceof StoreError && error.code === 'conflict' ? await findReport(store, tenant, userId, day) : undefined;
    if (!other) throw error;
    return { report: other, created: false };
  }
}

/** Changes the text of a draft; a submitted report is final. */
export async function editReport(store: Store, tenant: string, report: Report, patch: { summary?: string; tomorrow_plan?: string }, actor: Actor): Promise<Report> {
  if (report.status === 'submitted') throw new ApiError(409, 'already_submitted', 'this daily report was submitted and can no longer change');
  const records = await store.records(tenant);
  return (await records.update(REPORT_OBJECT, report.id, patch, actor)) as Report;
}

/** Submits a draft: the day's figures are counted again at this moment (the text stays the rep's). */
export async function submitReport(store: Store, tenant: string, report: Report, actor: Actor, now: Date): Promise<Report> {
  if (report.status === 'submitted') throw new ApiError(409, 'already_submitted', 'this daily report was already submitted');
  const { summary: _prefilled, ...figures } = await dayFigures(store, await ownerAccess(store, tenant, String(report.owner_id)), String(report.report_date).slice(0, 10));
  const records = await store.records(tenant);
  return (await records.update(REPORT_OBJECT, report.id, { ...figures, status: 'submitted', submitted_at: now.toISOString() }, actor)) as Report;
}

/** Tells the rep their report is ready to confirm (inbox and their preferred channels). */
export async function notifyReady(store: Store, tenant: string, report: Report): Promise<void> {
  await notifyUsers(workflowFor(store as never), tenant, {
    to: [String(report.owner_id)],
    template: {
      title: { en: 'Your daily report for {{day}} is ready', 'zh-CN': '{{day}} 的日报已生成' },
      body: { en: 'Check the prefilled day, add tomorrow’s plan and submit.', 'zh-CN': '请核对预填内容，填写明日计划后提交。' },
    },
    vars: { day: String(report.report_date).slice(0, 10) },
    kind: 'daily_report',
    object: REPORT_OBJECT,
    recordId: report.id,
    key: `daily_report:${report.id}`,
  });
}
