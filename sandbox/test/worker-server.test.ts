import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, type Frame } from '../src/frames.ts';
import { IsolateHost } from '../src/isolate-host.ts';
import { resolveLimits } from '../src/limits.ts';
import { validateManifest } from '../src/manifest.ts';
import { serveWorker } from '../src/worker-server.ts';

// The worker protocol, in-process: the same code the forked worker runs, over in-memory streams.
function harness() {
  const toWorker = new PassThrough();
  const fromWorker = new PassThrough();
  const host = new IsolateHost();
  let closed = 0;
  serveWorker(toWorker, fromWorker, host, () => closed++);
  const reader = new FrameReader();
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  fromWorker.on('data', (chunk: Buffer) => {
    frames.push(...reader.push(chunk));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (): Promise<Frame> => {
    while (frames.length === 0) await new Promise<void>((r) => waiters.push(r));
    return frames.shift()!;
  };
  const send = (header: Record<string, unknown>, text = '', bins: Float64Array[] = []): void => {
    for (const b of encodeFrame(header, text, bins)) toWorker.write(b);
  };
  return { host, next, send, toWorker, closed: () => closed };
}

const h = harness();
afterAll(() => h.host.dispose());

describe('serveWorker', () => {
  it('announces readiness', async () => {
    expect((await h.next()).header).toMatchObject({ op: 'ready', pid: process.pid });
  });

  it('runs batches: need, ok (json and float64), err', async () => {
    const base = { op: 'b', t: 't', ph: 'p', fk: 'k', mm: 32, to: 500, mo: 1e6, n: 3, nm: [] };
    h.send({ ...base, id: 1 }, '{"a":[1,2,3]}');
    expect((await h.next()).header).toEqual({ op: 'need', id: 1 });
    h.send({ ...base, id: 2, p: '', s: '(c, n) => c.a.map((x) => x + 1)' }, '{"a":[1,2,3]}');
    const ok = await h.next();
    expect(ok.header).toEqual({ op: 'ok', id: 2 });
    expect(ok.text).toBe('[2,3,4]');
    h.send({ ...base, id: 3, fk: 'k2', n: 100, nm: ['a'], p: '', s: '(c, n) => Array.from(c.a)' }, '', [new Float64Array(100).fill(7)]);
    const num = await h.next();
    expect(num.bins[0]![99]).toBe(7);
    h.send({ ...base, id: 4, fk: 'k3', p: '', s: '(c, n) => { throw new Error("bad") }' });
    expect((await h.next()).header).toEqual({ op: 'err', id: 4, code: 'guest_error', msg: 'Error: bad' });
  });

  it('runs hooks and relays host calls both ways', async () => {
    const manifest = validateManifest({ name: 'p', version: '1.0.0', capabilities: { read: ['customer'] }, hooks: ['afterCreate:order'] });
    const code = `hooks['afterCreate:order'] = async (input, host) => {
      const a = await host.read('customer', input);
      let b; try { await host.read('customer', 2); } catch (e) { b = e.code; }
      let c; try { await host.read('customer', 3); } catch (e) { c = e.code; }
      return { a, b, c };
    };`;
    h.send({ op: 'h', id: 9, t: 't', pk: 'pk', m: manifest, c: code, hk: 'afterCreate:order', l: resolveLimits({ wallMs: 2000 }) }, '{"q":1}');
    const first = await h.next();
    expect(first.header).toMatchObject({ op: 'hc', id: 9, fn: 'read' });
    expect(JSON.parse(first.text)).toEqual(['customer', { q: 1 }]);
    h.send({ op: 'r', hc: first.header.hc }, '{"name":"ACME"}');
    const second = await h.next();
    h.send({ op: 'r', hc: second.header.hc, code: 'capability_denied', msg: 'no' });
    const third = await h.next();
    h.send({ op: 'r', hc: third.header.hc, code: 'guest_error', msg: 'db down' });
    h.send({ op: 'r', hc: 12345 }, '{}');
    const done = await h.next();
    expect(done.header).toEqual({ op: 'ok', id: 9 });
    expect(JSON.parse(done.text)).toEqual({ a: { name: 'ACME' }, b: 'capability_denied', c: 'guest_error' });
    h.send({ op: 'h', id: 10, t: 't', pk: 'pk', m: manifest, c: code, hk: 'afterCreate:order', l: resolveLimits({ wallMs: 2000 }) }, '{"q":1}');
    const call = await h.next();
    h.send({ op: 'r', hc: call.header.hc });
    await h.next();
    await h.next();
    expect(h.closed()).toBe(0);
  });

  it('asks for the code of a plugin it does not have, and keeps it for later calls and tenants', async () => {
    const manifest = validateManifest({ name: 'lean', version: '1.0.0', hooks: ['beforeCreate:order'] });
    const call = (id: number, tenant: string, code?: string) =>
      h.send({ op: 'h', id, t: tenant, pk: 'pk-lean', m: manifest, ...(code ? { c: code } : {}), hk: 'beforeCreate:order', l: resolveLimits({ wallMs: 2000 }) }, '{"n":2}');
    call(20, 't1');
    expect((await h.next()).header).toEqual({ op: 'need', id: 20 });
    call(20, 't1', "hooks['beforeCreate:order'] = (input) => input.n * 21;");
    expect((await h.next()).text).toBe('42');
    // Without the code again: the same tenant's warm context, and a new tenant's isolate from the kept code.
    call(21, 't1');
    expect((await h.next()).text).toBe('42');
    call(22, 't2');
    expect((await h.next()).text).toBe('42');
  });

  it('closes on a corrupt stream or end of input', () => {
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(9999, 8);
    h.toWorker.write(bad);
    expect(h.closed()).toBe(1);
    const other = harness();
    other.toWorker.end();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(other.closed()).toBe(1);
        other.host.dispose();
        resolve();
      }),
    );
  });
});
