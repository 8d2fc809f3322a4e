// Regression suite of known sandbox escapes (FIELD-NOTES "Real security failures"). Every case
// must be contained with the right code, and the pool must keep serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool, type HostCapabilities, type Plugin } from '../src/index.ts';
import { batch, expectCode, expectHealthy } from './helpers.ts';

let pool: SandboxPool;
beforeAll(async () => {
  pool = new SandboxPool({ size: 2, limits: { wallMs: 1_000, cpuMs: 1_000, memoryMb: 64, maxHostCalls: 50 } });
  await pool.ready();
});
afterAll(() => pool.close());

/** Runs a formula returning one value per row; resolves with row 0. */
async function probe(source: string, tenant = 'attacker'): Promise<unknown> {
  const out = await pool.runBatch(batch(tenant, `(c, n) => { const v = (${source})(); return Array(n).fill(v); }`));
  return out[0];
}

const manifest = { name: 'evil', version: '6.6.6', capabilities: { read: ['customer'] }, hooks: ['beforeCreate:order'] };
const host: HostCapabilities = {
  read: async (object) => {
    if (object === 'customer') throw new TypeError('host-side failure');
    return {};
  },
};
function hook(body: string, limits?: { wallMs?: number; cpuMs?: number }): Promise<unknown> {
  const plugin: Plugin = { manifest, code: `hooks.beforeCreate_order = async (input, host) => { ${body} };` };
  return pool.runHook({ tenant: 'attacker', plugin, hook: 'beforeCreate:order', input: {}, host, ...(limits ? { limits } : {}) });
}

describe('constructor chains', () => {
  it.each([
    ['this.constructor.constructor', `function () { return this.constructor.constructor('return typeof process')(); }`],
    ['arrow Function constructor', `() => (() => {}).constructor('return typeof process')()`],
    ['error constructor', `() => { try { null.x; } catch (e) { return e.constructor.constructor('return typeof process')(); } }`],
    ['template literal', `() => { const F = (0).constructor.constructor; return F\`return typeof process\`(); }`],
    ['Function.prototype.call tricks', `() => Function.prototype.call.call(Function.prototype.bind.call(Function, null, 'return typeof process'))()`],
    ['globalThis lookups', `() => [typeof require, typeof module, typeof globalThis.process, typeof globalThis.ivm, typeof _ivm, typeof Buffer].join()`],
  ])('%s sees no host', async (_name, source) => {
    const value = await probe(source);
    expect(String(value)).toMatch(/^undefined(,undefined)*$/);
    await expectHealthy(pool);
  });

  it('exposes nothing from isolated-vm on the global object', async () => {
    const names = await probe(`() => Object.getOwnPropertyNames(globalThis).filter((k) => /ivm|^reference$|externalcopy|^callback$|require|process|isolate/i.test(k)).join()`);
    expect(names).toBe('');
  });

  it('cannot import modules', async () => {
    await expectCode(hook(`return await import('node:fs');`), 'guest_error');
    await expectCode(pool.runBatch(batch('attacker', `(c, n) => { require('fs'); }`)), 'guest_error');
    await expectHealthy(pool);
  });

  it('host-realm errors thrown by host callbacks lead nowhere', async () => {
    const out = await hook(`
      try { await host.read('customer', {}); } catch (e) {
        return [e.message, e.constructor.constructor('return typeof process')(), Object.getPrototypeOf(e) === Error.prototype];
      }`);
    expect(out).toEqual(['host-side failure', 'undefined', true]);
    await expectHealthy(pool);
  });
});

describe('references and shared objects', () => {
  it('the host object holds plain functions, no Reference or ExternalCopy is reachable', async () => {
    const out = await hook(`
      const seen = [];
      const leaks = [];
      try { Promise.prototype.then = function () { leaks.push(this); }; } catch {}
      try { Object.defineProperty(Object.prototype, 'result', { set(v) { leaks.push(v); } }); } catch {}
      try { await host.read('customer', {}); } catch {}
      for (const f of Object.values(host)) {
        seen.push(typeof f, Object.getOwnPropertyNames(f).sort().join('|'), f.toString().includes('bridge') ? 'closure' : 'plain');
        try { seen.push(typeof f.caller); } catch (e) { seen.push('caller-blocked'); }
      }
      return { seen, leaks: leaks.length, refs: leaks.filter((x) => x && typeof x.deref === 'function').length };`);
    expect(out).toEqual({ seen: ['function', 'length|name', 'plain', 'caller-blocked'], leaks: 0, refs: 0 });
  });

  it('Object.prototype poisoning affects neither the host nor the next tenant', async () => {
    const poisoned = await probe(`() => {
      try { Object.prototype.polluted = 'yes'; } catch {}
      try { Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'pwned' }); } catch {}
      try { Object.setPrototypeOf(Object.prototype, { polluted: 'yes' }); } catch {}
      try { JSON.stringify = () => 'pwned'; } catch {}
      return typeof ({}).polluted;
    }`);
    expect(poisoned).toBe('undefined');
    await expectCode(pool.runBatch(batch('attacker', `(c, n) => { Array.prototype.push = () => 0; return c.a; }`)), 'guest_error');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await probe(`() => [typeof ({}).polluted, [1].push(2), JSON.stringify({ a: 1 })].join()`, 'victim')).toBe('undefined,2,{"a":1}');
    const hooked = await hook(`Object.prototype.polluted = 1; return 1;`);
    expect(hooked).toBe(1);
    await expectCode(hook(`'use strict'; Object.prototype.polluted = 1; return 1;`), 'guest_error');
    expect(await hook(`return typeof ({}).polluted;`)).toBe('undefined');
  });

  it('overwriting a built-in is detected and the isolate discarded', async () => {
    await expectCode(pool.runBatch(batch('attacker', `(c, n) => { Array.prototype.map = () => 'evil'; return [1, 2, 3]; }`)), 'guest_error');
    expect(await pool.runBatch(batch('attacker', '(c, n) => c.a.map((x) => x * 10)'))).toEqual([10, 20, 30]);
  });
});

