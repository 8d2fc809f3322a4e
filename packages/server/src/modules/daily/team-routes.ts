// Who has reported: for a day, every active user of the roles that keep daily reports, inside the
// caller's scope on daily_report (a manager's team, an admin's everyone, a rep themselves), with
// their report's status. The reports are read through the caller's record service.
import type { FastifyInstance } from 'fastify';
import { arrayOf, INTEGER, nullable, object, query, replies, STRING } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { REPORT_OBJECT, type Report } from './report-store.ts';
import { dailyPort, readDailySettings } from './settings.ts';
import { dayOf, reportView } from './views.ts';

const LIMIT = 500;
const ROW = object(
  {
    userId: STRING,
    name: STRING,
    role: STRING,
    status: { type: 'string', enum: ['missing', 'draft', 'submitted'] },
    reportId: nullable(STRING),
    submittedAt: nullable(STRING),
    visits: nullable(INTEGER),
    calls: nullable(INTEGER),
    dealsMoved: nullable(INTEGER),
  },
  ['userId', 'name', 'role', 'status', 'reportId', 'submittedAt', 'visits', 'calls', 'dealsMoved'],
);
const REPLY = object({ data: arrayOf(ROW), date: STRING, counts: object({ submitted: INTEGER, draft: INTEGER, missing: INTEGER }, ['submitted', 'draft', 'missing']) }, ['data', 'date', 'counts']);

export async function dailyTeamRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  app.get('/daily/team', { schema: { querystring: query({ date: { type: 'string', maxLength: 10, description: 'YYYY-MM-DD' } }), response: replies({ 200: REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    const grant = await access.grant(REPORT_OBJECT, 'read');
    const tenant = access.tenantName;
    const day = dayOf((request.query as { date?: string }).date, (await store.tenants.settings(tenant)).timeZone, 'query');
    const roles = (await readDailySettings(await dailyPort(store, tenant))).filter((r) => r.enabled).map((r) => r.role);
    // The people: the caller's record scope on daily_report decides whose reports they may see.
    const scope = (await access.scopes())(REPORT_OBJECT);
    const owners = scope === 'none' ? [] : scope?.ownerIn;
    const records = await store.records(tenant);
    // Nobody to list: no role keeps reports, or the caller's scope holds no one.
    const reach = roles.length > 0 && (!owners || owners.length > 0);
    const users = reach
      ? (
          await records.list('user', {
            filter: { and: [{ role: { in: roles } }, { active: { eq: true } }, ...(owners ? [{ id: { in: owners } }] : [])] },
            sort: [{ field: 'name', dir: 'asc' }],
            limit: LIMIT,
          })
        ).data
      : [];
    const reports = (await grant.service.list(REPORT_OBJECT, { filter: { report_date: { eq: day } }, limit: LIMIT })).data as Report[];
    const byOwner = new Map(reports.map((r) => [String(r.owner_id), reportView(r)]));
    const counts = { submitted: 0, draft: 0, missing: 0 };
    const data = users.map((u) => {
      const r = byOwner.get(u.id);
      const status = r ? (r.status as 'draft' | 'submitted') : 'missing';
      counts[status]++;
      return {
        userId: u.id,
        name: typeof u.name === 'string' ? u.name : '',
        role: typeof u.role === 'string' ? u.role : '',
        status,
        reportId: r?.id ?? null,
        submittedAt: r?.submittedAt ?? null,
        visits: r ? r.visits : null,
        calls: r ? r.calls : null,
        dealsMoved: r ? r.dealsMoved : null,
      };
    });
    return { data, date: day, counts };
  });
}
