// The operator API: whoever runs the installation creates tenants with their first admin.
// Authenticated by the operator token in ATTAIN_OPERATOR_TOKEN (not by a tenant user); without
// that variable the routes do not exist (404).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { provisionProblems, provisionTenant } from '@attain/store';
import { hashPassword } from '../auth/password.ts';
import { ApiError, unauthorized, type ErrorDetail } from '../http/errors.ts';
import type { Store } from '../store-port.ts';
import { INTEGER, jsonBody, nullable, object, replies, STRING } from '../http/route-schema.ts';

export interface OperatorRouteOptions {
  store: Store;
  /** Read on every request, so the token can be set or rotated without rebuilding the server. */
  operatorToken?: () => string | undefined;
}

const FIELDS = new Set(['name', 'adminEmail', 'adminName', 'label', 'baseCurrency', 'timeZone']);
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function authorized(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  // Equal-length digests: the comparison takes the same time whatever was sent.
  return given !== '' && timingSafeEqual(digest(given), digest(token));
}

export function tenantBody(value: unknown): { name: string; adminEmail: string; adminName?: string; label?: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'invalid_body', 'the body must be a JSON object');
  const b = value as Record<string, unknown>;
  const problems: ErrorDetail[] = Object.keys(b)
    .filter((k) => !FIELDS.has(k))
    .map((k) => ({ path: `/${k.slice(0, 64)}`, rule: 'additionalProperties', message: `unknown field; send ${[...FIELDS].join(', ')}` }));
  problems.push(...provisionProblems({ name: b.name, adminEmail: b.adminEmail, adminName: b.adminName }));
  if (b.label !== undefined && (typeof b.label !== 'string' || b.label.length > 200)) problems.push({ path: '/label', rule: 'type', message: 'must be text of at most 200 characters' });
  // Checked so a mistake is caught now; the tenant's currency and calendar are configured later.
  if (b.baseCurrency !== undefined && (typeof b.baseCurrency !== 'string' || !/^[A-Z]{3}$/.test(b.baseCurrency)))
    problems.push({ path: '/baseCurrency', rule: 'format', message: 'must be an ISO 4217 code such as USD or CNY' });
  if (b.timeZone !== undefined && (typeof b.timeZone !== 'string' || !(b.timeZone === 'UTC' || Intl.supportedValuesOf('timeZone').includes(b.timeZone))))
    problems.push({ path: '/timeZone', rule: 'enum', message: 'must be an IANA time zone such as Asia/Shanghai' });
  if (problems.length) throw new ApiError(422, 'validation_failed', problems[0]?.message ?? 'invalid tenant', problems);
  return {
    name: b.name as string,
    adminEmail: b.adminEmail as string,
    ...(typeof b.adminName === 'string' ? { adminName: b.adminName } : {}),
    ...(typeof b.label === 'string' ? { label: b.label } : {}),
  };
}

export async function operatorRoutes(app: FastifyInstance, opts: OperatorRouteOptions): Promise<void> {
  const { store } = opts;
  const operatorToken = opts.operatorToken ?? (() => process.env.ATTAIN_OPERATOR_TOKEN || undefined);

  app.post(
    '/operator/tenants',
    {
      schema: {
        body: jsonBody({ name: STRING, adminEmail: STRING, adminName: STRING, label: STRING, baseCurrency: STRING, timeZone: STRING }),
        response: replies({
          201: object({ tenant: object({ id: STRING, name: STRING, label: nullable(STRING), revision: INTEGER }), admin: object({ password: STRING }, ['password']) }, ['tenant', 'admin']),
        }),
      },
      config: { public: true, rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const token = operatorToken();
      if (!token) return reply.status(404).send({ error: { code: 'not_found', message: 'no route POST /api/v1/operator/tenants', details: [] } });
      if (!authorized(request, token)) throw unauthorized('a valid operator token is required', 'invalid_operator_token');
      const body = tenantBody(request.body);
      const password = randomBytes(18).toString('base64url');
      const result = await provisionTenant(store, {
        name: body.name,
        ...(body.label ? { label: body.label } : {}),
        admin: { email: body.adminEmail, ...(body.adminName ? { name: body.adminName } : {}), passwordHash: await hashPassword(password) },
      });
      // The password is in this answer only: it must not be cached anywhere on the way.
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({
        tenant: { id: result.tenant.id, name: result.tenant.name, label: result.tenant.label ?? null, revision: result.revision },
        admin: { ...result.admin, password },
      });
    },
  );
}
