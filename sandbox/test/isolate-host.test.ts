import { afterAll, describe, expect, it } from 'vitest';
import { IsolateHost, type BatchWork, type HookWork } from '../src/isolate-host.ts';
import { resolveLimits } from '../src/limits.ts';
import { validateManifest } from '../src/manifest.ts';
import { expectCode } from './helpers.ts';

const host = new IsolateHost({ maxIsolates: 4, maxFunctions: 8 });
afterAll(() => host.dispose());

function work(source: string, extra: Partial<BatchWork> = {}): BatchWork {
  return {
    tenant: 't1',
    preludeHash: 'p1',
    fnKey: `1\0${source}`,
    memoryMb: 32,
    timeoutMs: 500,
    maxOutputBytes: 1_000_000,
    rowCount: 3,
    json: '{"a":[1,2,3]}',
    numericNames: [],
    numeric: [],
    prelude: 'globalThis.F = { dbl: (x) => x * 2 };',
    source,
    ...extra,
  };
}

const run = (w: BatchWork): Promise<unknown> => Promise.resolve().then(() => host.runBatch(w));

describe('IsolateHost batches', () => {
  it('asks for prelude and source it does not have, then caches them', () => {
    const w = work('(c, n) => c.a.map(F.dbl)', { fnKey: 'cache' });
    const { prelude: _p, source: _s, ...bare } = w;
    expect(host.runBatch(bare)).toEqual({ kind: 'need' });
    expect(host.runBatch(w)).toEqual({ kind: 'json', text: '[2,4,6]' });
    expect(host.runBatch(bare)).toEqual({ kind: 'json', text: '[2,4,6]' });
    expect(host.functionCount).toBeGreaterThan(0);
    expect(host.isolateCount).toBeGreaterThan(0);
  });

  it('takes float64 columns and returns numeric results as float64', () => {
    const a = new Float64Array(100).map((_, i) => i);
    const out = host.runBatch(work('(c, n) => Array.from(c.a, (x) => x + 0.5)', { rowCount: 100, json: '', numericNames: ['a'], numeric: [a] }));
    expect(out.kind).toBe('numeric');
    if (out.kind === 'numeric') expect(out.data[99]).toBe(99.5);
    const typed = host.runBatch(work('(c, n) => new Float64Array(n).fill(2)', { rowCount: 100 }));
    expect(typed.kind).toBe('numeric');
    const mixed = host.runBatch(work('(c, n) => Array.from({ length: n }, (_, i) => (i === 70 ? NaN : i))', { rowCount: 100 }));
    expect(mixed.kind).toBe('json');
    if (mixed.kind === 'json') expect(JSON.parse(mixed.text)[70]).toBeNull();
  });

  it('reports bad results, compile errors and prelude errors as guest_error', async () => {
    await expectCode(run(work('(c, n) => 5')), 'guest_error');
    await expectCode(run(work('(c, n) => [1]')), 'guest_error');
    await expectCode(run(work('(c, n) => new Float64Array(1)')), 'guest_error');
    await expectCode(run(work('(c, n) => [1n, 2n, 3n]')), 'guest_error');
    await expectCode(run(work('(c, n) => [() => 1, 2, 3].map(() => undefined) && undefined')), 'guest_error');
    expect((await expectCode(run(work('42')), 'guest_error')).message).toMatch(/must evaluate to a function/);
    expect((await expectCode(run(work('(c, n) =>')), 'guest_error')).message).toMatch(/failed to compile/);
    const e = await expectCode(run(work('(c, n) => []', { preludeHash: 'broken', prelude: 'throw new TypeError("nope")' })), 'guest_error');
    expect(e.message).toMatch(/prelude failed: TypeError: nope/);
  });

  it('enforces time, memory and output limits, then rebuilds the isolate', async () => {
    await expectCode(run(work('(c, n) => { while (true) {} }', { timeoutMs: 100 })), 'timeout');
    await expectCode(run(work('(c, n) => { const k = []; while (true) k.push(new Array(1e5).fill(1.5)); }')), 'memory_limit');
    await expectCode(run(work('(c, n) => Array(n).fill("x".repeat(1000))', { maxOutputBytes: 100 })), 'output_too_large');
    await expectCode(run(work('(c, n) => Array(n).fill(1)', { rowCount: 100, maxOutputBytes: 100 })), 'output_too_large');
    await expectCode(run(work('(c, n) => new Float64Array(n)', { rowCount: 100, maxOutputBytes: 100 })), 'output_too_large');
    await expectCode(run(work('(c, n) => c.a', { preludeHash: 'slow', prelude: 'while (true) {}', timeoutMs: 50 })), 'timeout');
    expect(host.runBatch(work('(c, n) => c.a.map(F.dbl)'))).toEqual({ kind: 'json', text: '[2,4,6]' });
  });

  it('detects a formula that overwrites a shared built-in and discards the isolate', async () => {
    const e = await expectCode(run(work('(c, n) => { Array.prototype.join = () => "pwned"; return [1, 2, 3]; }', { preludeHash: 'taint' })), 'guest_error');
    expect(e.message).toMatch(/overwrote the built-in "join"/);
    expect(host.runBatch(work('(c, n) => [[1, 2].join("-"), 0, 0]', { preludeHash: 'taint' }))).toEqual({ kind: 'json', text: '["1-2",0,0]' });
    // Adding properties to the sealed prototypes is impossible.
    expect(host.runBatch(work('(c, n) => { Object.prototype.polluted = 1; return [typeof ({}).polluted, 0, 0]; }', { preludeHash: 'taint' }))).toEqual({ kind: 'json', text: '["undefined",0,0]' });
  });

  it('evicts least recently used isolates', () => {
    for (let i = 0; i < 6; i++) host.runBatch(work('(c, n) => c.a', { tenant: `evict${i}` }));
    expect(host.isolateCount).toBeLessThanOrEqual(4 + 4);
  });
});

