// tiered-bonus against a real isolate and a test tenant: the formula function evaluated in one
// batched sandbox call, and the nightly job run by the durable job runner.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '@attain/plugins/testing';
import { JOB_QUEUE } from '@attain/plugins';
import { tieredBonus } from '../src/bonus.ts';

const dir = fileURLToPath(new URL('..', import.meta.url));
let h: Harness;

beforeAll(async () => {
  h = await pluginHarness(dir, { settings: { monthlyTarget: 10000, retention: 0.96 } });
});
afterAll(async () => {
  await h?.close();
});

describe('tiered-bonus plugin', () => {
  it('the rule: tier by attainment, times the retention multiplier', () => {
    expect(tieredBonus(10000, 0.5, 0.9)).toBe('0.00');
    expect(tieredBonus(10000, 0.9, 0.9)).toBe('300.00');
    expect(tieredBonus(10000, 1.1, 0.96)).toBe('600.00');
    expect(tieredBonus(10000, 1.3, 0.5)).toBe('640.00');
    expect(tieredBonus('x', 1, 1)).toBeNull();
  });

  it('declares TIERED_BONUS with its types, so formulas can type a call to it', () => {
    expect(h.view.formulas.TIERED_BONUS).toMatchObject({ args: ['numeric', 'numeric', 'numeric'], returns: 'money' });
    expect(h.view.requested.hooks).toContain('formula:TIERED_BONUS');
  });

  it('TIERED_BONUS runs batched in the sandbox, one value per row', async () => {
    const rows = [
      [10000, 0.9, 0.9],
      [10000, 1.1, 0.96],
      ['12000.50', 1.25, 0.8],
      ['x', 1, 1],
    ];
    expect(await h.runtime.formula(h.tenant, 'TIERED_BONUS', rows)).toEqual(['300.00', '600.00', '768.03', null]);
    await expect(h.runtime.formula(h.tenant, 'NO_SUCH', [[1]])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the nightly job leaves each rep a note with the bonus so far, and schedules the next run', async () => {
    const records = await h.records();
    const unit = await records.create('org_unit', { name: 'Sales' }, h.actor);
    const rep = await records.create('user', { name: 'Rep One', email: 'rep1@bonus.test', role: 'rep', org_unit_id: unit.id, active: true }, h.actor);
    const c = await records.create('customer', { name: 'Acme' }, h.actor);
    const today = new Date().toISOString().slice(0, 10);
    for (const amount of ['6000', '5000']) {
      await records.create('opportunity', { name: `Deal ${amount}`, customer_id: c.id, amount, close_date: today, stage: 'closed_won', owner_id: rep.id }, h.actor);
    }
    // A run due in the past (as if the node had been down at 01:00) runs at once.
    await h.runtime.schedule(h.tenant, new Date('2001-01-01T00:00:00Z'));
    await h.drain();
    const notes = (await records.list('activity', { filter: { kind: { eq: 'note' } } })).data;
    expect(notes).toHaveLength(1);
    // 11000 of 10000 = 110 % → 5 %, retention 0.96 → ×1.2: 660.
    expect(notes[0]?.subject).toBe(`Bonus so far in ${today.slice(0, 7)}: 660.00`);
    const next = await h.store.jobs.list({ queue: JOB_QUEUE, tenant: h.tenant, status: 'ready' });
    expect(next.some((j) => j.runAt.endsWith('T01:00:00.000Z') && new Date(j.runAt) > new Date())).toBe(true);
    const audit = await h.store.audit.list(h.tenant, { limit: 50 });
    expect(audit.some((a) => a.object === 'activity' && a.actor.label === 'plugin:tiered-bonus')).toBe(true);
  });
});
