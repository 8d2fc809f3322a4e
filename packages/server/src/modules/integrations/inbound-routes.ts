// POST /integrations/{tenant}/events: an ERP or finance system's signed events. The route is public
// (no session or token): the HMAC signature over the timestamp and the raw body, with the tenant's
// secret, is its authentication, checked before anything is read or validated. Admin routes manage
// the secret (rotate: shown once) and list what was received with its status.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden } from '../../http/errors.ts';
import { parseClientJson } from '../../http/json.ts';
import { arrayOf, BOOLEAN, INTEGER, jsonBody, nullable, object, OBJECT, params, query, replies, STRING } from '../../http/route-schema.ts';
import { decodeUtf8 } from '../../http/text-guard.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { EVENT_TYPES } from './event-types.ts';
import { receiveEvent, type Envelope } from './inbound.ts';
import { inboundSettings, integrationsPort, rotateInboundSecret, unseal } from './secrets.ts';
import { badSignature, SIGNATURE_HEADER, verifySignature } from './signature.ts';

const tags = ['integrations'];
const raw = new WeakMap<FastifyRequest, string>();

export function requireAdmin(request: FastifyRequest): AccessContext {
  const access = requireAccess(request);
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin manages integrations');
  return access;
}

const ENVELOPE = {
  type: 'object',
  required: ['id', 'type', 'data'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: "the sender's event id: the idempotency key" },
    type: { type: 'string', minLength: 1, maxLength: 100, description: EVENT_TYPES.map((t) => t.type).join(', ') },
    created: { type: ['integer', 'string'] },
    data: { type: 'object' },
  },
};
const RECEIVED = object({ data: object({ id: STRING, type: STRING, status: STRING, object: STRING, recordId: STRING, changes: OBJECT }, ['id', 'type', 'status']) }, ['data']);
const EVENT_ROW = object(
  { id: STRING, type: STRING, status: STRING, httpStatus: nullable(INTEGER), recordId: nullable(STRING), error: nullable(OBJECT), attempts: INTEGER, receivedAt: STRING, updatedAt: STRING },
  ['id', 'type', 'status', 'receivedAt'],
);
const INBOUND = object(
  { hasSecret: BOOLEAN, secretHint: nullable(STRING), rotatedAt: nullable(STRING), path: STRING, signatureHeader: STRING, toleranceSeconds: INTEGER, eventTypes: arrayOf(OBJECT) },
  ['hasSecret', 'path', 'eventTypes'],
);

async function receiver(app: FastifyInstance, store: Store): Promise<void> {
  // The signature covers the bytes sent: keep them beside the parsed body (same JSON rules as elsewhere).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const text = decodeUtf8(body as Buffer);
      raw.set(request, text);
      done(null, text.trim() === '' ? undefined : parseClientJson(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post(
    '/integrations/:tenant/events',
    {
      schema: { params: params('tenant'), body: ENVELOPE, response: replies({ 200: RECEIVED }) },
      config: { public: true, summary: 'Receive a signed ERP/finance event', tags, rateLimit: { max: 600, timeWindow: '1 minute' } },
      // Before schema validation: an unsigned request is 401 whatever it sent.
      preValidation: async (request) => {
        const { tenant } = request.params as { tenant: string };
        const found = /^[a-z][a-z0-9_]{0,62}$/.test(tenant) ? await store.tenants.get(tenant) : undefined;
        const settings = found ? await inboundSettings(await integrationsPort(store, found.name)) : undefined;
        if (!settings?.sealed) throw badSignature('no_secret', 'this tenant receives no signed events (an admin rotates the secret first)');
        verifySignature(request.headers[SIGNATURE_HEADER], raw.get(request) ?? '', unseal(store, settings.sealed, '/integrations/secret'));
      },
    },
    async (request, reply) => {
      const { tenant } = request.params as { tenant: string };
      const e = request.body as Envelope;
      const answer = await receiveEvent(store, tenant, await integrationsPort(store, tenant), e, raw.get(request) ?? '');
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      reply.status(answer.status);
      return answer.body;
    },
  );
}

function toEvent(r: Record<string, unknown>) {
  const result = typeof r.result === 'string' ? (JSON.parse(r.result) as { error?: unknown }) : {};
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : '');
  return {
    id: r.event_id,
    type: r.type,
    status: r.status,
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    recordId: r.record_id ?? null,
    error: (result.error as object | undefined) ?? null,
    attempts: Number(r.attempts),
    receivedAt: iso(r.received_at),
    updatedAt: iso(r.updated_at),
  };
}

export async function inboundRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  await app.register(async (scope) => receiver(scope, store));

  app.get('/integrations/inbound', { schema: { response: replies({ 200: object({ data: INBOUND }, ['data']) }) }, config: { tags } }, async (request) => {
    const access = requireAdmin(request);
    const s = await inboundSettings(await integrationsPort(store, access.tenantName));
    return {
      data: {
        hasSecret: s.hasSecret,
        secretHint: s.secretHint,
        rotatedAt: s.rotatedAt,
        path: `/api/v1/integrations/${access.tenantName}/events`,
        signatureHeader: SIGNATURE_HEADER,
        toleranceSeconds: 300,
        eventTypes: EVENT_TYPES.map((t) => ({ type: t.type, description: t.description, object: t.object, data: t.data })),
      },
    };
  });

  app.post(
    '/integrations/inbound/secret',
    { schema: { body: jsonBody({}), response: replies({ 200: object({ data: object({ secret: STRING, rotatedAt: STRING }, ['secret', 'rotatedAt']) }, ['data']) }) }, config: { tags } },
    async (request) => {
      const access = requireAdmin(request);
      return { data: await rotateInboundSecret(store, await integrationsPort(store, access.tenantName), access.actor) };
    },
  );

  app.get(
    '/integrations/events',
    {
      schema: {
        querystring: query({ status: { type: 'string', enum: ['processed', 'failed', 'processing'] }, limit: { type: 'string', pattern: '^[0-9]{1,4}$' } }),
        response: replies({ 200: object({ data: arrayOf(EVENT_ROW) }, ['data']) }),
      },
      config: { tags },
    },
    async (request) => {
      const access = requireAdmin(request);
      const q = request.query as { status?: string; limit?: string };
      const limit = Math.min(500, Math.max(1, Number(q.limit ?? 100)));
      const port = await integrationsPort(store, access.tenantName);
      let rows = port.table('inbound').orderBy('received_at', 'desc').orderBy('event_id').limit(limit);
      if (q.status) rows = rows.where({ status: q.status });
      return { data: ((await rows) as Array<Record<string, unknown>>).map(toEvent) };
    },
  );
}
