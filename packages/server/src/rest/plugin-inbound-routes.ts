// Vendor callbacks into a tenant's plugin (Feishu event subscriptions, DingTalk and WeCom
// encrypted callbacks) and an admin's "run this job now". The callback route is public: the
// vendor is authenticated by its signature, which the plugins package checks with the settings
// the tenant saved (never by a user session). Unknown tenant or plugin → 404; a bad signature →
// 401 `inbound_signature`; a body that does not decrypt or parse → 400 `inbound_payload`.
import type { FastifyInstance } from 'fastify';
import { InboundRefused, receiveInbound, type PluginRuntime } from '@attain/plugins';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import { ANY, BOOLEAN, NO_BODY, object, replies, STRING } from '../http/route-schema.ts';
import { isAdmin } from '../rbac/permissions.ts';
import { requireAccess } from './request-access.ts';

const NAME = '^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$';
const TENANT = '^[a-z][a-z0-9_]{0,62}$';
const INBOUND_PARAMS = {
  type: 'object',
  required: ['tenant', 'plugin'],
  properties: { tenant: { type: 'string', pattern: TENANT, maxLength: 63 }, plugin: { type: 'string', pattern: NAME, maxLength: 64 } },
  additionalProperties: false,
} as const;
const QUERY = {
  type: 'object',
  properties: { msg_signature: STRING, signature: STRING, timestamp: STRING, timeStamp: STRING, nonce: STRING, echostr: STRING },
  additionalProperties: { type: 'string', maxLength: 2000 },
};
// The vendor's own answer: Feishu's challenge, DingTalk's encrypted "success", WeCom's echo (text).
const ANSWER = { 200: { description: "The vendor's expected answer (JSON or text)", ...ANY } };
const BODY_LIMIT = 1024 * 1024;

function refusal(error: unknown): never {
  if (error instanceof InboundRefused) {
    if (error.code === 'bad_signature') throw new ApiError(401, 'inbound_signature', error.message, [{ path: '/signature', rule: 'signature', message: error.message }]);
    throw new ApiError(400, 'inbound_payload', error.message, [{ path: '/body', rule: 'payload', message: error.message }]);
  }
  throw error;
}

export async function pluginInboundRoutes(app: FastifyInstance, opts: { runtime: PluginRuntime }): Promise<void> {
  const { runtime } = opts;

  await app.register(async (inbound) => {
    // The raw text of any body: signatures are over its exact bytes, and WeCom sends XML.
    inbound.removeAllContentTypeParsers();
    inbound.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    const handler = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      const { tenant, plugin } = request.params as { tenant: string; plugin: string };
      try {
        const answer = await receiveInbound(runtime, tenant, plugin, {
          method: request.method,
          query: request.query as Record<string, unknown>,
          headers: request.headers as Record<string, unknown>,
          body: typeof request.body === 'string' ? request.body : '',
        });
        return reply.status(answer.status).type(answer.contentType).send(answer.body);
      } catch (error) {
        return refusal(error);
      }
    };
    const config = { public: true, summary: "Receive a vendor's event callback for a tenant's plugin", tags: ['plugins'] };
    const schema = { params: INBOUND_PARAMS, querystring: QUERY, response: replies(ANSWER) };
    inbound.get('/inbound/:tenant/:plugin', { config, schema }, handler);
    inbound.post('/inbound/:tenant/:plugin', { config, schema: { ...schema, body: { type: 'string', maxLength: BODY_LIMIT } }, bodyLimit: BODY_LIMIT }, handler);
  });

  app.post(
    '/plugins/:name/jobs/:job/run',
    {
      config: { summary: "Run one of a plugin's scheduled jobs now (e.g. an org sync)", tags: ['plugins'] },
      schema: {
        params: {
          type: 'object',
          required: ['name', 'job'],
          properties: { name: { type: 'string', pattern: NAME, maxLength: 64 }, job: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } },
          additionalProperties: false,
        },
        body: NO_BODY,
        response: replies({ 202: object({ data: object({ queued: BOOLEAN }, ['queued']) }, ['data']) }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      if (!isAdmin(access.principal.role)) throw forbidden('only an admin may run plugin jobs');
      const { name, job } = request.params as { name: string; job: string };
      if (!(await runtime.runJobNow(access.tenantName, name, job))) throw notFound(`no enabled plugin "${name}" with a job "${job}"`);
      return reply.status(202).send({ data: { queued: true } });
    },
  );
}
