// The data health report on demand (administrators): JSON for the studio page, PDF in en or zh-CN.
// Latency comes from the persisted latency history; this node's unwritten requests are written first.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANY, arrayOf, file, INTEGER, nullable, object, query, replies, STRING } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { buildReport, MONTH_PATTERN, monthOf } from './report.ts';
import { reportPdf, type ReportLocale } from './report-pdf.ts';
import { requireAdmin, RUN, SCORE } from './routes.ts';

const tags = ['quality'];
const MONTH = { type: 'string', pattern: MONTH_PATTERN, description: 'YYYY-MM; this month (UTC) by default' };
const ERROR_ENTRY = object({ key: STRING, count: INTEGER, lastAt: STRING, lastError: nullable(STRING) }, ['key', 'count', 'lastAt', 'lastError']);
const ERROR_SECTION = object({ source: STRING, label: ANY, total: INTEGER, entries: arrayOf(ERROR_ENTRY) }, ['source', 'label', 'total', 'entries']);
const SCORES = object({ overall: ANY, byRule: arrayOf(SCORE), byObject: arrayOf(SCORE), byTeam: arrayOf(SCORE) }, ['overall', 'byRule', 'byObject', 'byTeam']);
const REPORT = object(
  { month: STRING, generatedAt: STRING, run: nullable(RUN), scores: nullable(SCORES), trend: arrayOf(), worstRecords: arrayOf(), errors: arrayOf(ERROR_SECTION), latency: arrayOf(), database: ANY },
  ['month', 'generatedAt', 'run', 'scores', 'trend', 'worstRecords', 'errors', 'latency', 'database'],
);

export async function reportRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const make = async (request: FastifyRequest) => {
    const access = requireAccess(request);
    requireAdmin(access, 'reads the data health report');
    const month = (request.query as { month?: string }).month ?? monthOf(new Date());
    await request.server.latency?.flush();
    return buildReport(store, access.tenantName, month);
  };

  app.get(
    '/quality/report',
    {
      config: { summary: 'The data health report of a month (administrators)', tags },
      schema: { querystring: query({ month: MONTH }), response: replies({ 200: object({ data: REPORT }, ['data']) }) },
    },
    async (request) => ({ data: await make(request) }),
  );

  app.get(
    '/quality/report/pdf',
    {
      config: { summary: 'The data health report of a month as a PDF, in English or Chinese (administrators)', tags },
      schema: { querystring: query({ month: MONTH, locale: { enum: ['en', 'zh-CN'] } }), response: replies({ 200: file('application/pdf') }) },
    },
    async (request, reply) => {
      const report = await make(request);
      const access = requireAccess(request);
      const asked = (request.query as { locale?: ReportLocale }).locale;
      const locale: ReportLocale = asked ?? (access.principal.user.locale === 'zh-CN' ? 'zh-CN' : 'en');
      const pdf = await reportPdf(report, locale);
      return reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="data-health-${report.month}.pdf"`).send(pdf);
    },
  );
}
