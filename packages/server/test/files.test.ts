// Attachments over HTTP: a photo on a customer (type read from the bytes, EXIF time and position
// returned, a thumbnail), spoofed names and disallowed types refused `file_type`, the size limit,
// the virus-scan hook refusing EICAR, Idempotency-Key, the record's RBAC (a rep cannot see another
// rep's record's files; read to list and download, update to attach and delete), on the local disk
// and on an S3-compatible store (s3rver started by the test).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import S3rver from 's3rver';
import sharp from 'sharp';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';
import { DiskFileStore, S3FileStore, s3ConfigFromEnv, type FileScanner, type FileStore } from '../src/files/index.ts';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** The test scanner: refuses the EICAR test string, as every real scanner does. */
const eicarScanner: FileScanner = {
  name: 'eicar-test',
  scan: async (bytes) => (bytes.includes(Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')) ? { clean: false, reason: 'EICAR test signature' } : { clean: true }),
};

/** A 640×480 JPEG with EXIF time (at +08:00) and GPS position of People's Square, Shanghai. */
async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Attain test' },
      IFD2: { DateTimeOriginal: '2026:05:01 09:30:00', OffsetTimeOriginal: '+08:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 13/1 4944/100', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 2532/100' },
    })
    .toBuffer();
}

// The smallest PDF file-type recognises: its header and trailer.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

function multipart(name: string, bytes: Buffer, type = 'application/octet-stream'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----attain${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: ${type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, bytes, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

interface Setup {
  app: FastifyInstance;
  store: Store;
  t: CoreTenant;
  tokens: Record<'rep1' | 'rep2' | 'manager' | 'admin', string>;
}

async function setup(fileStore: FileStore, prefix: string): Promise<Setup> {
  const { app, store } = await testServer(undefined, { files: { store: fileStore, scanner: eicarScanner, maxBytes: 256 * 1024 } });
  const t = await coreTenant(app, store, prefix);
  const tokens = {} as Setup['tokens'];
  for (const who of ['rep1', 'rep2', 'manager', 'admin'] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: `${who}@${t.name}.test`, password: 'pa55word!' } });
    tokens[who] = res.json().token;
  }
  return { app, store, t, tokens };
}

