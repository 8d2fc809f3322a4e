import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool, createSandboxPool, type HostCapabilities, type Plugin } from '../src/index.ts';
import { batch, expectCode, expectHealthy } from './helpers.ts';

let pool: SandboxPool;
beforeAll(async () => {
  pool = createSandboxPool({ size: 2, limits: { wallMs: 1_500 }, maxConcurrentPerTenant: 2, maxQueuedPerTenant: 1 });
  await pool.ready();
});
afterAll(() => pool.close());

const plugin: Plugin = {
  manifest: {
    name: 'discounts',
    version: '2.0.0',
    capabilities: { read: ['customer'], write: ['order'], fetch: ['https://api.example.com/*'] },
    hooks: ['beforeCreate:order', 'formula:TIER'],
  },
  code: `
    hooks['beforeCreate:order'] = async (order, host) => {
      const customer = await host.read('customer', { id: order.customerId });
      const rate = await host.fetch('https://api.example.com/rates?c=' + customer.country, { method: 'GET' });
      await host.write('order', { ...order, note: 'checked' });
      return { ...order, discount: customer.vip ? rate.vip : 0 };
    };
    hooks.formula_TIER = (x) => (x > 100 ? 'gold' : 'silver');`,
};

function recordingHost(): HostCapabilities & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read: async (object, query) => {
      log.push(`read ${object} ${JSON.stringify(query)}`);
      return { country: 'NL', vip: true };
    },
    write: async (object) => {
      log.push(`write ${object}`);
      return { ok: true };
    },
    fetch: async (url) => {
      log.push(`fetch ${url}`);
      return { vip: 0.1 };
    },
  };
}

describe('SandboxPool batches', () => {
  it('evaluates formulas in worker processes', async () => {
    await expectHealthy(pool);
    expect(pool.stats().workers).toHaveLength(2);
    expect(pool.stats().workers.every((w) => w.alive && typeof w.pid === 'number' && w.pid !== process.pid)).toBe(true);
  });

  it('moves large numeric and mixed columns', async () => {
    const n = 200_000;
    const amount = Array.from({ length: n }, (_, i) => i);
    const name = Array.from({ length: n }, (_, i) => `r${i}`);
    const out = await pool.runBatch(batch('t-big', '(c, n) => { const o = new Array(n); for (let i = 0; i < n; i++) o[i] = c.amount[i] * 2; return o; }', { columns: { amount }, rowCount: n }));
    expect(out).toHaveLength(n);
    expect(out[n - 1]).toBe((n - 1) * 2);
    const labels = await pool.runBatch(batch('t-big', '(c, n) => c.name.map((s, i) => s + ":" + c.amount[i])', { columns: { amount, name }, rowCount: n }));
    expect(labels[n - 1]).toBe(`r${n - 1}:${n - 1}`);
    const typed = await pool.runBatch(batch('t-big', '(c, n) => Array.from(c.x)', { columns: { x: new Float64Array([1, 2, 3]) } }));
    expect(typed).toEqual([1, 2, 3]);
  });

  it('caches compiled functions per (tenant, revision, key) and reloads them after a restart', async () => {
    const req = batch('t-cache', '(c, n) => c.a.map((x) => x + 100)');
    expect(await pool.runBatch(req)).toEqual([101, 102, 103]);
    expect(await pool.runBatch({ ...req, source: 'ignored: cached by key' })).toEqual([101, 102, 103]);
    expect(await pool.runBatch({ ...req, revision: 2, source: '(c, n) => c.a.map((x) => x + 200)' })).toEqual([201, 202, 203]);
  });

  it('validates requests', async () => {
    const good = batch('t-val', '(c, n) => c.a');
    await expectCode(pool.runBatch({ ...good, tenant: '' }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, key: 5 as unknown as string }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, revision: {} as unknown as number }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, prelude: null as unknown as string }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, source: '' }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, rowCount: -1 }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, rowCount: 1.5 }), 'invalid_request');
    await expectCode(pool.runBatch({ ...good, columns: { a: 'x' } as unknown as Record<string, unknown[]> }), 'invalid_request');
  });

  it('limits concurrency per tenant: runs 2, queues 1, refuses the rest', async () => {
    const slow = batch('t-busy', '(c, n) => { const t = Date.now(); while (Date.now() - t < 150) {} return c.a; }');
    const results = await Promise.allSettled([pool.runBatch(slow), pool.runBatch(slow), pool.runBatch(slow), pool.runBatch(slow)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    await expectCode(Promise.reject((results[3] as PromiseRejectedResult).reason), 'concurrency_limit');
    // Another tenant is not affected.
    await expectHealthy(pool, 'other-tenant');
  });
});

