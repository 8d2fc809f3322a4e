// What pay looks like: a payee's statement (JSON or PDF) with each line's drill-down, the period's
// payouts (JSON, CSV, XLSX) and the accruals. A statement answers only within the caller's payee
// scope (404 otherwise); payouts and accruals are finance's.
import type { FastifyInstance } from 'fastify';
import { accrualReport, fmt, payoutsXlsx, statementNames, statementPdf, type PayoutSummary, type StatementLine } from '@attain/engine';
import { notFound } from '../http/errors.ts';
import { periodOrDateParam, periodParam, uuidParam } from '../http/params.ts';
import { ANY, arrayOf, DATE_TEXT, file, list, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';
import { requestLocale } from './formula-routes.ts';
import { requireFinance, requirePayee } from './incentive-access.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

export async function incentiveStatementRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run } = kit;

  app.get(
    '/incentives/statements/:payeeId/:period',
    { schema: { params: params('payeeId', 'period'), response: replies({ 200: object({ data: object({ lines: arrayOf(), payouts: arrayOf() }, ['lines', 'payouts']) }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      await requirePayee(access, payeeId);
      const s = await run(() => engine.statement(payeeId, period, { traced: true }));
      return { data: { ...s, lines: s.lines.map(lineJson), payouts: s.payouts.map(payoutJson) } };
    },
  );

  app.get(
    '/incentives/statements/:payeeId/:period/lines/:key',
    { schema: { params: params('payeeId', 'period', 'key'), response: replies({ 200: object({ data: object({ line: OBJECT, credits: arrayOf(), records: ANY }, ['line']) }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      const { key } = request.params as { key: string };
      await requirePayee(access, payeeId);
      const found = await run(() => engine.lineCredits(payeeId, period, key));
      if (!found) throw notFound('no such statement line');
      return { data: { line: lineJson(found.line), credits: found.credits, records: found.records } };
    },
  );

  app.get(
    '/incentives/payouts/:period',
    {
      schema: {
        params: params('period'),
        querystring: query({ locale: STRING }),
        response: replies({ 200: { description: 'The payouts; `<period>.csv` answers a CSV file', content: { 'application/json': { schema: list() }, 'text/csv': { schema: STRING } } } }),
      },
    },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      const raw = (request.params as { period: string }).period;
      if (raw.endsWith('.csv')) {
        const period = periodParam(raw.slice(0, -4), '/period');
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="payouts-${period.replace(/[^0-9FQY-]/g, '')}.csv"`);
        return run(() => engine.payoutCsv(period, requestLocale(request) === 'zh-CN' ? 'zh-CN' : 'en'));
      }
      return { data: (await run(() => engine.payouts(periodParam(raw, '/period')))).map(payoutJson) };
    },
  );
}

/** The statement as a PDF, payouts as XLSX, and the accruals (registered after the inputs' routes, as they always were). */
export async function incentiveExportRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run } = kit;

  app.get(
    '/incentives/statements/:payeeId/:period/pdf',
    {
      schema: {
        params: params('payeeId', 'period'),
        querystring: query({ trace: { type: 'string', description: '0 leaves the calculation trace out' }, locale: STRING }),
        response: replies({ 200: file('application/pdf') }),
      },
    },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      await requirePayee(access, payeeId);
      const s = await run(() => engine.statement(payeeId, period, { traced: true }));
      // In the reader's language, with plan and component labels and the payee's name.
      const locale = requestLocale(request);
      const payee = access.registry.object('user')
        ? await access.principal.snapshot
            .records()
            .get('user', payeeId)
            .catch(() => undefined)
        : undefined;
      const payeeName = typeof payee?.name === 'string' ? payee.name : undefined;
      const names = statementNames(await run(() => engine.plans()), locale);
      const pdf = await statementPdf({ ...s, trace: (request.query as { trace?: string }).trace !== '0', locale, names, ...(payeeName ? { payeeName } : {}) });
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="statement-${period.replace(/[^0-9FQY-]/g, '')}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/incentives/payouts/:period/xlsx',
    { schema: { params: params('period'), response: replies({ 200: file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') }) } },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      const period = periodParam((request.params as { period: string }).period, '/period');
      const buf = await run(() => payoutsXlsx(engine, period, requestLocale(request) === 'zh-CN' ? 'zh-CN' : 'en'));
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="payouts-${period.replace(/[^0-9FQY-]/g, '')}.xlsx"`)
        .send(buf);
    },
  );

  app.get('/incentives/accruals', { schema: { querystring: query({ asOf: DATE_TEXT }), response: replies({ 200: object({ data: ANY }, ['data']) }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const raw = (request.query as { asOf?: string }).asOf;
    const asOf = raw === undefined || raw === '' ? undefined : periodOrDateParam(raw, '/asOf');
    return { data: await run(() => accrualReport(engine, asOf ? { asOf } : {})) };
  });
}

/** A statement is one payee's (a user id) for one period. */
function statementParams(params: unknown): { payeeId: string; period: string } {
  const p = params as { payeeId: string; period: string };
  return { payeeId: uuidParam(p.payeeId, '/payeeId'), period: periodParam(p.period, '/period') };
}

/** Money and points travel as exact decimal strings. */
function lineJson(l: StatementLine) {
  return { ...l, amount: fmt(l.amount), points: fmt(l.points) };
}

function payoutJson(p: PayoutSummary) {
  return {
    ...p,
    earned: fmt(p.earned),
    adjustments: fmt(p.adjustments),
    drawAdvance: fmt(p.drawAdvance),
    recovery: fmt(p.recovery),
    payout: fmt(p.payout),
    points: fmt(p.points),
    balanceAfter: fmt(p.balanceAfter),
  };
}
