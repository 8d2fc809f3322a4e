import { afterAll, describe, expect, it } from 'vitest';
import { SandboxPool, type HostCapabilities, type Plugin } from '../src/index.ts';
import { expectCode } from './helpers.ts';

const pool = new SandboxPool({ size: 1 });
afterAll(async () => {
  await pool.close();
});

const plugin = { manifest: { name: 'many', version: '1.0.0', capabilities: {}, hooks: ['beforeCreate:order'] }, code: "hooks['beforeCreate:order'] = (input) => ({ n: input.n });" };

// One plugin, run by several tenants: `input.do` says what the call does to the context it runs in.
const stateful: Plugin = {
  manifest: { name: 'stateful', version: '1.0.0', capabilities: { read: ['customer'] }, hooks: ['beforeCreate:order'] },
  code: `
    let calls = 0;
    hooks['beforeCreate:order'] = async (input, host) => {
      calls++;
      const seen = { calls, mark: globalThis.mark ?? null, mapped: [1].map((x) => x + 1)[0] };
      if (input.do === 'mark') globalThis.mark = input.value;
      if (input.do === 'throw') { globalThis.mark = 'left by a failed call'; throw new Error('boom'); }
      if (input.do === 'spin') { globalThis.mark = 'left by a runaway call'; for (;;) {} }
      if (input.do === 'tamper') Array.prototype.map = function () { return ['tampered']; };
      if (input.do === 'linger') {
        // Keeps calling the host after the call has answered.
        (async () => { for (let i = 0; i < 20; i++) { try { await host.read('customer', { i }); } catch (e) { globalThis.lingerError = e.message; } } })();
      }
      if (input.do === 'lingered') return { ...seen, lingerError: globalThis.lingerError ?? null };
      return seen;
    };`,
};
const limits = { memoryMb: 64, cpuMs: 1000, wallMs: 1000, maxHostCalls: 10 };
const reads: unknown[] = [];
const host: HostCapabilities = {
  read: async (_object, query) => {
    reads.push(query);
    return {};
  },
};
const call = (tenant: string, input: Record<string, unknown>) => pool.runHook({ tenant, plugin: stateful, hook: 'beforeCreate:order', input, host, limits });

describe('hook contexts', () => {
  // Each call's context used to stay referenced in the plugin's isolate: calls slowed down
  // linearly and a tight CPU limit stopped a harmless plugin after about 330 calls.
  it('are freed after each call, so a plugin keeps running call after call', async () => {
    for (let n = 0; n < 600; n++) {
      await expect(pool.runHook({ tenant: 't', plugin, hook: 'beforeCreate:order', input: { n }, host: {}, limits: { memoryMb: 64, cpuMs: 1000 } })).resolves.toEqual({ n });
    }
  });

  it("are warm per tenant: one tenant's global is never seen by another tenant's call", async () => {
    await call('tenant-a', { do: 'mark', value: 'secret of a' });
    // The same tenant's next call may find its own plugin's state (a warm context)…
    await expect(call('tenant-a', {})).resolves.toMatchObject({ calls: 2, mark: 'secret of a' });
    // …another tenant running the very same plugin code starts from nothing.
    await expect(call('tenant-b', {})).resolves.toMatchObject({ calls: 1, mark: null });
    await call('tenant-b', { do: 'mark', value: 'secret of b' });
    await expect(call('tenant-a', {})).resolves.toMatchObject({ mark: 'secret of a' });
    await expect(call('tenant-b', {})).resolves.toMatchObject({ mark: 'secret of b' });
  });

  it('are discarded after a failed call', async () => {
    await expectCode(call('tenant-c', { do: 'throw' }), 'guest_error');
    await expect(call('tenant-c', {})).resolves.toMatchObject({ calls: 1, mark: null });
  });

  it('are discarded, isolate and all, after a call that hit a limit', async () => {
    await call('tenant-d', { do: 'mark', value: 'before' });
    await expectCode(call('tenant-d', { do: 'spin' }), 'timeout');
    await expect(call('tenant-d', {})).resolves.toMatchObject({ calls: 1, mark: null });
  });

  it('are not reused after a call overwrote a built-in method', async () => {
    await expect(call('tenant-e', { do: 'tamper' })).resolves.toMatchObject({ mapped: 2 });
    await expect(call('tenant-e', {})).resolves.toMatchObject({ calls: 1, mapped: 2 });
  });

  it('are rebuilt from code the pool sends again once the worker has dropped it', async () => {
    // The pool sends a plugin's code to a worker once; the worker keeps the last 64 plugins' code.
    const numbered = (i: number): Plugin => ({
      manifest: { name: `p${i}`, version: '1.0.0', capabilities: {}, hooks: ['beforeCreate:order'] },
      code: `hooks['beforeCreate:order'] = () => ${i};`,
    });
    for (let i = 0; i < 70; i++) await expect(pool.runHook({ tenant: 'tenant-g', plugin: numbered(i), hook: 'beforeCreate:order', input: {}, host: {}, limits })).resolves.toBe(i);
    await expect(pool.runHook({ tenant: 'tenant-g', plugin: numbered(0), hook: 'beforeCreate:order', input: {}, host: {}, limits })).resolves.toBe(0);
  });

  it("give a call's lingering promises no host access once it has answered", async () => {
    reads.length = 0;
    await call('tenant-f', { do: 'linger' });
    // The next call runs in the same context; the leftover loop's reads are refused, not charged to it.
    let out: { lingerError?: unknown } = {};
    for (let i = 0; i < 20 && !out.lingerError; i++) out = (await call('tenant-f', { do: 'lingered' })) as { lingerError?: unknown };
    expect(out.lingerError).toBe('the hook call has ended');
    expect(reads.length).toBeLessThan(20);
  });
});
