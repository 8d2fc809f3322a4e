import type { FastifyInstance, FastifyReply } from 'fastify';
import { tenantCalendar } from '@attain/engine';
import { badRequest, notFound } from '../../http/errors.ts';
import { MAX_LIMIT } from '../../rest/list-query.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { answerCache } from './answer-cache.ts';
import { drill, type Cell } from './drill.ts';
import { reportCsv, reportXlsx } from './export.ts';
import { isDay, type ReportDoc } from './kind.ts';
import { runReport, type RunContext, type ReportResult } from './run.ts';
import { questionSchema, type ReportQuestion } from './schema.ts';
import { datasetListResponse, drillResponse, reportResponse, reportListResponse } from './response-schemas.ts';
import { datasetService, isDataset } from './source.ts';
import { datasets } from '../datasets.ts';
import { replies } from '../../http/route-schema.ts';

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const FORMAT = { enum: ['json', 'csv', 'xlsx'] } as const;
const CELL = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: {
    keys: { type: 'object', propertyNames: { pattern: '^[0-2]$' }, additionalProperties: { type: ['string', 'null'], maxLength: 200 } },
    other: { type: 'boolean' },
  },
} as const;
const PAGE = { limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 50 }, after: { type: 'string', maxLength: 2000 } } as const;
const NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } } } as const;

/** The caller's record service on the report's object (read, and export for files), its calendar and locale. */
export async function contextFor(store: Store, access: AccessContext, q: ReportQuestion, asOf: string | undefined, exporting: boolean): Promise<RunContext> {
  if (asOf !== undefined && !isDay(asOf))
    throw badRequest('invalid_query', `asOf "${asOf.slice(0, 20)}" is not a calendar day`, [{ path: '/asOf', rule: 'date', message: 'must be a calendar day YYYY-MM-DD' }]);
  // A dataset's module scopes its rows to the caller; an object's rows are the list routes'.
  const service = isDataset(q.object) ? await datasetService(store, access, q.object) : (exporting ? await access.grant(q.object, 'read', 'export') : await access.grant(q.object, 'read')).service;
  const locale = access.locale ?? 'en';
  return { registry: access.registry, service, calendar: await tenantCalendar(store, access.tenantName), locale, ...(asOf ? { asOf } : {}) };
}

export function savedReport(access: AccessContext, name: string): ReportDoc {
  const doc = (access.registry.documentsOfKind('analytics.report') as ReportDoc[]).find((d) => d.name === name);
  if (!doc) throw notFound(`there is no report named "${name}"`);
  return doc;
}

/** The question part of a saved report (its document fields are not part of the question). */
export function questionOf(doc: ReportDoc): ReportQuestion {
  const { kind: _kind, id: _id, name: _name, label: _label, description: _description, ...q } = doc;
  return q;
}

/**
 * A JSON answer through the answer cache (answer-cache.ts: keyed by the data version, the viewer's
 * role and scope, the day and the question); files are made afresh. The caller's grant is checked
 * before (contextFor), so a refusal is never cached.
 */
async function sendJson(reply: FastifyReply, store: Store, access: AccessContext, q: ReportQuestion, asOf: string | undefined, run: () => Promise<ReportResult>): Promise<Buffer> {
  const cache = answerCache(store);
  const key = await cache.keyFor(store, access, [q.object], { report: q, asOf: asOf ?? null });
  const { body, hit } = await cache.answer(key, async () => ({ data: await run() }));
  reply.header('content-type', 'application/json; charset=utf-8');
  if (key !== undefined) reply.header('x-attain-cache', hit ? 'hit' : 'miss');
  return body;
}

async function send(reply: FastifyReply, result: ReportResult, format: string | undefined, fileName: string): Promise<unknown> {
  if (format === 'csv') {
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}.csv"`).send(reportCsv(result));
  }
  if (format === 'xlsx') {
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${fileName}.xlsx"`)
      .send(await reportXlsx(result, fileName));
  }
  return { data: result };
}

