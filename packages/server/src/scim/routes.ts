// The SCIM 2.0 service provider (RFC 7643/7644) under /api/v1/scim/v2: its own media type,
// SCIM error bodies, and only API tokens limited to the `scim` scope.
import type { FastifyInstance } from 'fastify';
import { parseClientJson } from '../http/json.ts';
import { decodeUtf8 } from '../http/text-guard.ts';
import { bulkRoute } from './bulk.ts';
import { baseUrl, scimAccess, SCIM_PREFIX } from './context.ts';
import { listResponse, resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { ScimError, SCIM_CONTENT_TYPE, useScimErrors } from './errors.ts';
import { scimGroupRoutes } from './groups-routes.ts';
import { scimUserRoutes } from './users-routes.ts';
import { SCIM_SCHEMAS as S } from './route-schemas.ts';

async function discoveryRoutes(app: FastifyInstance): Promise<void> {
  app.get('/ServiceProviderConfig', { schema: S.one }, async (request) => {
    scimAccess(request);
    return serviceProviderConfig(baseUrl(request));
  });
  app.get('/ResourceTypes', { schema: S.list }, async (request) => {
    scimAccess(request);
    const all = resourceTypes(baseUrl(request));
    return listResponse(all, all.length, 1);
  });
  app.get('/ResourceTypes/:id', { schema: S.one }, async (request) => {
    scimAccess(request);
    const found = resourceTypes(baseUrl(request)).find((r) => r.id === (request.params as { id: string }).id);
    if (!found) throw new ScimError(404, undefined, 'no such resource type');
    return found;
  });
  app.get('/Schemas', { schema: S.list }, async (request) => {
    scimAccess(request);
    const all = schemas(baseUrl(request));
    return listResponse(all, all.length, 1);
  });
  app.get('/Schemas/:id', { schema: S.one }, async (request) => {
    scimAccess(request);
    const found = schemas(baseUrl(request)).find((r) => r.id === (request.params as { id: string }).id);
    if (!found) throw new ScimError(404, undefined, 'no such schema');
    return found;
  });
}

/** The module's routes (registered under /api/v1, after authentication). */
export async function scimRoutes(app: FastifyInstance): Promise<void> {
  await app.register(
    async (scim) => {
      // Every route here belongs to the scim token scope; the authentication hook checks it.
      scim.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), tokenScope: 'scim' };
      });
      // The same parser as application/json: poisoning keys refused, invalid UTF-8 refused.
      scim.addContentTypeParser('application/scim+json', { parseAs: 'buffer' }, (_request, raw, done) => {
        try {
          const text = decodeUtf8(raw as Buffer);
          done(null, text.trim() === '' ? undefined : parseClientJson(text));
        } catch (error) {
          done(error as Error, undefined);
        }
      });
      useScimErrors(scim);
      scim.addHook('onSend', async (_request, reply, payload) => {
        if (reply.statusCode !== 204) reply.header('content-type', SCIM_CONTENT_TYPE);
        return payload;
      });
      await scim.register(discoveryRoutes);
      await scim.register(scimUserRoutes);
      await scim.register(scimGroupRoutes);
      await scim.register(bulkRoute);
    },
    { prefix: SCIM_PREFIX },
  );
}
