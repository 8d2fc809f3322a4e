// Exchange rates (the fx module): everyone signed in reads them; admins and finance enter, replace,
// remove and import them (CSV or XLSX, all-or-nothing). Each change recredits the transactions it
// touches, so a missing rate shows up as a problem at once and an entered one takes effect.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FxError, FxRateService, IncentiveEngine, IncentiveError, parseRatesCsv, parseRatesXlsx, type FxChange, type ImportRow } from '@attain/engine';
import { ApiError, badRequest } from '../http/errors.ts';
import type { Store } from '../store-port.ts';
import { requireFinanceOrAdmin } from './incentive-access.ts';
import { requireAccess } from './request-access.ts';
import { ANY, INTEGER, list, nullable, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CCY = /^[A-Z]{3}$/;

/** A rate change and what the engine recomputed after it. */
const FOLLOWED = object({ data: ANY, recalculated: nullable(OBJECT), problems: INTEGER }, ['data', 'problems']);

export async function fxRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  // Rate files come as they are: text/csv, or the XLSX bytes (this plugin's routes only).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser([XLSX_TYPE, 'application/octet-stream'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const engines = new Map<string, IncentiveEngine>();
  const services = new Map<string, FxRateService>();
  const ctx = (request: FastifyRequest) => {
    const access = requireAccess(request);
    const key = access.principal.tenant.id;
    let fx = services.get(key);
    if (!fx) services.set(key, (fx = new FxRateService(opts.store as never, access.tenantName)));
    let engine = engines.get(key);
    if (!engine) engines.set(key, (engine = new IncentiveEngine(opts.store as never, access.tenantName)));
    return { access, fx, engine };
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof FxError || error instanceof IncentiveError) throw new ApiError(error.status, error.code, error.message, error.details);
      throw error;
    }
  };
  /** The engine follows the change: the transactions in those currencies are recredited and their payees recomputed. */
  const follow = async (engine: IncentiveEngine, change: FxChange) => {
    const stats = await run(() => engine.onRatesChanged(change));
    return { recalculated: stats ? { payees: stats.payees, periods: stats.periods } : null, problems: (await run(() => engine.problems({ codes: ['fx_missing', 'plan_fx_missing'] }))).length };
  };

  app.get('/fx/rates', { schema: { querystring: query({ from: STRING, to: STRING }), response: replies({ 200: list(OBJECT, { baseCurrency: STRING }) }) } }, async (request) => {
    const { access, fx } = ctx(request);
    const q = (request.query ?? {}) as Record<string, unknown>;
    const details = (['from', 'to'] as const)
      .filter((k) => q[k] !== undefined && !(typeof q[k] === 'string' && CCY.test(q[k])))
      .map((k) => ({ path: `/${k}`, rule: 'iso4217', message: 'must be a currency code such as USD' }));
    if (details.length) throw badRequest('invalid_filter', 'invalid rate filter', details);
    const settings = await opts.store.tenants.settings(access.tenantName);
    return { data: await run(() => fx.list({ ...(q.from ? { from: String(q.from) } : {}), ...(q.to ? { to: String(q.to) } : {}) })), baseCurrency: settings.baseCurrency };
  });

  app.post('/fx/rates', { schema: { body: OBJECT, response: replies({ 200: FOLLOWED, 201: FOLLOWED }) } }, async (request, reply) => {
    const { access, fx, engine } = ctx(request);
    requireFinanceOrAdmin(access);
    const change = await run(() => fx.put(request.body, access.actor));
    reply.status(change.created ? 201 : 200);
    return { data: change.rates[0], ...(await follow(engine, change)) };
  });

  app.delete('/fx/rates/:id', { schema: { params: params('id'), response: replies({ 200: FOLLOWED }) } }, async (request) => {
    const { access, fx, engine } = ctx(request);
    requireFinanceOrAdmin(access);
    const change = await run(() => fx.remove((request.params as { id: string }).id, access.actor));
    return { data: change.rates[0], ...(await follow(engine, change)) };
  });

  app.post('/fx/rates/import', { schema: { body: { description: 'A CSV or XLSX file, or {csv: text} / {xlsx: base64}' }, response: replies({ 200: FOLLOWED }) } }, async (request) => {
    const { access, fx, engine } = ctx(request);
    requireFinanceOrAdmin(access);
    const rows = await run(() => importRows(request));
    const change = await run(() => fx.importRows(rows, access.actor));
    return { data: { created: change.created, updated: change.updated, rates: change.rates }, ...(await follow(engine, change)) };
  });
}

/**
 * The rows of an uploaded file: a CSV body (text/csv), XLSX bytes, or JSON `{csv: "…"}` /
 * `{xlsx: "<base64>"}` for clients that only send JSON.
 */
async function importRows(request: FastifyRequest): Promise<ImportRow[]> {
  const body = request.body;
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (typeof body === 'string') return parseRatesCsv(body);
  if (Buffer.isBuffer(body)) return type === XLSX_TYPE || isZip(body) ? parseRatesXlsx(body) : parseRatesCsv(body.toString('utf8'));
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (typeof b.csv === 'string') return parseRatesCsv(b.csv);
    if (typeof b.xlsx === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(b.xlsx)) return parseRatesXlsx(Buffer.from(b.xlsx, 'base64'));
  }
  throw badRequest('invalid_body', 'send the file as text/csv or XLSX, or JSON {"csv": "…"} or {"xlsx": "<base64>"}', [{ path: '/file', rule: 'required', message: 'a CSV or XLSX file is required' }]);
}

/** XLSX is a zip archive: it starts with PK\x03\x04. */
function isZip(b: Buffer): boolean {
  return b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}
