// Activities from plugins: a small plugin logs a meeting activity (with its duration) on the
// customer when a visit is checked out, through the SDK's records.create — the same activity
// object the one-tap log and the inbound email write, validated like any caller's write.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '../src/testing.ts';

let h: Harness;

const SOURCE = `import { definePlugin } from 'attain:sdk';
export default definePlugin({
  hooks: {
    'afterUpdate:visit': async (e, attain) => {
      const v = e.record;
      if (!v || !v.check_out_at || e.before?.check_out_at) return;
      const minutes = Math.round((Date.parse(String(v.check_out_at)) - Date.parse(String(v.check_in_at))) / 60000);
      await attain.records.create('activity', {
        subject: 'Visit, ' + minutes + ' min',
        kind: 'meeting',
        occurred_at: v.check_in_at,
        duration_minutes: minutes,
        outcome: 'reached',
        customer_id: v.customer_id,
      });
    },
  },
});
`;

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'attain-activity-')), 'visit-log');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'attain-plugin.json'), JSON.stringify({ name: 'visit-log', version: '1.0.0', capabilities: { read: ['visit'], write: ['activity'] }, hooks: ['afterUpdate:visit'] }));
  await writeFile(join(dir, 'src', 'index.ts'), SOURCE);
  h = await pluginHarness(dir);
});
afterAll(async () => {
  await h?.close();
});

describe('activities from a plugin', () => {
  it('a checked-out visit becomes a meeting activity with its duration, written as the plugin', async () => {
    const r = await h.records();
    const customer = await r.create('customer', { name: 'Corner shop' }, h.actor);
    const visit = await r.create('visit', { customer_id: customer.id, check_in_at: '2026-05-01T09:00:00Z' }, h.actor);
    await r.update('visit', visit.id, { check_out_at: '2026-05-01T09:40:00Z' }, h.actor);
    await h.drain();
    const [activity, ...more] = (await r.list('activity', { filter: { customer_id: { eq: customer.id } } })).data;
    expect(more).toHaveLength(0);
    expect(activity).toMatchObject({ subject: 'Visit, 40 min', kind: 'meeting', duration_minutes: 40, outcome: 'reached' });
    const audit = await h.store.audit.list(h.tenant, { object: 'activity', recordId: activity!.id });
    expect(audit[0]?.actor.label).toBe('plugin:visit-log');
  });
});