/**
 * `POST /analytics/query` (an ad-hoc question), `GET /analytics/reports`, `GET /analytics/datasets`, `GET /analytics/reports/:name/run`
 * (`?format=csv|xlsx` to export), and drill-down from a cell of either: `POST /analytics/drill`.
 */
export async function analyticsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const tags = ['analytics'];

  app.post(
    '/analytics/query',
    {
      config: { summary: 'Run an ad-hoc report', tags },
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { format: FORMAT } },
        body: { type: 'object', required: ['report'], additionalProperties: false, properties: { report: questionSchema, asOf: DAY } },
        response: replies({ 200: reportResponse }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const body = request.body as { report: ReportQuestion; asOf?: string };
      const { format } = request.query as { format?: string };
      const ctx = await contextFor(store, access, body.report, body.asOf, format === 'csv' || format === 'xlsx');
      if (format === undefined || format === 'json') return sendJson(reply, store, access, body.report, body.asOf, () => runReport(body.report, ctx));
      return send(reply, await runReport(body.report, ctx), format, body.report.object);
    },
  );

  app.get('/analytics/reports', { config: { summary: 'List saved reports', tags }, schema: { response: replies({ 200: reportListResponse }) } }, async (request) => {
    const access = requireAccess(request);
    const docs = access.registry.documentsOfKind('analytics.report') as ReportDoc[];
    // Only reports over objects the caller may read are listed; a dataset's rows are scoped by its module.
    const readable = docs.filter((d) => (isDataset(d.object) ? datasets.get(d.object) !== undefined : access.registry.object(d.object) && access.permission(d.object).actions.has('read')));
    return { data: readable.map((d) => ({ name: d.name, label: d.label, object: d.object, ...(d.description ? { description: d.description } : {}), ...(d.chart ? { chart: d.chart } : {}) })) };
  });

  app.get('/analytics/datasets', { config: { summary: 'List the datasets modules contribute', tags }, schema: { response: replies({ 200: datasetListResponse }) } }, async (request) => {
    requireAccess(request);
    // Names and fields only: each dataset's rows are scoped by its module when a question reads them.
    return {
      data: datasets.list().map((d) => ({
        name: d.name,
        label: d.label,
        ...(d.description ? { description: d.description } : {}),
        fields: d.fields.map((f) => ({ name: f.name, label: f.label, storage: f.storage, ...(f.values ? { values: [...f.values] } : {}), ...(f.ref ? { ref: f.ref } : {}) })),
      })),
    };
  });

  app.get(
    '/analytics/reports/:name/run',
    {
      config: { summary: 'Run a saved report', tags },
      schema: {
        params: NAME,
        querystring: { type: 'object', additionalProperties: false, properties: { format: FORMAT, asOf: DAY } },
        response: replies({ 200: reportResponse }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const { name } = request.params as { name: string };
      const { format, asOf } = request.query as { format?: string; asOf?: string };
      const q = questionOf(savedReport(access, name));
      const ctx = await contextFor(store, access, q, asOf, format === 'csv' || format === 'xlsx');
      if (format === undefined || format === 'json') return sendJson(reply, store, access, q, asOf, () => runReport(q, ctx));
      return send(reply, await runReport(q, ctx), format, name);
    },
  );

  app.post(
    '/analytics/drill',
    {
      config: { summary: 'Records behind a report cell', tags },
      schema: {
        body: {
          type: 'object',
          required: ['cell'],
          additionalProperties: false,
          properties: { report: questionSchema, name: NAME.properties.name, asOf: DAY, cell: CELL, ...PAGE },
          oneOf: [{ required: ['report'] }, { required: ['name'] }],
        },
        response: replies({ 200: drillResponse }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const body = request.body as { report?: ReportQuestion; name?: string; asOf?: string; cell: Cell; limit: number; after?: string };
      const q = body.report ?? questionOf(savedReport(access, body.name as string));
      const ctx = await contextFor(store, access, q, body.asOf, false);
      return { data: await drill(q, body.cell, ctx, { limit: body.limit ?? 50, ...(body.after ? { after: body.after } : {}) }) };
    },
  );
}