describe('SandboxPool plugin hooks', () => {
  it('runs hooks with the host capabilities the manifest grants', async () => {
    const host = recordingHost();
    const out = await pool.runHook({ tenant: 't-hook', plugin, hook: 'beforeCreate:order', input: { customerId: 7, amount: 50 }, host });
    expect(out).toEqual({ customerId: 7, amount: 50, discount: 0.1 });
    expect(host.log).toEqual(['read customer {"id":7}', 'fetch https://api.example.com/rates?c=NL', 'write order']);
    expect(await pool.runHook({ tenant: 't-hook', plugin, hook: 'formula:TIER', input: 150, host })).toBe('gold');
  });

  it('validates the manifest and the hook name', async () => {
    const host = recordingHost();
    const e = await expectCode(pool.runHook({ tenant: 't', plugin: { manifest: { ...plugin.manifest, version: 'one' }, code: '' }, hook: 'formula:TIER', input: 1, host }), 'invalid_manifest');
    expect(e.details[0]).toMatchObject({ path: 'version', rule: 'semver' });
    await expectCode(pool.runHook({ tenant: 't', plugin, hook: 'afterDelete:order', input: 1, host }), 'capability_denied');
    await expectCode(pool.runHook({ tenant: 't', plugin: { manifest: plugin.manifest, code: 5 as unknown as string }, hook: 'formula:TIER', input: 1, host }), 'invalid_request');
    await expectCode(pool.runHook({ tenant: 't', plugin: null as unknown as Plugin, hook: 'formula:TIER', input: 1, host }), 'invalid_request');
    await expectCode(pool.runHook({ tenant: '', plugin, hook: 'formula:TIER', input: 1, host }), 'invalid_request');
    await expectCode(pool.runHook({ tenant: 't', plugin, hook: 'formula:TIER', input: 'x'.repeat(100), host, limits: { maxOutputBytes: 10 } }), 'invalid_request');
  });

  it('denies what the manifest or the host does not provide, and reports host failures', async () => {
    const code = (body: string): Plugin => ({ manifest: plugin.manifest, code: `hooks.formula_TIER = async (input, host) => { ${body} };` });
    const run = (body: string, host: HostCapabilities): Promise<unknown> => pool.runHook({ tenant: 't-deny', plugin: code(body), hook: 'formula:TIER', input: null, host });
    await expectCode(run(`return host.read('invoice', {});`, recordingHost()), 'capability_denied');
    await expectCode(run(`return host.write('customer', {});`, recordingHost()), 'capability_denied');
    await expectCode(run(`return host.fetch('https://api.example.com.evil.com/', {});`, recordingHost()), 'capability_denied');
    await expectCode(run(`return host.read('customer', {});`, {}), 'capability_denied');
    const hostError = await expectCode(
      run(`return host.read('customer', {});`, {
        read: async () => {
          throw new Error('database unavailable');
        },
      }),
      'guest_error',
    );
    expect(hostError.message).toMatch(/database unavailable/);
    await expectCode(run(`return host.read('customer', {});`, { read: async () => 10n }), 'guest_error');
    expect(await run(`return host.read('customer', {});`, { read: async () => undefined })).toBeNull();
  });
});

describe('SandboxPool lifecycle', () => {
  it('replaces a worker killed mid-call and retries the calls queued behind it', async () => {
    const local = new SandboxPool({ size: 1, limits: { wallMs: 5_000 } });
    await local.ready();
    const pid = local.stats().workers[0]!.pid!;
    const slow = local.runBatch(batch('t-kill', '(c, n) => { while (true) {} }'));
    const queued = local.runBatch(batch('t-kill', '(c, n) => c.a.map(F.dbl)'));
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, 'SIGKILL');
    await expectCode(slow, 'worker_crashed');
    expect(await queued).toEqual([2, 4, 6]);
    expect(local.stats().restarts).toBe(1);
    expect(local.stats().workers[0]!.pid).not.toBe(pid);
    await expectHealthy(local);
    await local.close();
  });

  it('kills an unresponsive worker after wallMs + grace', async () => {
    const local = new SandboxPool({ size: 1, limits: { wallMs: 100 }, graceMs: 100 });
    await local.ready();
    const pid = local.stats().workers[0]!.pid!;
    // Stop the worker process: it cannot answer, so the pool's backstop must fire.
    process.kill(pid, 'SIGSTOP');
    await expectCode(local.runBatch(batch('t-stuck', '(c, n) => c.a')), 'timeout');
    await expectHealthy(local);
    await local.close();
  });

  it('closes gracefully: running calls finish, new and queued calls fail with closed', async () => {
    const local = new SandboxPool({ size: 1, maxConcurrentPerTenant: 1 });
    const running = local.runBatch(batch('t-close', '(c, n) => { const t = Date.now(); while (Date.now() - t < 100) {} return c.a; }'));
    const queued = local.runBatch(batch('t-close', '(c, n) => c.a'));
    await new Promise((r) => setTimeout(r, 20));
    const closing = local.close();
    await expectCode(queued, 'closed');
    await expectCode(local.runBatch(batch('t-close', '(c, n) => c.a')), 'closed');
    expect(await running).toEqual([1, 2, 3]);
    await closing;
    await local.close();
    expect(local.stats().workers[0]!.alive).toBe(false);
  });
});
