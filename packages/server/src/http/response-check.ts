import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';

type AddFormats = (ajv: Ajv) => unknown;
const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/** The declared schema for a status: the exact code, else its class (`2xx`, `4xx`), else `default`. */
export function responseSchemaFor(response: unknown, status: number): object | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const r = response as Record<string, unknown>;
  const found = r[String(status)] ?? r[`${String(status).charAt(0)}xx`] ?? r[`${String(status).charAt(0)}XX`] ?? r.default;
  return found && typeof found === 'object' ? (found as object) : undefined;
}

/** A response that does not match its route's declared schema. */
export interface ResponseMismatch {
  route: string;
  status: number;
  errors: string[];
}

/** A schema declared per media type (`{content: {'text/csv': {schema}}}`) gives the JSON one. */
function jsonSchemaOf(schema: object | undefined): object | undefined {
  const content = (schema as { content?: Record<string, { schema?: object }> } | undefined)?.content;
  return content ? content['application/json']?.schema : schema;
}

function check(request: FastifyRequest, reply: FastifyReply, raw: unknown): ResponseMismatch | undefined {
  const status = reply.statusCode;
  const payload = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  if (status === 204 || typeof payload !== 'string' || payload === '') return undefined;
  if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return undefined;
  const declared = responseSchemaFor(request.routeOptions.schema?.response, status);
  const schema = jsonSchemaOf(declared);
  if (declared && !schema) return undefined;
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  if (!schema) return request.routeOptions.url?.startsWith('/api/') ? { route, status, errors: ['no response schema declared for this status'] } : undefined;
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(JSON.parse(payload))) return undefined;
  return { route, status, errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`) };
}

/**
 * Test-only: every JSON answer is checked against the response schema its route declares. A
 * mismatch replaces the answer with a 500 `response_schema_mismatch` naming the route and the
 * failed rules, so the test that made the request fails and says why. `onMismatch` also hears of
 * it (the test helper collects them). Never enabled in production: a schema is documentation there.
 */
export function checkResponses(app: FastifyInstance, onMismatch: (mismatch: ResponseMismatch) => void = () => {}): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const mismatch = check(request, reply, payload);
    if (!mismatch) return payload;
    onMismatch(mismatch);
    reply.status(500);
    return JSON.stringify({ error: { code: 'response_schema_mismatch', message: `${mismatch.route} answered ${mismatch.status} outside its schema: ${mismatch.errors.join('; ')}`, details: [] } });
  });
}
