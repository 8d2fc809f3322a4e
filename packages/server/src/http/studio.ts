import { sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

// The studio's own policy: scripts and styles from itself only, no eval. API responses keep the
// server's stricter `default-src 'none'`.
export const STUDIO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Vite names every file under assets/ by its content hash: a new build gets new names. */
export const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current hashed files, so a browser must revalidate it on every load. */
export const INDEX_CACHE = 'no-cache';

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/graphql' || url.startsWith('/graphql?') || url === '/healthz' || url === '/metrics';
}

function sendIndex(reply: FastifyReply) {
  return reply.type('text/html').header('cache-control', INDEX_CACHE).sendFile('index.html');
}

/**
 * Serves the built studio (a single-page app) from `distDir`: its assets, and index.html for every
 * other GET outside the API, so deep links work. The build writes a `.br` and a `.gz` beside each
 * text file (studio/vite.config.ts); `preCompressed` sends the one the browser accepts, with its
 * `Content-Encoding` and `Vary: Accept-Encoding`, so nothing is compressed per request.
 */
export async function registerStudio(app: FastifyInstance, distDir: string): Promise<void> {
  const assetsDir = `${distDir.replace(/[\\/]+$/, '')}${sep}assets${sep}`;
  await app.register(async (web) => {
    web.addHook('onSend', async (request, reply) => {
      if (!isApiPath(request.url)) reply.header('content-security-policy', STUDIO_CSP);
    });
    await web.register(fastifyStatic, {
      root: distDir,
      wildcard: false,
      index: false,
      preCompressed: true,
      // Our own header below replaces send's `max-age=0`.
      cacheControl: false,
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.startsWith(assetsDir) ? HASHED_ASSET_CACHE : INDEX_CACHE);
      },
    });
    web.get('/*', async (request, reply) => {
      if (isApiPath(request.url)) {
        return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [] } });
      }
      return sendIndex(reply);
    });
    web.get('/', async (_request, reply) => sendIndex(reply));
  });
}
