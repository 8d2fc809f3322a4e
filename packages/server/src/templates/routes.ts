// /api/v1/templates: the gallery and a tenant's installed templates (admin role), and
// /api/v1/operator/templates/:name/tenants (operator token) to create a tenant from a template.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashPassword } from '../auth/password.ts';
import { badRequest, forbidden, unauthorized } from '../http/errors.ts';
import { isAdmin } from '../rbac/permissions.ts';
import type { AccessContext } from '../rbac/context.ts';
import { authorized, tenantBody } from '../rest/operator-routes.ts';
import { requireAccess } from '../rest/request-access.ts';
import type { Store } from '../store-port.ts';
import { refuse } from './errors.ts';
import { exportTemplate } from './export.ts';
import { installed, installations } from './installed.ts';
import { listTemplateDirs, manifestProblems, readTemplateDir, SHIPPED_TEMPLATES_DIR, type TemplatePackage } from './manifest.ts';
import type { Resolutions } from './merge3.ts';
import { TEMPLATE_SCHEMAS as S } from './route-schemas.ts';
import { acceptUpgrade, installInto, installNew, planUpgrade, rollbackUpgrade, uninstall } from './service.ts';

function requireAdmin(request: FastifyRequest): AccessContext {
  const access = requireAccess(request);
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin role may install or upgrade templates');
  return access;
}

const body = (request: FastifyRequest): Record<string, unknown> => {
  const b = request.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid_body', 'the body must be a JSON object');
  return b as Record<string, unknown>;
};

/** The package named in the URL: sent in the body as `package` ({manifest, documents, data}), else the shipped one. */
async function packageOf(name: string, b: Record<string, unknown>): Promise<TemplatePackage> {
  if (b.package !== undefined) {
    const p = b.package as Partial<TemplatePackage> | null;
    if (!p || typeof p !== 'object') refuse('invalid_body', [{ path: '/package', rule: 'type', message: 'must be {manifest, documents, data}' }], 400);
    const problems = manifestProblems(p.manifest, '/package/manifest');
    if (!Array.isArray(p.documents)) problems.push({ path: '/package/documents', rule: 'type', message: 'must be an array of metadata documents' });
    if (p.data !== undefined && (typeof p.data !== 'object' || p.data === null || Array.isArray(p.data))) problems.push({ path: '/package/data', rule: 'type', message: 'must be an object' });
    if (problems.length) refuse('template_invalid', problems);
    if (p.manifest!.name !== name) refuse('template_invalid', [{ path: '/package/manifest/name', rule: 'const', message: `must be "${name}" (the URL's template)` }]);
    return { manifest: p.manifest!, documents: p.documents!, data: p.data ?? {} };
  }
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(name)) refuse('template_not_found', [{ path: '/name', rule: 'exists', message: 'no such template' }], 404);
  return readTemplateDir(join(SHIPPED_TEMPLATES_DIR, name));
}

function resolutionsOf(b: Record<string, unknown>): Resolutions {
  const r = b.resolutions ?? {};
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw badRequest('invalid_body', '"resolutions" maps conflict paths to "ours" or "theirs"', [{ path: '/resolutions', rule: 'type', message: 'must be an object' }]);
  return r as Resolutions;
}

