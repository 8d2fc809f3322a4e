import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

// The studio's own policy: scripts and styles from itself only, no eval. API responses keep the
// server's stricter `default-src 'none'`.
export const STUDIO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/graphql' || url.startsWith('/graphql?') || url === '/healthz' || url === '/metrics';
}

/**
 * Serves the built studio (a single-page app) from `distDir`: its assets, and index.html for every
 * other GET outside the API, so deep links work.
 */
export async function registerStudio(app: FastifyInstance, distDir: string): Promise<void> {
  await app.register(async (web) => {
    web.addHook('onSend', async (request, reply) => {
      if (!isApiPath(request.url)) reply.header('content-security-policy', STUDIO_CSP);
    });
    await web.register(fastifyStatic, { root: distDir, wildcard: false, index: false });
    web.get('/*', async (request, reply) => {
      if (isApiPath(request.url)) {
        return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [] } });
      }
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    });
    web.get('/', async (_request, reply) => reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html'));
  });
}
