// Tenant plugins (issue #13 item 5): admins install first-party plugins from the `plugins/` folder
// (bundled here) or a prebundled {manifest, code}, consent to what they ask for, configure,
// enable/disable, roll back and uninstall. Validation and rules are the plugins service's; this
// file only maps HTTP to it. It is the one place plugins join the HTTP API.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { bundlePlugin, MANIFEST_FILE, type PluginRuntime } from '@attain/plugins';
import { StoreError } from '@attain/store';
import { ApiError, forbidden } from '../http/errors.ts';
import { ANY, list, NO_BODY, NO_CONTENT, nullable, object, OBJECT, replies, STRING } from '../http/route-schema.ts';
import { isAdmin } from '../rbac/permissions.ts';
import { requireAccess } from './request-access.ts';

const NAME = '^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$';
const params = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: NAME, maxLength: 64 } }, additionalProperties: false } as const;
const config = (summary: string) => ({ summary, tags: ['plugins'] });
// A plugin's view (versions, consent, settings) is the plugins service's shape; the envelope is ours.
const ONE = replies({ 200: object({ data: OBJECT }, ['data']) });
// `description` is localized text ({en, zh-CN}); `attain` is the manifest's own block.
const CATALOG_ENTRY = object({ package: STRING, name: STRING, version: STRING, description: nullable(OBJECT), attain: ANY }, ['package', 'name', 'version']);

function admin(request: Parameters<typeof requireAccess>[0]) {
  const access = requireAccess(request);
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may manage plugins');
  return access;
}

/** First-party plugins: folders of `dir` holding a manifest. */
async function catalog(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const out: string[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const files = await readdir(join(dir, e.name));
      if (files.includes(MANIFEST_FILE)) out.push(e.name);
    }
    return out.sort();
  } catch {
    return [];
  }
}

export async function pluginRoutes(app: FastifyInstance, opts: { runtime: PluginRuntime; pluginsDir: string }): Promise<void> {
  const service = opts.runtime.service;

  app.get('/plugins', { config: config("List the tenant's plugins"), schema: { response: replies({ 200: list() }) } }, async (request) => {
    const access = admin(request);
    return { data: await service.list(access.tenantName) };
  });

  app.get('/plugins/catalog', { config: config('First-party plugins that can be installed'), schema: { response: replies({ 200: list(CATALOG_ENTRY) }) } }, async (request) => {
    admin(request);
    const names = await catalog(opts.pluginsDir);
    const data = [];
    for (const name of names) {
      try {
        const p = await bundlePlugin(join(opts.pluginsDir, name));
        data.push({ package: name, name: p.manifest.name, version: p.manifest.version, description: p.manifest.description ?? null, attain: p.manifest.attain ?? null });
      } catch {
        // a broken folder is left out of the catalog; installing it names the problem
      }
    }
    return { data };
  });

  app.post(
    '/plugins',
    {
      config: config('Install or upgrade a plugin'),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            package: { type: 'string', pattern: NAME, maxLength: 64, description: 'a first-party plugin folder under plugins/' },
            manifest: { type: 'object', description: 'a prebundled plugin: its manifest' },
            code: { type: 'string', maxLength: 2_097_152, description: 'a prebundled plugin: its bundled script' },
            consent: { type: 'boolean', description: 'the admin accepts every capability the plugin asks for' },
          },
        },
        response: replies({ 201: object({ data: OBJECT }, ['data']) }),
      },
    },
    async (request, reply) => {
      const access = admin(request);
      const body = (request.body ?? {}) as { package?: string; manifest?: unknown; code?: string; consent?: boolean };
      let plugin;
      if (body.package !== undefined) {
        if (!(await catalog(opts.pluginsDir)).includes(body.package))
          throw new ApiError(404, 'not_found', `no first-party plugin "${body.package}"`, [{ path: '/package', rule: 'catalog', message: 'not in the plugins folder' }]);
        plugin = await bundlePlugin(join(opts.pluginsDir, body.package));
      } else if (body.manifest !== undefined && typeof body.code === 'string') {
        plugin = { manifest: body.manifest as never, code: body.code };
      } else {
        throw new StoreError('validation_failed', 'send a package name, or a manifest and its bundled code', [{ path: '/package', rule: 'required', message: 'package or manifest+code' }]);
      }
      const view = await service.install(access.tenantName, plugin, access.actor, { consent: body.consent === true });
      return reply.status(201).send({ data: view });
    },
  );

  app.get('/plugins/:name', { config: config('One plugin'), schema: { params, response: ONE } }, async (request) => {
    const access = admin(request);
    return { data: await service.get(access.tenantName, (request.params as { name: string }).name) };
  });

  app.post('/plugins/:name/consent', { config: config('Accept the capabilities a plugin version asks for'), schema: { params, body: NO_BODY, response: ONE } }, async (request) => {
    const access = admin(request);
    return { data: await service.consent(access.tenantName, (request.params as { name: string }).name, access.actor) };
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(`/plugins/:name/${action}`, { config: config(`${action === 'enable' ? 'Enable' : 'Disable'} a plugin`), schema: { params, body: NO_BODY, response: ONE } }, async (request) => {
      const access = admin(request);
      return { data: await service.setEnabled(access.tenantName, (request.params as { name: string }).name, enabled, access.actor) };
    });
  }

  app.post('/plugins/:name/rollback', { config: config('Go back to the version before the last upgrade'), schema: { params, body: NO_BODY, response: ONE } }, async (request) => {
    const access = admin(request);
    return { data: await service.rollback(access.tenantName, (request.params as { name: string }).name, access.actor) };
  });

  app.put(
    '/plugins/:name/settings',
    {
      config: config('Save a plugin\'s settings (secrets sent as "••••" keep their value)'),
      schema: { params, body: { type: 'object', required: ['settings'], additionalProperties: false, properties: { settings: { type: 'object' } } }, response: ONE },
    },
    async (request) => {
      const access = admin(request);
      return { data: await service.configure(access.tenantName, (request.params as { name: string }).name, (request.body as { settings: unknown }).settings, access.actor) };
    },
  );

  app.delete('/plugins/:name', { config: config('Uninstall a plugin (its versions and settings go)'), schema: { params, response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = admin(request);
    await service.uninstall(access.tenantName, (request.params as { name: string }).name, access.actor);
    return reply.status(204).send();
  });
}
