// GET /incentives/periods/{period}/payroll?template=cn|us|gb|de&format=csv|xlsx: the period's
// approved pay as a country's payroll file (one line per payee and currency, totals reconciling to
// the statements); GET /incentives/payroll/templates lists the templates. Finance only.
import type { FastifyInstance } from 'fastify';
import { IncentiveEngine, IncentiveError } from '@attain/engine';
import { ApiError, badRequest } from '../../../http/errors.ts';
import { periodParam } from '../../../http/params.ts';
import { list, params, query, replies, STRING } from '../../../http/route-schema.ts';
import { requireFinance } from '../../../rest/incentive-access.ts';
import { requireAccess } from '../../../rest/request-access.ts';
import type { Store } from '../../../store-port.ts';
import { payrollLines } from './lines.ts';
import { payrollCsv, payrollXlsx, type HeaderLanguage } from './render.ts';
import { PAYROLL_TEMPLATES, payrollTemplate } from './templates.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function payrollRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  app.get('/incentives/payroll/templates', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    requireFinance(requireAccess(request));
    return {
      data: PAYROLL_TEMPLATES.map((t) => ({
        id: t.id,
        label: t.label,
        language: t.language,
        columns: t.columns,
        delimiter: t.delimiter,
        decimalSeparator: t.decimalSeparator,
        dateFormat: t.dateFormat,
        earningsCode: t.earningsCode,
      })),
    };
  });

  app.get(
    '/incentives/periods/:period/payroll',
    {
      schema: {
        params: params('period'),
        querystring: query({ template: STRING, format: { enum: ['csv', 'xlsx'] }, lang: { enum: ['en', 'zh-CN', 'de'] } }, ['template']),
        response: replies({ 200: { description: 'The payroll file', content: { 'text/csv': { schema: STRING }, [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } } } }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      requireFinance(access);
      const q = request.query as { template: string; format?: string; lang?: HeaderLanguage };
      const template = payrollTemplate(q.template);
      if (!template)
        throw badRequest('invalid_query', `unknown payroll template "${q.template.slice(0, 20)}"`, [
          { path: '/template', rule: 'enum', message: `must be one of ${PAYROLL_TEMPLATES.map((t) => t.id).join(', ')}` },
        ]);
      const period = periodParam((request.params as { period: string }).period, '/period');
      const engine = new IncentiveEngine(opts.store as never, access.tenantName);
      let made: Awaited<ReturnType<typeof payrollLines>>;
      try {
        made = await payrollLines(engine, period);
      } catch (error) {
        if (error instanceof IncentiveError) throw new ApiError(error.status, error.code, error.message, error.details);
        throw error;
      }
      const lang = q.lang ?? template.language;
      const ctx = { period, payDate: made.payDate };
      const name = `payroll-${template.id}-${period.replace(/[^0-9FQY-]/g, '')}`;
      // The totals per currency, for a check against the statements without opening the file.
      reply.header('x-attain-payroll-totals', made.totals.map((t) => `${t.currency}=${t.amount}`).join(','));
      if (q.format === 'xlsx')
        return reply
          .header('content-type', XLSX_TYPE)
          .header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .send(await payrollXlsx(template, made.lines, ctx, lang));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(payrollCsv(template, made.lines, ctx, lang));
    },
  );
}
