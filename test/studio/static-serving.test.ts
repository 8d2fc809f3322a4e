import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer, registerStudio } from '@attain/server';
import { openTestStore } from '@attain/store';
import { precompressDir } from '../../studio/scripts/precompress.ts';

// The studio's files as a browser gets them: the compressed copy the build wrote, with its
// Content-Encoding; hashed assets cached for a year, index.html revalidated on every load.
let app: FastifyInstance;
let dist: string;
const js = `export const greeting = ${JSON.stringify('hello '.repeat(2000))};\n`;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'attain-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), `<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body>${'<div></div>'.repeat(200)}</body></html>`);
  writeFileSync(join(dist, 'assets', 'index-Ab12Cd34.js'), js);
  writeFileSync(join(dist, 'assets', 'index-Ef56Gh78.css'), `body{color:red}\n${'.a{margin:0}\n'.repeat(300)}`);
  writeFileSync(join(dist, 'assets', 'logo-Zz99Yy88.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  const written = precompressDir(dist);
  expect(written.files).toBe(3);
  app = await buildServer({ store: await openTestStore(), jwtSecret: 's'.repeat(40), loginRateLimit: { max: 100, timeWindow: '1 minute' } });
  await registerStudio(app, dist);
});
afterAll(async () => {
  await app.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('studio static files', () => {
  it('sends brotli when the browser accepts it, gzip otherwise, identity when it asks for neither', async () => {
    const br = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(js);
    expect(br.rawPayload.length).toBeLessThan(js.length / 10);
    const gz = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(js);
    const plain = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(js);
    const css = await app.inject({ method: 'GET', url: '/assets/index-Ef56Gh78.css', headers: { 'accept-encoding': 'br' } });
    expect(css.headers['content-encoding']).toBe('br');
    expect(css.headers['content-type']).toMatch(/text\/css/);
  });

  it('caches hashed assets for a year as immutable and makes index.html revalidate', async () => {
    for (const url of ['/assets/index-Ab12Cd34.js', '/assets/index-Ef56Gh78.css', '/assets/logo-Zz99Yy88.png']) {
      const res = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
    }
    for (const url of ['/', '/index.html', '/o/customer/123']) {
      const res = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['content-encoding'], url).toBe('br');
      expect(brotliDecompressSync(res.rawPayload).toString()).toContain('/assets/index-Ab12Cd34.js');
    }
  });

  it('gives a client that accepts no encoding the plain file, and API 404s stay JSON', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: {} });
    expect(res.headers['content-encoding']).toBeUndefined();
    const api = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(api.statusCode).toBe(404);
  });
});
