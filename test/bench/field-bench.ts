// Field sales on PostgreSQL, over a real socket as a phone would send (issue #17):
// (1) photo uploads: 2 MB JPEGs, each checked on its bytes, EXIF read, a thumbnail made and both
//     stored on disk — photos/s one at a time and four at a time, p50/p95 per upload, beside the
//     same bytes POSTed to a bare route of the same server (the anchor: transfer and parsing);
// (2) offline sync: 200 visits queued on a phone (check-in and check-out each, device times over
//     the day) sent the way the studio's outbox sends them, one request at a time — total seconds
//     and per visit; then the whole outbox sent again (answers that never arrived), which must
//     change nothing.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetadataDir } from '@attain/meta/node';
import { createDatabase, createStore } from '@attain/store';
import { buildServer, DiskFileStore, hashPassword } from '@attain/server';
import sharp from 'sharp';
import { ROOT, freshDatabase, round } from './util.ts';

const PHOTOS = Number(process.env.BENCH_FIELD_PHOTOS ?? 40);
const VISITS = Number(process.env.BENCH_FIELD_VISITS ?? 200);
const SHOP = { lat: 31.2304, lng: 121.4737 };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

/** A photo-like JPEG of about 2 MB: noise does not compress, as a real photo barely does. */
async function twoMegabytePhoto(): Promise<Buffer> {
  let side = 1100;
  for (;;) {
    const jpeg = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    if (jpeg.byteLength >= 2_000_000 || side > 4000) return jpeg;
    side = Math.ceil(side * Math.sqrt(2_050_000 / jpeg.byteLength));
  }
}

