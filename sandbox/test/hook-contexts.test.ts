import { afterAll, describe, expect, it } from 'vitest';
import { SandboxPool } from '../src/index.ts';

const pool = new SandboxPool({ size: 1 });
afterAll(async () => {
  await pool.close();
});

const plugin = { manifest: { name: 'many', version: '1.0.0', capabilities: {}, hooks: ['beforeCreate:order'] }, code: "hooks['beforeCreate:order'] = (input) => ({ n: input.n });" };

describe('hook contexts', () => {
  // Each call's context used to stay referenced in the plugin's isolate: calls slowed down
  // linearly and a tight CPU limit stopped a harmless plugin after about 330 calls.
  it('are freed after each call, so a plugin keeps running call after call', async () => {
    for (let n = 0; n < 600; n++) {
      await expect(pool.runHook({ tenant: 't', plugin, hook: 'beforeCreate:order', input: { n }, host: {}, limits: { memoryMb: 64, cpuMs: 1000 } })).resolves.toEqual({ n });
    }
  });
});