function upload(s: Setup, who: keyof Setup['tokens'], url: string, name: string, bytes: Buffer, extra: Record<string, string> = {}) {
  const body = multipart(name, bytes);
  return s.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${s.tokens[who]}`, ...extra } });
}
const get = (s: Setup, who: keyof Setup['tokens'], url: string) => s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.tokens[who]}` } });
const del = (s: Setup, who: keyof Setup['tokens'], url: string) => s.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${s.tokens[who]}` } });

/** The same behaviour on every store. */
function behaves(label: string, make: () => Promise<{ fileStore: FileStore; count: () => Promise<number> }>) {
  describe(`attachments on ${label}`, () => {
    let s: Setup;
    let count: () => Promise<number>;
    let customer: string;
    let other: string;
    beforeAll(async () => {
      const made = await make();
      count = made.count;
      s = await setup(made.fileStore, label.slice(0, 3));
      customer = (await s.t.call.rep1.post('/api/v1/objects/customer', { name: 'Corner shop' })).json().id;
      other = (await s.t.call.rep2.post('/api/v1/objects/customer', { name: 'Kiosk' })).json().id;
    });
    afterAll(async () => {
      await s.app.close();
      await s.store.close();
    });

    it('stores a photo: type from the bytes, EXIF time and position, a thumbnail, the bytes back', async () => {
      const bytes = await photo();
      const res = await upload(s, 'rep1', `/api/v1/objects/customer/${customer}/files`, 'shelf.JPG', bytes);
      expect(res.statusCode).toBe(201);
      const file = res.json().data;
      expect(file).toMatchObject({ object: 'customer', recordId: customer, name: 'shelf.JPG', type: 'image/jpeg', size: bytes.length, thumbnail: true });
      expect(file.exif.takenAt).toBe('2026-05-01T01:30:00.000Z');
      expect(file.exif.lat).toBeCloseTo(31.2304, 4);
      expect(file.exif.lng).toBeCloseTo(121.4737, 4);
      expect((await get(s, 'rep1', `/api/v1/files/${file.id}`)).json().data).toEqual(file);
      const content = await get(s, 'rep1', `/api/v1/files/${file.id}/content`);
      expect(content.statusCode).toBe(200);
      expect(content.headers['content-type']).toBe('image/jpeg');
      expect(content.headers['content-disposition']).toContain('shelf.JPG');
      expect(content.rawPayload.equals(bytes)).toBe(true);
      const thumb = await get(s, 'rep1', `/api/v1/files/${file.id}/content?thumbnail=true`);
      const meta = await sharp(thumb.rawPayload).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 192]);
      // The manager reads the rep's record, so its files; the list is the record's.
      expect((await get(s, 'manager', `/api/v1/objects/customer/${customer}/files`)).json().data.map((f: { id: string }) => f.id)).toEqual([file.id]);
      expect(await count()).toBe(2);
    });

    it("a rep cannot see, download, attach to or delete another rep's record's files", async () => {
      const mine = (await upload(s, 'rep2', `/api/v1/objects/customer/${other}/files`, 'notes.txt', Buffer.from('opening hours 9-5\n'))).json().data;
      expect(mine).toMatchObject({ type: 'text/plain', thumbnail: false, exif: null });
      expect((await get(s, 'rep1', `/api/v1/objects/customer/${other}/files`)).statusCode).toBe(404);
      expect((await get(s, 'rep1', `/api/v1/files/${mine.id}`)).statusCode).toBe(404);
      expect((await get(s, 'rep1', `/api/v1/files/${mine.id}/content`)).statusCode).toBe(404);
      expect((await del(s, 'rep1', `/api/v1/files/${mine.id}`)).statusCode).toBe(404);
      expect((await upload(s, 'rep1', `/api/v1/objects/customer/${other}/files`, 'x.txt', Buffer.from('hello'))).statusCode).toBe(404);
      // An object the role may not update at all: 403 naming the action.
      const users = await upload(s, 'rep1', `/api/v1/objects/user/${s.t.ids.rep1}/files`, 'x.txt', Buffer.from('hello'));
      expect(users.statusCode).toBe(403);
      expect((await get(s, 'rep2', `/api/v1/files/${mine.id}`)).statusCode).toBe(200);
    });

    it('refuses a PDF named .jpg, a type not allowed, an over-size file and the EICAR string, storing nothing', async () => {
      const before = await count();
      const url = `/api/v1/objects/customer/${customer}/files`;
      const spoof = await upload(s, 'rep1', url, 'photo.jpg', PDF);
      expect(spoof.statusCode).toBe(422);
      expect(spoof.json().error).toMatchObject({ code: 'file_type', details: [{ path: '/file', rule: 'type_mismatch' }] });
      const zip = await upload(s, 'rep1', url, 'data.bin', Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.alloc(60)]));
      expect(zip.json().error).toMatchObject({ code: 'file_type', details: [{ path: '/file', rule: 'type' }] });
      const big = await upload(s, 'rep1', url, 'big.txt', Buffer.alloc(300 * 1024, 'a'));
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toMatchObject({ code: 'file_too_large', details: [{ path: '/file', rule: 'max_size' }] });
      const virus = await upload(s, 'rep1', url, 'eicar.txt', Buffer.from(EICAR));
      expect(virus.statusCode).toBe(422);
      expect(virus.json().error).toMatchObject({ code: 'file_infected', details: [{ path: '/file', rule: 'virus_scan' }] });
      const json = await s.t.call.rep1.post(url, { file: 'not multipart' });
      expect(json.statusCode).toBe(415);
      expect(await count()).toBe(before);
      // A real PDF named as one is accepted.
      expect((await upload(s, 'rep1', url, 'contract.pdf', PDF)).json().data.type).toBe('application/pdf');
    });

    it('the same Idempotency-Key stores one file and answers the first answer again', async () => {
      const url = `/api/v1/objects/customer/${customer}/files`;
      const before = (await get(s, 'rep1', url)).json().data.length;
      const first = await upload(s, 'rep1', url, 'visit.txt', Buffer.from('visited'), { 'idempotency-key': 'upload-7' });
      const second = await upload(s, 'rep1', url, 'visit.txt', Buffer.from('visited'), { 'idempotency-key': 'upload-7' });
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      expect((await get(s, 'rep1', url)).json().data.length).toBe(before + 1);
      const other = await upload(s, 'rep1', url, 'visit.txt', Buffer.from('visited twice'), { 'idempotency-key': 'upload-7' });
      expect(other.json().error.code).toBe('idempotency_key_reused');
    });

    it('deleting needs update on the record, and removes the bytes and the thumbnail', async () => {
      const url = `/api/v1/objects/customer/${customer}/files`;
      const file = (await upload(s, 'rep1', url, 'gone.jpg', await photo())).json().data;
      const before = await count();
      expect((await del(s, 'rep1', `/api/v1/files/${file.id}`)).statusCode).toBe(204);
      expect((await get(s, 'rep1', `/api/v1/files/${file.id}`)).statusCode).toBe(404);
      expect(await count()).toBe(before - 2);
      // Attaching and deleting are in the record's audit trail.
      const audit = (await get(s, 'admin', `/api/v1/audit?object=customer&recordId=${customer}`)).json().data as Array<{ action: string; before: { file?: string }; after: { file?: string } }>;
      expect(audit.filter((a) => a.after?.file === file.id || a.before?.file === file.id).map((a) => a.action)).toEqual(['files.file.delete', 'files.file.create']);
    });
  });
}

describe('the S3 store from the environment', () => {
  it('reads ATTAIN_FILES_S3_*; no bucket means the disk; one credential without the other is refused', () => {
    expect(s3ConfigFromEnv({})).toBeUndefined();
    expect(
      s3ConfigFromEnv({
        ATTAIN_FILES_S3_BUCKET: 'b',
        ATTAIN_FILES_S3_ENDPOINT: 'http://127.0.0.1:9000',
        ATTAIN_FILES_S3_REGION: 'cn-north-1',
        ATTAIN_FILES_S3_ACCESS_KEY_ID: 'id',
        ATTAIN_FILES_S3_SECRET_ACCESS_KEY: 'secret',
        ATTAIN_FILES_S3_FORCE_PATH_STYLE: 'true',
        ATTAIN_FILES_S3_PREFIX: 'attain/',
      }),
    ).toEqual({ bucket: 'b', endpoint: 'http://127.0.0.1:9000', region: 'cn-north-1', credentials: { accessKeyId: 'id', secretAccessKey: 'secret' }, forcePathStyle: true, prefix: 'attain/' });
    expect(s3ConfigFromEnv({ ATTAIN_FILES_S3_BUCKET: 'b' })).toEqual({ bucket: 'b', forcePathStyle: false });
    expect(() => s3ConfigFromEnv({ ATTAIN_FILES_S3_BUCKET: 'b', ATTAIN_FILES_S3_ACCESS_KEY_ID: 'id' })).toThrow(/SECRET_ACCESS_KEY/);
  });

  it('a disk store refuses keys that would leave its folder', async () => {
    const store = new DiskFileStore(join(tmpdir(), 'attain-never-written'));
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'A/B']) await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/key/);
  });
});

describe('the defaults', () => {
  it('uploads up to 10 MiB by default, whatever the JSON body limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attain-files-default-'));
    const { app, store } = await testServer(undefined, { files: { store: new DiskFileStore(dir) } });
    try {
      const t = await coreTenant(app, store, 'fdf');
      const customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Shop' })).json().id;
      const token = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: `rep1@${t.name}.test`, password: 'pa55word!' } })).json().token;
      const send = (bytes: Buffer) => {
        const body = multipart('price-list.txt', bytes);
        return app.inject({ method: 'POST', url: `/api/v1/objects/customer/${customer}/files`, payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${token}` } });
      };
      // 3 MiB: over the 1 MiB JSON body limit, within the 10 MiB file limit.
      const ok = await send(Buffer.alloc(3 * 1024 * 1024, 'a'));
      expect(ok.statusCode).toBe(201);
      expect(ok.json().data.size).toBe(3 * 1024 * 1024);
      expect((await send(Buffer.alloc(10 * 1024 * 1024 + 1, 'a'))).json().error.code).toBe('file_too_large');
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

let diskDir: string;
behaves('disk', async () => {
  diskDir = await mkdtemp(join(tmpdir(), 'attain-files-test-'));
  return { fileStore: new DiskFileStore(diskDir), count: () => filesUnder(diskDir) };
});

let s3: S3rver;
let s3Dir: string;
behaves('s3', async () => {
  s3Dir = await mkdtemp(join(tmpdir(), 'attain-s3rver-'));
  // Port 0: a free port, read back from the running server.
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: 'attain-files' }] });
  const { port } = await s3.run();
  const fileStore = new S3FileStore({
    bucket: 'attain-files',
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    prefix: 'test/',
  });
  // s3rver keeps each object as a folder of its bytes and metadata.
  return { fileStore, count: async () => (await readdir(join(s3Dir, 'attain-files', 'test'), { recursive: true }).catch(() => [])).filter((p) => String(p).endsWith('._S3rver_object')).length };
});

afterAll(async () => {
  await s3?.close();
  for (const dir of [diskDir, s3Dir]) if (dir) await rm(dir, { recursive: true, force: true });
});
