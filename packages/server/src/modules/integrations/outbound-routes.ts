// Admin routes of outbound change events: subscriptions (a URL and the objects whose changes it
// gets; its signing secret shown once), and the dead-letter list: deliveries that used up their
// attempts, with the last error, and their replay (one, or several by id), which sends the same
// body with the same delivery id so the receiver can de-duplicate. Replays are audited.
import type { FastifyInstance } from 'fastify';
import { webhookUrlProblem, workflowFor } from '@attain/workflow';
import { ApiError, notFound } from '../../http/errors.ts';
import { arrayOf, INTEGER, BOOLEAN, nullable, object, params, query, replies, STRING, NO_CONTENT } from '../../http/route-schema.ts';
import type { Store } from '../../store-port.ts';
import { requireAdmin } from './inbound-routes.ts';
import { DELIVER_QUEUE, forgetSubscriptions, objectsOf } from './outbound.ts';
import { integrationsPort, newSecret, seal } from './secrets.ts';
import type { IntegrationsPort } from './tables.ts';

const tags = ['integrations'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SUBSCRIPTION = object({ id: STRING, url: STRING, objects: arrayOf(STRING), active: BOOLEAN, createdAt: STRING }, ['id', 'url', 'objects', 'active']);
const DEAD_LETTER = object(
  {
    id: STRING,
    subscriptionId: STRING,
    url: nullable(STRING),
    eventType: STRING,
    object: STRING,
    recordId: STRING,
    attempts: INTEGER,
    replays: INTEGER,
    error: nullable(STRING),
    createdAt: STRING,
    deadAt: nullable(STRING),
  },
  ['id', 'eventType', 'attempts', 'error'],
);
const REPLAYED = object({ data: object({ replayed: arrayOf(STRING) }, ['replayed']) }, ['data']);
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

function toSubscription(r: Record<string, unknown>) {
  return { id: String(r.id), url: String(r.url), objects: objectsOf(r.objects), active: Boolean(r.active), createdAt: iso(r.created_at) ?? '' };
}

/** Puts dead letters back in the queue, all or none: an id that is not a dead letter refuses the request. */
async function replay(store: Store, port: IntegrationsPort, tenant: string, ids: string[], actor: { userId: string | null }): Promise<string[]> {
  const bad = ids.findIndex((id) => !UUID_RE.test(id));
  if (bad >= 0) throw new ApiError(422, 'not_dead_letter', `ids[${bad}] is not a delivery id`, [{ path: `/ids/${bad}`, rule: 'format', message: 'a delivery id' }]);
  return port.knex.transaction(async (trx) => {
    const rows = (await port.table('delivery', trx).whereIn('id', ids).forUpdate().select('id', 'status', 'replays', 'event_type')) as Array<{
      id: string;
      status: string;
      replays: number;
      event_type: string;
    }>;
    const byId = new Map(rows.map((r) => [r.id.toLowerCase(), r]));
    ids.forEach((id, i) => {
      if (byId.get(id.toLowerCase())?.status !== 'dead')
        throw new ApiError(422, 'not_dead_letter', `ids[${i}] is not a dead letter (unknown, delivered or already replayed)`, [
          { path: `/ids/${i}`, rule: 'dead_letter', message: 'not a dead letter' },
        ]);
    });
    const now = new Date();
    for (const r of rows) {
      const replays = Number(r.replays) + 1;
      await port.table('delivery', trx).where({ id: r.id }).update({ status: 'pending', attempts: 0, replays, dead_at: null, updated_at: now });
      await store.jobs.enqueue({ queue: DELIVER_QUEUE, tenant, key: `${r.id}:${replays}:1`, payload: { tenant, id: r.id } }, trx);
    }
    await port.audit(
      {
        actor,
        action: 'integrations.dead_letter.replay',
        object: 'integration_delivery',
        ...(rows.length === 1 ? { recordId: rows[0]?.id } : {}),
        after: { ids: rows.map((r) => r.id).slice(0, 200), count: rows.length },
      },
      trx,
    );
    return rows.map((r) => r.id);
  });
}

export async function outboundRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.get('/integrations/subscriptions', { schema: { response: replies({ 200: object({ data: arrayOf(SUBSCRIPTION) }, ['data']) }) }, config: { tags } }, async (request) => {
    const access = requireAdmin(request);
    const port = await integrationsPort(store, access.tenantName);
    return { data: ((await port.table('subscription').orderBy('created_at')) as Array<Record<string, unknown>>).map(toSubscription) };
  });

  app.post(
    '/integrations/subscriptions',
    {
      schema: {
        body: {
          type: 'object',
          required: ['url', 'objects'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2000 },
            objects: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 63 } },
          },
        },
        response: replies({ 201: object({ data: object({ ...(SUBSCRIPTION.properties as Record<string, never>), secret: STRING }, ['id', 'url', 'objects', 'secret']) }, ['data']) }),
      },
      config: { tags },
    },
    async (request, reply) => {
      const access = requireAdmin(request);
      const body = request.body as { url: string; objects: string[] };
      body.objects.forEach((o, i) => {
        if (!access.registry.object(o)) throw new ApiError(422, 'unknown_object', `there is no object "${o.slice(0, 63)}"`, [{ path: `/objects/${i}`, rule: 'exists', message: 'no such object' }]);
      });
      // The send-time SSRF guard's rules, said now (the workflow's allowed hosts apply).
      const wf = workflowFor(store);
      const t = await wf.tenant(access.tenantName);
      const problem = await webhookUrlProblem(body.url, '/url', wf.core.outbound(await wf.core.settings(t.knex, t)).allowHosts);
      if (problem)
        throw new ApiError(422, problem.rule === 'ssrf_blocked' ? 'ssrf_blocked' : 'invalid_url', `/url: ${problem.message}`, [{ path: problem.path, rule: problem.rule, message: problem.message }]);
      const port = await integrationsPort(store, access.tenantName);
      const secret = newSecret();
      const row = {
        id: crypto.randomUUID(),
        url: body.url,
        objects: JSON.stringify(body.objects),
        secret: seal(store, secret),
        active: true,
        created_by: access.principal.userId,
        created_at: new Date(),
      };
      await port.knex.transaction(async (trx) => {
        await port.table('subscription', trx).insert(row);
        await port.audit(
          { actor: access.actor, action: 'integrations.subscription.create', object: 'integration_subscription', recordId: row.id, after: { url: body.url, objects: body.objects } },
          trx,
        );
      });
      forgetSubscriptions(store, access.tenantName);
      reply.status(201);
      return { data: { ...toSubscription({ ...row, objects: body.objects }), secret } };
    },
  );

  app.delete('/integrations/subscriptions/:id', { schema: { params: params('id'), response: replies({ 204: NO_CONTENT }) }, config: { tags } }, async (request, reply) => {
    const access = requireAdmin(request);
    const { id } = request.params as { id: string };
    const port = await integrationsPort(store, access.tenantName);
    const found = UUID_RE.test(id) ? ((await port.table('subscription').where({ id }).first()) as Record<string, unknown> | undefined) : undefined;
    if (!found) throw notFound(`no subscription ${JSON.stringify(id.slice(0, 100))}`);
    await port.knex.transaction(async (trx) => {
      await port.table('subscription', trx).where({ id }).update({ active: false });
      await port.audit({ actor: access.actor, action: 'integrations.subscription.delete', object: 'integration_subscription', recordId: id, before: { url: found.url } }, trx);
    });
    forgetSubscriptions(store, access.tenantName);
    reply.status(204).send();
  });

  app.get(
    '/integrations/dead-letters',
    { schema: { querystring: query({ limit: { type: 'string', pattern: '^[0-9]{1,4}$' } }), response: replies({ 200: object({ data: arrayOf(DEAD_LETTER) }, ['data']) }) }, config: { tags } },
    async (request) => {
      const access = requireAdmin(request);
      const limit = Math.min(500, Math.max(1, Number((request.query as { limit?: string }).limit ?? 200)));
      const port = await integrationsPort(store, access.tenantName);
      const rows = (await port.table('delivery').where({ status: 'dead' }).orderBy('dead_at', 'desc').orderBy('id').limit(limit)) as Array<Record<string, unknown>>;
      const urls = new Map(((await port.table('subscription').select('id', 'url')) as Array<{ id: string; url: string }>).map((s) => [s.id, s.url]));
      return {
        data: rows.map((r) => ({
          id: String(r.id),
          subscriptionId: String(r.subscription_id),
          url: urls.get(String(r.subscription_id)) ?? null,
          eventType: String(r.event_type),
          object: String(r.object),
          recordId: String(r.record_id),
          attempts: Number(r.attempts),
          replays: Number(r.replays),
          error: (r.last_error as string | null) ?? null,
          createdAt: iso(r.created_at) ?? '',
          deadAt: iso(r.dead_at),
        })),
      };
    },
  );

  app.post('/integrations/dead-letters/:id/replay', { schema: { params: params('id'), body: { type: 'object' }, response: replies({ 200: REPLAYED }) }, config: { tags } }, async (request) => {
    const access = requireAdmin(request);
    const { id } = request.params as { id: string };
    const port = await integrationsPort(store, access.tenantName);
    const found = UUID_RE.test(id) ? await port.table('delivery').where({ id, status: 'dead' }).first('id') : undefined;
    if (!found) throw notFound(`no dead letter ${JSON.stringify(id.slice(0, 100))}`);
    return { data: { replayed: await replay(store, port, access.tenantName, [id], access.actor) } };
  });

  app.post(
    '/integrations/dead-letters/replay',
    {
      schema: {
        body: {
          type: 'object',
          required: ['ids'],
          additionalProperties: false,
          properties: { ids: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'string', maxLength: 100 } } },
        },
        response: replies({ 200: REPLAYED }),
      },
      config: { tags },
    },
    async (request) => {
      const access = requireAdmin(request);
      const port = await integrationsPort(store, access.tenantName);
      return { data: { replayed: await replay(store, port, access.tenantName, (request.body as { ids: string[] }).ids, access.actor) } };
    },
  );
}