const manifest = validateManifest({
  name: 'demo',
  version: '1.0.0',
  capabilities: { read: ['customer'], write: ['order'], fetch: ['https://api.example.com/*'] },
  hooks: ['beforeCreate:order', 'formula:MYFUNC'],
});

function hook(code: string, extra: Partial<HookWork> = {}): HookWork {
  return {
    tenant: 't1',
    pluginKey: code,
    manifest,
    code,
    hook: 'beforeCreate:order',
    inputJson: '{"amount":10}',
    limits: resolveLimits({ wallMs: 1_000, cpuMs: 500, memoryMb: 32, maxHostCalls: 5, maxOutputBytes: 10_000 }),
    ...extra,
  };
}

describe('IsolateHost hooks', () => {
  const calls: Array<[string, unknown]> = [];
  const caller = async (fn: string, argsJson: string): Promise<string> => {
    calls.push([fn, JSON.parse(argsJson)]);
    if (fn === 'write') throw new Error('db down');
    return JSON.stringify({ fn, ok: true });
  };

  it('runs a hook with granted host functions only', async () => {
    const code = `
      function helper(x) { return x * 2; }
      hooks['beforeCreate:order'] = async (input, host) => {
        const c = await host.read('customer', { id: 1 });
        const f = await host.fetch('https://api.example.com/x', { method: 'GET' });
        let writeError;
        try { await host.write('order', { a: 1 }); } catch (e) { writeError = e.code + ':' + e.message; }
        return { doubled: helper(input.amount), c, f, writeError, keys: Object.keys(host) };
      };`;
    const out = JSON.parse(await host.runHook(hook(code), caller));
    expect(out).toEqual({
      doubled: 20,
      c: { fn: 'read', ok: true },
      f: { fn: 'fetch', ok: true },
      writeError: 'guest_error:db down',
      keys: ['read', 'write', 'fetch'],
    });
    expect(calls.map((c) => c[0])).toEqual(['read', 'fetch', 'write']);
    const alias = await host.runHook(hook('hooks.formula_MYFUNC = (input) => input.amount + 1;', { hook: 'formula:MYFUNC' }), caller);
    expect(alias).toBe('11');
    expect(await host.runHook(hook('hooks.beforeCreate_order = () => undefined;'), caller)).toBe('null');
  });

  it('denies objects and URLs the manifest does not grant', async () => {
    const caught = `hooks.beforeCreate_order = async (i, host) => { try { await host.read('secret', {}); } catch (e) { return e.code; } };`;
    expect(await host.runHook(hook(caught), caller)).toBe('"capability_denied"');
    await expectCode(host.runHook(hook(`hooks.beforeCreate_order = (i, host) => host.fetch('https://evil.com/');`), caller), 'capability_denied');
    const none = validateManifest({ name: 'none', version: '1.0.0', hooks: ['beforeCreate:order'] });
    expect(await host.runHook(hook('hooks.beforeCreate_order = (i, host) => Object.keys(host);', { manifest: none }), caller)).toBe('[]');
  });

  it('maps failures to stable codes', async () => {
    await expectCode(host.runHook(hook('hooks.other = () => 1;'), caller), 'guest_error');
    await expectCode(host.runHook(hook('this is not javascript'), caller), 'guest_error');
    await expectCode(host.runHook(hook('throw new Error("boot")'), caller), 'guest_error');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = () => 1n;'), caller), 'guest_error');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = () => "x".repeat(20000);'), caller), 'output_too_large');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = () => { while (true) {} };'), caller), 'timeout');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = () => new Promise(() => {});', { limits: resolveLimits({ wallMs: 100 }) }), caller), 'timeout');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = () => { const k = []; while (true) k.push(new Array(1e5).fill(1.5)); };'), caller), 'memory_limit');
    await expectCode(host.runHook(hook('hooks.beforeCreate_order = async (i, host) => { for (;;) await host.read("customer", {}); };'), caller), 'concurrency_limit');
    await expectCode(
      host.runHook(
        hook('hooks.beforeCreate_order = (i, host) => Promise.all(Array.from({ length: 100 }, () => host.read("customer", {})));', { limits: resolveLimits({ maxHostCalls: 1000 }) }),
        () => new Promise(() => {}),
      ),
      'concurrency_limit',
    );
  });

  it('rejects malformed host-call arguments inside the worker', async () => {
    const big = `hooks.beforeCreate_order = async (i, host) => { try { await host.read('customer', 'x'.repeat(2e6)); } catch (e) { return e.code; } };`;
    expect(await host.runHook(hook(big), caller)).toBe('"invalid_request"');
    const cyclic = `hooks.beforeCreate_order = async (i, host) => { const o = {}; o.o = o; try { await host.read('customer', o); } catch (e) { return e.name; } };`;
    expect(await host.runHook(hook(cyclic), caller)).toBe('"TypeError"');
  });
});