export async function benchField(): Promise<Record<string, unknown>> {
  const db = await createDatabase({ databaseUrl: await freshDatabase('attain_bench_field') });
  const store = await createStore(db);
  const dir = await mkdtemp(join(tmpdir(), 'attain-bench-files-'));
  const app = await buildServer({
    store,
    jwtSecret: 'f'.repeat(40),
    logger: false,
    loginRateLimit: { max: 1000, timeWindow: '1 minute' },
    sso: { defaultTotpRoles: [] },
    files: { store: new DiskFileStore(dir) },
  });
  // The anchor: the same bytes to a route that reads and drops them.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.post('/bench/sink', { config: { public: true } }, async (request) => ({ bytes: (request.body as Buffer).byteLength }));
  try {
    const sys = { userId: null, label: 'bench' };
    await store.tenants.create('field');
    await store.metadata.apply('field', await readMetadataDir(`${ROOT}/metadata/core`), { actor: { userId: null } });
    const records = await store.records('field');
    const hash = await hashPassword('bench-password-1');
    const tokens: Record<string, string> = {};
    for (const role of ['admin', 'rep']) {
      const email = `${role}@field.bench`;
      const user = await records.create('user', { name: `Bench ${role}`, email, role, active: true }, sys);
      await store.auth.credentials.upsertCredential({ tenant: 'field', userId: user.id, email, passwordHash: hash, active: true });
      tokens[role] = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: 'field', email, password: 'bench-password-1' } })).json().token as string;
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const call = async (role: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };
    // A week of device time may wait on a phone; the shop has its place on the map.
    await call('admin', 'PUT', '/field/settings', { maxAgeMinutes: 10_080 });
    const shop = ((await call('rep', 'POST', '/objects/customer', { name: 'Corner shop' })) as { id: string }).id;
    await call('admin', 'PUT', `/field/places/${shop}`, SHOP);

    // (1) Photos on a visit.
    const photo = await twoMegabytePhoto();
    const visit = (
      (await call('rep', 'POST', '/field/checkins', { customerId: shop, ...SHOP, accuracy: 10, at: new Date(Date.now() - 60_000).toISOString(), device: 'bench' })) as { data: { visitId: string } }
    ).data.visitId;
    let n = 0;
    const upload = async (): Promise<number> => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), `shelf-${++n}.jpg`);
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v1/objects/visit/${visit}/files`, { method: 'POST', headers: { authorization: `Bearer ${tokens.rep}`, 'idempotency-key': `photo-${n}` }, body: form });
      const body = (await res.json()) as { data?: { thumbnail?: unknown } };
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}`);
      return performance.now() - t0;
    };
    const sink = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/bench/sink`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(photo) });
      await res.json();
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      await upload();
      await sink();
    }
    const one: number[] = [];
    const anchor: number[] = [];
    const t1 = performance.now();
    for (let i = 0; i < PHOTOS; i++) one.push(await upload());
    const serialSeconds = (performance.now() - t1) / 1000;
    for (let i = 0; i < PHOTOS; i++) anchor.push(await sink());
    const t4 = performance.now();
    const four: number[] = [];
    for (let i = 0; i < PHOTOS; i += 4) four.push(...(await Promise.all([upload(), upload(), upload(), upload()])));
    const parallelSeconds = (performance.now() - t4) / 1000;

    // (2) 200 offline visits, each a check-in and a check-out, sent one request at a time.
    const start = Date.now() - (VISITS * 2 + 10) * 60_000;
    const minute = (m: number) => new Date(start + m * 60_000).toISOString();
    const outbox = Array.from({ length: VISITS }, (_, i) => ({ key: `offline-${i}`, in: minute(i * 2), out: minute(i * 2 + 1) }));
    const sync = async () => {
      const ids: string[] = [];
      for (const v of outbox) {
        const c = (await call('rep', 'POST', '/field/checkins', { customerId: shop, ...SHOP, accuracy: 15, at: v.in, device: 'bench phone' }, { 'idempotency-key': v.key })) as {
          data: { visitId: string };
        };
        ids.push(c.data.visitId);
        await call('rep', 'POST', `/field/checkins/${c.data.visitId}/checkout`, { ...SHOP, accuracy: 15, at: v.out }, { 'idempotency-key': `${v.key}-out` }).catch((e: Error) => {
          // A resent check-out of a visit already checked out is done already (the outbox treats it so).
          if (!/already_checked_out/.test(e.message)) throw e;
        });
      }
      return ids;
    };
    const t2 = performance.now();
    const first = await sync();
    const syncSeconds = (performance.now() - t2) / 1000;
    const t3 = performance.now();
    const again = await sync();
    const resendSeconds = (performance.now() - t3) / 1000;
    const visits = ((await call('rep', 'GET', '/objects/visit?count=true&limit=1')) as { total?: number }).total;
    if (again.join() !== first.join()) throw new Error('a resent check-in was answered with another visit');
    if (visits !== VISITS + 1) throw new Error(`expected ${VISITS + 1} visits after the resend, found ${visits}`);

    const mb = photo.byteLength / 1_000_000;
    return {
      database: 'postgresql',
      photos: {
        count: PHOTOS,
        megabytes: round(mb, 2),
        oneAtATime: { photosPerSecond: round(PHOTOS / serialSeconds, 1), p50Ms: round(pct(one, 50), 1), p95Ms: round(pct(one, 95), 1) },
        fourAtATime: { photosPerSecond: round(PHOTOS / parallelSeconds, 1), p50Ms: round(pct(four, 50), 1), p95Ms: round(pct(four, 95), 1) },
        anchorBareRoute: { p50Ms: round(pct(anchor, 50), 1), note: 'the same bytes POSTed to a bare route of the same server' },
        ratioToAnchorP50: round(pct(one, 50) / Math.max(pct(anchor, 50), 0.001), 1),
      },
      offlineSync: {
        visits: VISITS,
        requests: VISITS * 2,
        seconds: round(syncSeconds, 2),
        msPerVisit: round((syncSeconds * 1000) / VISITS, 1),
        resendSeconds: round(resendSeconds, 2),
        visitsAfterResend: visits,
      },
    };
  } finally {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
