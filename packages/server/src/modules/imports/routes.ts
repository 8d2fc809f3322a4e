// The import routes: the kinds the caller may run (with their columns), a template per kind, an
// import (dry run or real) from CSV or XLSX with a column mapping, and the history of runs.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, forbidden, notFound } from '../../http/errors.ts';
import { ANY, arrayOf, BOOLEAN, INTEGER, list, object, OBJECT, params, query, replies, STRING } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requestLocale } from '../../rest/formula-routes.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { listRuns, recordRun } from './history.ts';
import type { ImportKind } from './kind.ts';
import { importKind, importKinds } from './registry.ts';
import { runImport } from './runner.ts';
import { isZip, readCsv, readXlsx, type Sheet } from './sheet.ts';
import { templateCsv, templateXlsx } from './template.ts';
import { resolveMapping } from './typing.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Base64 XLSX in JSON is a third larger than the file; 10,000 rows fit well inside. */
const BODY_LIMIT = 32 * 1024 * 1024;

const ERROR = object({ field: STRING, rule: STRING, message: STRING, path: STRING }, ['field', 'rule', 'message', 'path']);
const RESULT = object(
  {
    kind: STRING,
    dryRun: BOOLEAN,
    runId: STRING,
    summary: object({ rows: INTEGER, valid: INTEGER, imported: INTEGER, failed: INTEGER }, ['rows', 'valid', 'imported', 'failed']),
    rows: arrayOf(object({ row: INTEGER, status: { enum: ['valid', 'imported', 'failed'] }, errors: arrayOf(ERROR) }, ['row', 'status'])),
  },
  ['kind', 'dryRun', 'summary', 'rows'],
);
const IMPORT_BODY = {
  description:
    'The file: JSON {"csv": "<text>"} or {"xlsx": "<base64>"}, with an optional "mapping" {"<sheet header>": "<field>" | ""} and "fileName"; or the raw text/csv or XLSX bytes (headers matched to fields by name)',
};

function kindFor(request: FastifyRequest): { kind: ImportKind; access: ReturnType<typeof requireAccess> } {
  const access = requireAccess(request);
  const name = (request.params as { kind: string }).kind;
  const kind = importKind(name);
  if (!kind) throw notFound(`there is no import kind "${name.slice(0, 40)}"; kinds: ${importKinds.map((k) => k.name).join(', ')}`);
  if (!kind.allowed(access)) throw forbidden(`only ${kind.who} may import ${kind.name}`);
  return { kind, access };
}

/** The sheet, the mapping sent (if any) and the file's name, from whichever body form came. */
async function upload(request: FastifyRequest): Promise<{ sheet: Sheet; mapping?: Record<string, unknown>; fileName?: string }> {
  const body = request.body;
  if (typeof body === 'string') return { sheet: readCsv(body) };
  if (Buffer.isBuffer(body)) return { sheet: isZip(body) ? await readXlsx(body) : readCsv(body.toString('utf8')) };
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const details = [];
    if (b.mapping !== undefined && (!b.mapping || typeof b.mapping !== 'object' || Array.isArray(b.mapping)))
      details.push({ path: '/mapping', rule: 'type', message: 'must map sheet headers to fields' });
    if (b.fileName !== undefined && (typeof b.fileName !== 'string' || b.fileName.length > 200)) details.push({ path: '/fileName', rule: 'type', message: 'must be a name of at most 200 characters' });
    if (details.length) throw badRequest('invalid_body', 'invalid import request', details);
    const extra = { ...(b.mapping ? { mapping: b.mapping as Record<string, unknown> } : {}), ...(typeof b.fileName === 'string' ? { fileName: b.fileName } : {}) };
    if (typeof b.csv === 'string') return { sheet: readCsv(b.csv), ...extra };
    if (typeof b.xlsx === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(b.xlsx)) return { sheet: await readXlsx(Buffer.from(b.xlsx, 'base64')), ...extra };
  }
  throw badRequest('invalid_body', 'send the file as JSON {"csv": "…"} or {"xlsx": "<base64>"}, or as text/csv or XLSX bytes', [
    { path: '/file', rule: 'required', message: 'a CSV or XLSX file is required' },
  ]);
}

export async function importRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  // Files come as they are: text/csv, or the XLSX bytes (this plugin's routes only).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.addContentTypeParser([XLSX_TYPE, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.get('/imports/kinds', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: importKinds.filter((k) => k.allowed(access)).map((k) => ({ name: k.name, label: k.label, columns: k.columns })) };
  });

  app.get(
    '/imports/:kind/template',
    {
      schema: {
        params: params('kind'),
        querystring: query({ format: { enum: ['csv', 'xlsx'] }, locale: STRING }),
        response: replies({ 200: { description: 'The template sheet', content: { 'text/csv': { schema: STRING }, [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } } } }),
      },
    },
    async (request, reply) => {
      const { kind } = kindFor(request);
      const format = (request.query as { format?: string }).format ?? 'csv';
      reply.header('content-disposition', `attachment; filename="${kind.name}-template.${format}"`);
      if (format === 'xlsx') return reply.header('content-type', XLSX_TYPE).send(await templateXlsx(kind, requestLocale(request)));
      return reply.header('content-type', 'text/csv; charset=utf-8').send(templateCsv(kind));
    },
  );

  // A bad row fails alone; `dryRun=true` answers the same rows and statuses and writes nothing.
  app.post(
    '/imports/:kind',
    { bodyLimit: BODY_LIMIT, schema: { params: params('kind'), querystring: query({ dryRun: { enum: ['true', 'false'] } }), body: IMPORT_BODY, response: replies({ 200: RESULT }) } },
    async (request) => {
      const { kind, access } = kindFor(request);
      const dryRun = (request.query as { dryRun?: string }).dryRun === 'true';
      const { sheet, mapping, fileName } = await upload(request);
      if (!sheet.rows.length) throw new ApiError(422, 'import_unreadable', 'the file has no rows below its header', [{ path: '/rows', rule: 'min_items', message: 'has no rows' }]);
      const result = await runImport(kind, sheet, resolveMapping(kind, sheet.header, mapping), { store, access }, dryRun);
      if (dryRun) return result;
      return { ...result, runId: await recordRun(store, access, result, fileName) };
    },
  );

  app.get(
    '/imports',
    { schema: { querystring: query({ kind: STRING, failed: { enum: ['true', 'false'] }, limit: STRING }), response: replies({ 200: list(OBJECT, { kinds: ANY }) }) } },
    async (request) => {
      const access = requireAccess(request);
      if (!isAdmin(access.principal.role)) throw forbidden('only an admin may read the import history');
      const q = request.query as { kind?: string; failed?: string; limit?: string };
      if (q.kind !== undefined && !importKind(q.kind))
        throw badRequest('invalid_query', 'unknown import kind', [{ path: '/kind', rule: 'enum', message: `must be one of ${importKinds.map((k) => k.name).join(', ')}` }]);
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw badRequest('invalid_query', 'limit must be 1 to 500', [{ path: '/limit', rule: 'range', message: 'must be an integer from 1 to 500' }]);
      return { data: await listRuns(store, access, { ...(q.kind ? { kind: q.kind } : {}), failedOnly: q.failed === 'true', limit }), kinds: importKinds.map((k) => k.name) };
    },
  );
}
