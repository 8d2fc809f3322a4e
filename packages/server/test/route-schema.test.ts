import { describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { checkResponses, responseSchemaFor, type ResponseMismatch } from '../src/http/response-check.ts';
import { useRequestValidation } from '../src/http/validation.ts';
import { toErrorResponse } from '../src/http/errors.ts';
import { INTEGER, jsonBody, NO_BODY, NO_CONTENT, object, params, query, replies, STRING } from '../src/http/route-schema.ts';

/** A bare fastify with the server's validation and the test-only response check, and nothing else. */
async function app(seen: ResponseMismatch[] = []): Promise<FastifyInstance> {
  const a = Fastify();
  useRequestValidation(a);
  checkResponses(a, (m) => seen.push(m));
  a.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error, request.id);
    reply.status(status).send(body);
  });
  const echo = { response: replies({ 200: object({ got: object({}) }, ['got']) }) };
  a.post('/api/echo', { schema: { body: jsonBody({ n: INTEGER, name: STRING }, ['n']), ...echo } }, async (request) => ({ got: request.body }));
  a.post('/api/act', { schema: { body: NO_BODY, ...echo } }, async (request) => ({ got: { body: request.body ?? 'none' } }));
  a.get('/api/items/:id', { schema: { params: params('id'), querystring: query({ limit: STRING }), ...echo } }, async (request) => ({
    got: { ...(request.params as object), ...(request.query as object) },
  }));
  a.get('/api/wrong', { schema: { response: replies({ 200: object({ n: INTEGER }, ['n']) }) } }, async () => ({ n: 'five' }));
  a.get('/api/undeclared', async () => ({ ok: true }));
  a.delete('/api/gone', { schema: { response: replies({ 204: NO_CONTENT }) } }, async (_request, reply) => reply.status(204).send());
  a.get('/api/refused', { schema: { response: replies({ 200: object({}) }) } }, async () => {
    throw Object.assign(new Error('x'), { statusCode: 405 });
  });
  await a.ready();
  return a;
}

describe('request validation by the route schema', () => {
  it("refuses with the part's code and a detail naming the field and rule, never coercing or stripping", async () => {
    const a = await app();
    const wrongType = await a.inject({ method: 'POST', url: '/api/echo', payload: { n: '5' } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/n', rule: 'type' }] });
    const missing = await a.inject({ method: 'POST', url: '/api/echo', payload: { name: 'x' } });
    expect(missing.json().error).toMatchObject({ code: 'invalid_body', details: [{ path: '/n', rule: 'required' }] });
    // Unknown properties reach the handler untouched (its own checks, or the store's, refuse them).
    const kept = await a.inject({ method: 'POST', url: '/api/echo', payload: { n: 5, extra: true } });
    expect(kept.json()).toEqual({ got: { n: 5, extra: true } });
    // An action's body is optional: none at all is fine, a wrong one is not.
    expect((await a.inject({ method: 'POST', url: '/api/act' })).json()).toEqual({ got: { body: 'none' } });
    expect((await a.inject({ method: 'POST', url: '/api/act', payload: [1] })).json().error.code).toBe('invalid_body');
    const q = await a.inject({ method: 'GET', url: '/api/items/7?limit=5' });
    expect(q.json()).toEqual({ got: { id: '7', limit: '5' } });
    const repeated = await a.inject({ method: 'GET', url: '/api/items/7?limit=5&limit=6' });
    expect(repeated.json().error).toMatchObject({ code: 'invalid_query', details: [{ path: '/limit', rule: 'type' }] });
    await a.close();
  });
});

describe('the test-only response check', () => {
  it('turns an answer outside its schema into a 500 naming the route and the rule', async () => {
    const seen: ResponseMismatch[] = [];
    const a = await app(seen);
    const wrong = await a.inject({ method: 'GET', url: '/api/wrong' });
    expect(wrong.statusCode).toBe(500);
    expect(wrong.json().error.code).toBe('response_schema_mismatch');
    expect(wrong.json().error.message).toContain('GET /api/wrong');
    expect(seen[0]).toMatchObject({ route: 'GET /api/wrong', status: 200, errors: ['/n must be integer'] });
    // An API route without a response schema is a mismatch too; so the table stays complete.
    expect((await a.inject({ method: 'GET', url: '/api/undeclared' })).json().error.code).toBe('response_schema_mismatch');
    // Errors are checked against the shared error shape; 204 carries nothing to check.
    expect((await a.inject({ method: 'GET', url: '/api/refused' })).json().error.code).toBe('bad_request');
    expect((await a.inject({ method: 'DELETE', url: '/api/gone' })).statusCode).toBe(204);
    expect(seen).toHaveLength(2);
    await a.close();
  });

  it('finds the schema for a status by code, by class, then default', () => {
    const ok = { type: 'object' };
    const error = { type: 'string' };
    expect(responseSchemaFor({ 200: ok, '4xx': error }, 200)).toBe(ok);
    expect(responseSchemaFor({ 200: ok, '4xx': error }, 404)).toBe(error);
    expect(responseSchemaFor({ default: ok }, 500)).toBe(ok);
    expect(responseSchemaFor(undefined, 200)).toBeUndefined();
  });
});
