// The rep's own daily report: read it (the draft, or what a draft of the day would hold), edit its
// text, submit it. Any role that may read daily reports keeps one; the settings only decide who
// gets a draft prepared and a reminder at the hour.
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../../http/errors.ts';
import { object, query, replies } from '../../http/route-schema.ts';
import type { AccessContext } from '../../rbac/context.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { dayFigures } from './prefill.ts';
import { editReport, ensureDraft, findReport, REPORT_OBJECT, submitReport } from './report-store.ts';
import { dayOf, previewView, REPORT_VIEW, reportView } from './views.ts';

const REPLY = object({ data: REPORT_VIEW }, ['data']);
const TEXT = { type: 'string', maxLength: 10_000 };
const BODY = {
  type: 'object',
  additionalProperties: false,
  properties: { date: { type: 'string', maxLength: 10, description: 'YYYY-MM-DD; the tenant’s today when absent' }, summary: TEXT, tomorrowPlan: TEXT },
};

function mayReport(access: AccessContext): void {
  if (!access.registry.object(REPORT_OBJECT) || !access.permission(REPORT_OBJECT).actions.has('read')) throw forbidden('your role keeps no daily report');
}

type Body = { date?: string; summary?: string; tomorrowPlan?: string };
const patchOf = (b: Body) => ({ ...(b.summary !== undefined ? { summary: b.summary } : {}), ...(b.tomorrowPlan !== undefined ? { tomorrow_plan: b.tomorrowPlan } : {}) });

export async function dailyReportRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const zone = async (tenant: string) => (await store.tenants.settings(tenant)).timeZone;

  app.get('/daily/reports/mine', { schema: { querystring: query({ date: { type: 'string', maxLength: 10, description: 'YYYY-MM-DD' } }), response: replies({ 200: REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    mayReport(access);
    const day = dayOf((request.query as { date?: string }).date, await zone(access.tenantName), 'query');
    const report = await findReport(store, access.tenantName, access.principal.userId, day);
    return { data: report ? reportView(report) : previewView(day, await dayFigures(store, access, day)) };
  });

  app.put('/daily/reports/mine', { schema: { body: BODY, response: replies({ 200: REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    mayReport(access);
    const body = request.body as Body;
    const day = dayOf(body.date, await zone(access.tenantName), 'body');
    const { report } = await ensureDraft(store, access.tenantName, access.principal.userId, day, access.actor);
    return { data: reportView(await editReport(store, access.tenantName, report, patchOf(body), access.actor)) };
  });

  app.post('/daily/reports/mine/submit', { schema: { body: BODY, response: replies({ 200: REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    mayReport(access);
    const body = (request.body ?? {}) as Body;
    const day = dayOf(body.date, await zone(access.tenantName), 'body');
    let { report } = await ensureDraft(store, access.tenantName, access.principal.userId, day, access.actor);
    const patch = patchOf(body);
    if (Object.keys(patch).length) report = await editReport(store, access.tenantName, report, patch, access.actor);
    return { data: reportView(await submitReport(store, access.tenantName, report, access.actor, new Date())) };
  });
}
