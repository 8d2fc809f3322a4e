import { describe, expect, it } from 'vitest';
import { decodeJsonArray, decodeNumeric, encodeColumns } from '../src/columns.ts';
import { isSandboxErrorCode, revive, SandboxError } from '../src/errors.ts';
import { encodeFrame, FrameReader } from '../src/frames.ts';
import { DEFAULT_LIMITS, resolveLimits, tighten } from '../src/limits.ts';
import { Lru } from '../src/lru.ts';
import { TenantLimiter } from '../src/tenant-limiter.ts';

describe('Lru', () => {
  it('evicts the least recently used and reports evictions', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(2, (k) => evicted.push(k));
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(evicted).toEqual(['b']);
    expect(lru.peek('b')).toBeUndefined();
    lru.set('a', 10);
    expect(evicted).toEqual(['b', 'a']);
    lru.set('a', 10);
    expect(lru.size).toBe(2);
    expect(lru.delete('zz')).toBe(false);
    expect([...lru.values()]).toEqual([3, 10]);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.get('a')).toBeUndefined();
  });
});

describe('limits', () => {
  it('resolves, sanitises and only tightens', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({ wallMs: Number.NaN, memoryMb: 1, cpuMs: 10.7 })).toMatchObject({ wallMs: DEFAULT_LIMITS.wallMs, memoryMb: 8, cpuMs: 10 });
    const ceiling = resolveLimits({ wallMs: 100 });
    expect(tighten(ceiling, undefined)).toBe(ceiling);
    expect(tighten(ceiling, { wallMs: 10_000, maxHostCalls: 3 })).toMatchObject({ wallMs: 100, maxHostCalls: 3 });
  });
});

describe('errors', () => {
  it('has stable codes and a client shape without stack', () => {
    const e = new SandboxError('timeout', 'slow', [{ path: 'a', rule: 'b', message: 'c' }]);
    expect(e.toJSON()).toEqual({ error: { code: 'timeout', message: 'slow', details: [{ path: 'a', rule: 'b', message: 'c' }] } });
    expect(isSandboxErrorCode('memory_limit')).toBe(true);
    expect(isSandboxErrorCode('nope')).toBe(false);
    expect(revive('output_too_large', 'x').code).toBe('output_too_large');
    expect(revive('bogus', 5)).toMatchObject({ code: 'guest_error', message: 'sandbox error' });
  });
});

describe('frames', () => {
  it('round-trips headers, text and float64 payloads across arbitrary chunking', () => {
    const big = new Float64Array(100_000).map((_, i) => i * 1.5);
    const small = new Float64Array([1, -0, 3.25]);
    const frames = [encodeFrame({ op: 'a', n: 1 }), encodeFrame({ op: 'b' }, 'héllo ✓', [small]), encodeFrame({ op: 'c' }, '', [big, small])];
    const bytes = Buffer.concat(frames.flat());
    for (const size of [1, 7, 4096, 65536, bytes.length]) {
      const reader = new FrameReader();
      const got = [];
      for (let off = 0; off < bytes.length; off += size) got.push(...reader.push(Buffer.from(bytes.subarray(off, off + size))));
      expect(got.map((f) => f.header.op)).toEqual(['a', 'b', 'c']);
      expect(got[1]!.text).toBe('héllo ✓');
      expect([...got[1]!.bins[0]!]).toEqual([1, -0, 3.25]);
      expect(got[2]!.bins[0]!.length).toBe(100_000);
      expect(got[2]!.bins[0]![99_999]).toBe(99_999 * 1.5);
      expect([...got[2]!.bins[1]!]).toEqual([1, -0, 3.25]);
    }
  });

  it('rejects corrupt streams', () => {
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(5000, 8);
    expect(() => new FrameReader().push(bad)).toThrow(/too many/);
    const huge = Buffer.alloc(16);
    huge.writeUInt32LE(0xffffffff, 0);
    expect(() => new FrameReader().push(huge)).toThrow(/too large/);
    const notObject = encodeFrame({})[0]!;
    notObject.write('[]', 12);
    notObject.writeUInt32LE(2, 0);
    expect(() => new FrameReader().push(notObject)).toThrow(/bad header/);
  });
});

describe('columns', () => {
  it('sends long all-number columns as float64 and the rest as JSON', () => {
    const nums = Array.from({ length: 300 }, (_, i) => i / 3);
    const mixed = [...nums.slice(0, 299), null];
    const typed = new Float64Array([1, 2]);
    const enc = encodeColumns({ nums, mixed, short: [1, 2], s: ['x'], typed });
    expect(enc.names).toEqual(['nums', 'typed']);
    expect(enc.bins[1]).not.toBe(typed);
    expect(JSON.parse(enc.json)).toEqual({ mixed, short: [1, 2], s: ['x'] });
    expect(encodeColumns({}).json).toBe('');
    expect(encodeColumns({ inf: Array(300).fill(Infinity) }).names).toEqual([]);
  });
  it('rejects bad columns', () => {
    expect(() => encodeColumns(null)).toThrow(/object of arrays/);
    expect(() => encodeColumns([])).toThrow(/object of arrays/);
    expect(() => encodeColumns({ a: 'x' })).toThrow(/must be an array/);
    expect(() => encodeColumns(JSON.parse('{"__proto__":[1]}'))).toThrow(/__proto__/);
  });
  it('decodes results and checks their length', () => {
    expect(decodeNumeric(new Float64Array([1, 2]), 2)).toEqual([1, 2]);
    expect(() => decodeNumeric(new Float64Array([1]), 2)).toThrow(/length 1/);
    expect(decodeJsonArray('[1,"a"]', 2)).toEqual([1, 'a']);
    expect(() => decodeJsonArray('{}', 0)).toThrow(/not an array/);
    expect(() => decodeJsonArray('[1]', 2)).toThrow(/expected 2/);
  });
});

describe('TenantLimiter', () => {
  it('runs up to max, queues up to maxQueued, refuses the rest', async () => {
    const limiter = new TenantLimiter(1, 1);
    expect(limiter.tryAcquire('t')).toBe(true);
    expect(limiter.active('t')).toBe(1);
    const order: string[] = [];
    const queued = limiter.acquire('t').then(() => order.push('queued'));
    await expect(limiter.acquire('t')).rejects.toMatchObject({ code: 'concurrency_limit' });
    expect(limiter.tryAcquire('other')).toBe(true);
    limiter.release('t');
    await queued;
    expect(order).toEqual(['queued']);
    limiter.release('t');
    expect(limiter.active('t')).toBe(0);
    limiter.release('nobody');
    await limiter.acquire('t');
    const waiting = limiter.acquire('t');
    limiter.rejectQueued(new SandboxError('closed', 'bye'));
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
  });
});
