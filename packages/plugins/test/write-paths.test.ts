// Before-hooks see every write path of the records service (create, update, upsert as create or
// update, delete) with the right event; the SDK writes as the plugin's principal without
// re-entering the plugin's own hooks; after-delete runs as a job.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '../src/testing.ts';

let h: Harness;

const SOURCE = `import { definePlugin } from 'attain:sdk';
export default definePlugin({
  hooks: {
    'beforeCreate:customer': async (e, attain) => {
      if (e.record?.name === 'Forbidden') return { refuse: 'That name is taken by policy.' };
      if (e.record?.name === 'Spawn') {
        // An SDK write: runs as plugin:writer and does not come back into this hook.
        await attain.records.create('customer', { name: 'Spawned', region: 'sdk' });
        const found = await attain.records.list('customer', { filter: { name: { eq: 'Spawned' } } });
        attain.log('spawned', found.length);
      }
      return { set: { region: 'op:' + e.op } };
    },
    'beforeUpdate:customer': (e) => {
      if (e.before?.name === 'Locked') return { refuse: 'Locked customers cannot change.' };
      return { set: { city: 'was:' + e.before?.name } };
    },
    'beforeDelete:customer': (e) => (e.before?.name === 'Keep' ? { refuse: 'Keep stays.' } : undefined),
    'afterDelete:customer': async (e, attain) => {
      await attain.records.create('activity', { subject: 'deleted ' + e.before?.name, kind: 'note', occurred_at: '2026-01-01T00:00:00Z' });
    },
  },
});
`;

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'attain-paths-')), 'writer');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'attain-plugin.json'),
    JSON.stringify({
      name: 'writer',
      version: '1.0.0',
      capabilities: { read: ['customer'], write: ['customer', 'activity'] },
      hooks: ['beforeCreate:customer', 'beforeUpdate:customer', 'beforeDelete:customer', 'afterDelete:customer'],
    }),
  );
  await writeFile(join(dir, 'src', 'index.ts'), SOURCE);
  h = await pluginHarness(dir);
});
afterAll(async () => {
  await h?.close();
});

describe('before-hooks on every write path', () => {
  it('create, update, upsert and delete', async () => {
    const r = await h.records();
    const a = await r.create('customer', { name: 'Alpha' }, h.actor);
    expect(a.region).toBe('op:create');
    const b = await r.update('customer', a.id, { name: 'Beta' }, h.actor);
    expect(b.city).toBe('was:Alpha');
    await expect(r.create('customer', { name: 'Forbidden' }, h.actor)).rejects.toMatchObject({ code: 'plugin_refused', message: 'That name is taken by policy.' });

    await r.upsert('customer', [{ external_id: 'x1', name: 'Up One' }], h.actor);
    const up = await r.upsert(
      'customer',
      [
        { external_id: 'x1', name: 'Up One Renamed' },
        { external_id: 'x2', name: 'Up Two' },
      ],
      h.actor,
    );
    expect(up.records.map((c) => [c.name, c.region, c.city ?? null])).toEqual([
      ['Up One Renamed', 'op:create', 'was:Up One'],
      ['Up Two', 'op:create', null],
    ]);

    const locked = await r.create('customer', { name: 'Locked' }, h.actor);
    await expect(r.update('customer', locked.id, { name: 'Free' }, h.actor)).rejects.toMatchObject({ code: 'plugin_refused' });
    await expect(r.upsert('customer', [{ external_id: 'x3', name: 'Forbidden' }], h.actor)).rejects.toMatchObject({ code: 'plugin_refused' });

    const keep = await r.create('customer', { name: 'Keep' }, h.actor);
    await expect(r.delete('customer', keep.id, h.actor)).rejects.toMatchObject({ code: 'plugin_refused', message: 'Keep stays.' });
    await r.delete('customer', locked.id, h.actor);
    await h.drain();
    const notes = (await r.list('activity', {})).data.map((n) => n.subject);
    expect(notes).toEqual(['deleted Locked']);
  });

  it('SDK writes run as the plugin and do not re-enter its own hooks', async () => {
    const r = await h.records();
    await r.create('customer', { name: 'Spawn' }, h.actor);
    const spawned = (await r.list('customer', { filter: { name: { eq: 'Spawned' } } })).data;
    expect(spawned).toHaveLength(1);
    expect(spawned[0]?.region).toBe('sdk');
    const audit = await h.store.audit.list(h.tenant, { object: 'customer', recordId: spawned[0]!.id });
    expect(audit[0]?.actor.label).toBe('plugin:writer');
    const calls = (await h.store.audit.list(h.tenant, { object: 'plugin', limit: 100 })).filter((e) => e.action === 'plugin.call').map((e) => (e.after as { fn: string }).fn);
    expect(calls).toEqual(expect.arrayContaining(['write', 'read']));
  });
});
