// A plugin that loops, allocates without bound, throws, or reaches outside its grant (an object,
// a host, the SSRF guard) is stopped with a stable code and audited, the write it guarded is
// refused, and another tenant's writes are served meanwhile.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { pluginHarness, type Harness } from '../src/testing.ts';

let root: string;
let store: Store;

async function plugin(name: string, body: string, capabilities: Record<string, string[]> = {}): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'attain-plugin.json'), JSON.stringify({ name, version: '1.0.0', capabilities, hooks: ['beforeCreate:customer'] }));
  await writeFile(
    join(dir, 'src', 'index.ts'),
    `import { definePlugin } from 'attain:sdk';\nexport default definePlugin({ hooks: { 'beforeCreate:customer': async (event, attain) => { ${body} } } });\n`,
  );
  return dir;
}

const harnesses: Harness[] = [];
async function harness(name: string, body: string, capabilities?: Record<string, string[]>): Promise<Harness> {
  const h = await pluginHarness(await plugin(name, body, capabilities), { store });
  harnesses.push(h);
  return h;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'attain-plugins-'));
  store = await openTestStore();
});
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

async function stoppedWith(h: Harness, code: string): Promise<void> {
  const records = await h.records();
  const error = (await records.create('customer', { name: 'X' }, h.actor).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; status?: number; details?: Array<{ rule: string }> } | undefined;
  expect(error).toMatchObject({ code: 'plugin_failed', status: 422 });
  expect(error?.details?.[0]?.rule).toBe(code);
  expect((await records.list('customer', {})).data).toHaveLength(0);
  const failed = (await store.audit.list(h.tenant, { object: 'plugin' })).filter((a) => a.action === 'plugin.failed' || a.action === 'plugin.denied');
  expect(failed.map((a) => (a.after as { code?: string }).code ?? 'denied')).toContain(code === 'capability_denied' ? 'capability_denied' : code);
}

describe('a misbehaving plugin is stopped, audited, and others are served', () => {
  it('a loop is stopped by the time limit while another tenant is served', async () => {
    const looper = await harness('looper', 'for (;;) {}');
    const good = await harness('good', "return { set: { status: 'prospect' } };");
    const started = Date.now();
    let loopDone = 0;
    const loop = stoppedWith(looper, 'timeout').then(() => (loopDone = Date.now()));
    const saved = await (await good.records()).create('customer', { name: 'Served' }, good.actor);
    const servedAt = Date.now();
    expect(saved.status).toBe('prospect');
    await loop;
    expect(servedAt).toBeLessThan(loopDone);
    expect(loopDone - started).toBeGreaterThan(500);
  });

  it('unbounded allocation is stopped by the memory limit', async () => {
    await stoppedWith(await harness('hog', 'const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));'), 'memory_limit');
  });

  it('a throw is a guest error', async () => {
    await stoppedWith(await harness('thrower', "throw new Error('boom');"), 'guest_error');
  });

  it('reading an object outside the grant is denied, even if the plugin catches it', async () => {
    await stoppedWith(await harness('sneaky', "try { await attain.records.list('user'); } catch { /* swallowed */ } return undefined;", { read: ['customer'] }), 'capability_denied');
  });

  it('fetching without a fetch grant, or a granted but private address, is denied', async () => {
    await stoppedWith(await harness('nofetch', "await attain.fetch('https://evil.example.com/x');"), 'capability_denied');
    await stoppedWith(await harness('private', "await attain.fetch('https://127.0.0.1/x');", { fetch: ['https://127.0.0.1/*'] }), 'capability_denied');
    await stoppedWith(await harness('otherhost', "await attain.fetch('https://evil.example.com/x');", { fetch: ['https://good.example.com/*'] }), 'capability_denied');
  });
});

describe('tenants without plugins', () => {
  it('write as before and get no plugin tables', async () => {
    const { pluginsFor } = await import('../src/index.ts');
    pluginsFor(store);
    const name = `noplug${process.pid}`;
    await store.tenants.create(name);
    await store.metadata.apply(
      name,
      [
        {
          kind: 'object',
          id: 'o.note',
          name: 'note',
          label: { en: 'Note' },
          'x-attain': { owned: false },
          schema: { type: 'object', properties: { title: { type: 'string', 'x-attain': { id: 'o.note.title' } } } },
        },
      ],
      { actor: { userId: null } },
    );
    const saved = await (await store.records(name)).create('note', { title: 'hi' }, { userId: null });
    expect(saved.title).toBe('hi');
    const schema = (await store.snapshot(name))!.tenant.schema;
    const found = (await store.db.knex.raw('select to_regclass(?) as t', [`"${schema}"."attain_plugins_installs"`])) as { rows: Array<{ t: unknown }> };
    expect(found.rows[0]?.t ?? null).toBeNull();
  });
});