describe('resource exhaustion', () => {
  it.each([
    ['infinite loop', '(c, n) => { while (true) {} }', 'timeout'],
    ['regex catastrophic backtracking', '(c, n) => [/^(a+)+$/.test("a".repeat(40) + "!"), 0, 0]', 'timeout'],
    ['huge array', '(c, n) => { const k = []; for (;;) k.push(new Array(1e6).fill(1.5)); }', 'memory_limit'],
    ['string doubling', '(c, n) => { let s = "x".repeat(1 << 23); const k = []; for (;;) { s = s + s; k.push(s.indexOf("y")); } }', 'memory_limit'],
    ['typed array bomb', '(c, n) => { const k = []; for (;;) k.push(new Float64Array(1 << 22)); }', 'memory_limit'],
    ['huge JSON result', '(c, n) => Array(n).fill("x".repeat(5e5))', 'output_too_large'],
    ['huge numeric result', '(c, n) => new Float64Array(n)', 'output_too_large'],
  ] as const)('%s is contained', async (_name, source, code) => {
    const huge = _name === 'huge numeric result';
    const req = batch('attacker', source, huge ? { rowCount: 1000, columns: {}, limits: { maxOutputBytes: 4000 } } : { limits: { maxOutputBytes: 1_000_000 } });
    // A memory bomb on a loaded machine may reach the time limit before the heap limit; either contains it.
    await expectCode(pool.runBatch(req), code === 'memory_limit' ? ['memory_limit', 'timeout'] : (code as never));
    await expectHealthy(pool);
    await expectHealthy(pool, 'attacker');
  });

  it('async infinite loops and never-settling promises time out', async () => {
    await expectCode(hook(`for (;;) await null;`, { cpuMs: 200 }), 'timeout');
    await expectCode(hook(`await new Promise(() => {});`, { wallMs: 200 }), 'timeout');
    await expectCode(hook(`while (true) {}`, { wallMs: 300 }), 'timeout');
    await expectHealthy(pool);
  });

  it('a guest calling host functions in a tight loop is stopped', async () => {
    let calls = 0;
    const counting: HostCapabilities = { read: async () => ++calls };
    const plugin: Plugin = { manifest, code: `hooks.beforeCreate_order = async (i, host) => { for (;;) { try { await host.read('customer', {}); } catch {} } };` };
    await expectCode(pool.runHook({ tenant: 'attacker', plugin, hook: 'beforeCreate:order', input: {}, host: counting }), 'concurrency_limit');
    expect(calls).toBeLessThanOrEqual(50);
    await expectHealthy(pool);
  });

  it.each([
    ['42', 'throw 42', /non-Error thrown: 42/],
    ['null', 'throw null', /non-Error thrown: null/],
    ['undefined', 'throw undefined', /non-Error thrown: undefined/],
    ['symbol', 'throw Symbol("s")', /non-Error thrown: Symbol\(s\)/],
    ['hostile object', 'throw { toString() { throw new Error("gotcha"); } }', /unprintable/],
    ['proxy', 'throw new Proxy({}, { get() { throw 1; }, getPrototypeOf() { throw 1; } })', /unprintable/],
    ['error with hostile message', 'const e = new Error("x"); Object.defineProperty(e, "message", { get() { for (;;) {} } }); throw e;', null],
  ] as const)('throwing %s is a guest_error', async (_name, statement, message) => {
    const e = await expectCode(pool.runBatch(batch('attacker', `(c, n) => { ${statement} }`)), message === null ? 'timeout' : 'guest_error');
    if (message) expect(e.message).toMatch(message);
    await expectHealthy(pool);
  });
});

describe('worker out of memory', () => {
  it('a guest that exhausts its worker kills only that worker; other calls keep succeeding', async () => {
    const local = new SandboxPool({ size: 2, workerMaxRssMb: 300, limits: { wallMs: 20_000, memoryMb: 4_096 } });
    await local.ready();
    const before = local.stats().workers.map((w) => w.pid);
    // Grows steadily past the worker's 300 MB cap while isolated-vm's own limit (4 GB) is far away.
    const bomb = local.runBatch(batch('oom', `(c, n) => { const k = []; for (;;) { const t = Date.now(); while (Date.now() - t < 10) {} k.push(new Array(1e6).fill(1.5)); } }`));
    let served = 0;
    const others = (async () => {
      for (let i = 0; i < 20; i++) {
        for (const t of ['a', 'b', 'c', 'd']) {
          try {
            await expectHealthy(local, `bystander-${t}`);
            served++;
          } catch {
            // A call routed to the dying worker may fail with worker_crashed; retrying succeeds.
            await expectHealthy(local, `bystander-${t}`);
            served++;
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await expectCode(bomb, ['memory_limit', 'worker_crashed']);
    await others;
    expect(served).toBe(80);
    expect(local.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(local.stats().workers.map((w) => w.pid)).not.toEqual(before);
    await expectHealthy(local, 'oom');
    await local.close();
  });
});