export async function templateRoutes(app: FastifyInstance, opts: { store: Store; operatorToken?: () => string | undefined }): Promise<void> {
  const { store } = opts;
  const operatorToken = opts.operatorToken ?? (() => process.env.ATTAIN_OPERATOR_TOKEN || undefined);

  app.get('/templates', { schema: S.gallery }, async (request) => {
    const access = requireAdmin(request);
    const mine = await installed(store, access.tenantName);
    const gallery = await listTemplateDirs();
    return {
      data: gallery.map(({ manifest: m }) => ({
        name: m.name,
        version: m.version,
        label: m.label,
        description: m.description ?? null,
        industry: m.industry ?? null,
        requires: m.requires ?? {},
        installed: mine.find((i) => i.name === m.name)?.version ?? null,
        // Only an upgrade can be rolled back (to the version before it).
        canRollBack: mine.find((i) => i.name === m.name)?.action === 'upgrade',
      })),
      installed: mine.map((i) => ({ name: i.name, version: i.version, action: i.action, revision: i.revision, at: i.at })),
    };
  });

  app.get('/templates/export', { schema: S.export }, async (request) => {
    const access = requireAdmin(request);
    const q = request.query as { name?: unknown; version?: unknown; records?: unknown };
    const records = typeof q.records === 'string' && q.records ? q.records.split(',') : [];
    return exportTemplate(store, access.tenantName, { ...(typeof q.name === 'string' ? { name: q.name } : {}), ...(typeof q.version === 'string' ? { version: q.version } : {}), records });
  });

  app.get('/templates/:name', { schema: S.show }, async (request) => {
    requireAdmin(request);
    const pkg = await packageOf((request.params as { name: string }).name, {});
    return { manifest: pkg.manifest, documents: pkg.documents, data: pkg.data };
  });

  app.get('/templates/:name/history', { schema: S.history }, async (request) => {
    const access = requireAdmin(request);
    const rows = await installations(store, access.tenantName, (request.params as { name: string }).name);
    return { data: rows.map(({ docs: _docs, manifest: _m, ...r }) => r) };
  });

  app.post('/templates/:name/install', { schema: S.install }, async (request) => {
    const access = requireAdmin(request);
    const b = body(request);
    const pkg = await packageOf((request.params as { name: string }).name, b);
    return installInto(store, access.tenantName, pkg, access.actor, { accept: b.accept === true, data: b.data !== false });
  });

  app.post('/templates/:name/upgrade/plan', { schema: S.plan }, async (request) => {
    const access = requireAdmin(request);
    const b = body(request);
    return planUpgrade(store, access.tenantName, await packageOf((request.params as { name: string }).name, b), resolutionsOf(b));
  });

  app.post('/templates/:name/upgrade', { schema: S.upgrade }, async (request) => {
    const access = requireAdmin(request);
    const b = body(request);
    const pkg = await packageOf((request.params as { name: string }).name, b);
    return acceptUpgrade(store, access.tenantName, pkg, access.actor, { resolutions: resolutionsOf(b), ...(typeof b.hash === 'string' ? { hash: b.hash } : {}) });
  });

  app.post('/templates/:name/rollback', { schema: S.rollback }, async (request) => {
    const access = requireAdmin(request);
    return rollbackUpgrade(store, access.tenantName, (request.params as { name: string }).name, access.actor);
  });

  app.post('/templates/:name/uninstall', { schema: S.uninstall }, async (request) => {
    const access = requireAdmin(request);
    return uninstall(store, access.tenantName, (request.params as { name: string }).name, access.actor, { accept: body(request).accept === true });
  });

  // A new tenant from a template, with its first admin: the operator's door, like POST /operator/tenants.
  app.post('/operator/templates/:name/tenants', { schema: S.newTenant, config: { public: true, rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    const token = operatorToken();
    if (!token) return reply.status(404).send({ error: { code: 'not_found', message: 'no such route', details: [] } });
    if (!authorized(request, token)) throw unauthorized('a valid operator token is required', 'invalid_operator_token');
    const b = body(request);
    const { package: sent, data, ...tenant } = b;
    const t = tenantBody(tenant);
    const pkg = await packageOf((request.params as { name: string }).name, sent === undefined ? {} : { package: sent });
    const password = randomBytes(18).toString('base64url');
    const result = await installNew(
      store,
      pkg,
      { name: t.name, ...(t.label ? { label: t.label } : {}), admin: { email: t.adminEmail, ...(t.adminName ? { name: t.adminName } : {}), passwordHash: await hashPassword(password) } },
      { data: data !== false },
    );
    reply.header('cache-control', 'no-store');
    return reply.status(201).send({ ...result, admin: { ...result.admin, password } });
  });
}
