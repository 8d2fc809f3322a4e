import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pluginHarness, type Harness } from '@attain/plugins/testing';

let h: Harness;
beforeAll(async () => {
  h = await pluginHarness(fileURLToPath(new URL('..', import.meta.url)), { settings: { bigDeal: 50000, welcomeSubject: 'Say hello' } });
});
afterAll(() => h.close());

it('refuses winning a big deal without a next step, sets probability otherwise', async () => {
  const records = await h.records();
  const c = await records.create('customer', { name: 'Acme' }, h.actor);
  const big = await records.create('opportunity', { name: 'Big', customer_id: c.id, amount: 80000, close_date: '2026-12-31', stage: 'proposal' }, h.actor);
  await expect(records.update('opportunity', big.id, { stage: 'closed_won' }, h.actor)).rejects.toMatchObject({ code: 'plugin_refused' });
  const won = await records.update('opportunity', big.id, { stage: 'closed_won', next_step: 'Kick-off' }, h.actor);
  expect(Number(won.probability)).toBe(1);
  const small = await records.create('opportunity', { name: 'Small', customer_id: c.id, amount: 1000, close_date: '2026-12-31', stage: 'proposal' }, h.actor);
  expect(Number((await records.update('opportunity', small.id, { stage: 'closed_lost' }, h.actor)).probability)).toBe(0);
  // Clearing the next step in the same patch counts as having none.
  const other = await records.create('opportunity', { name: 'Other', customer_id: c.id, amount: 90000, close_date: '2026-12-31', stage: 'proposal', next_step: 'Call' }, h.actor);
  await expect(records.update('opportunity', other.id, { stage: 'closed_won', next_step: null }, h.actor)).rejects.toMatchObject({ code: 'plugin_refused' });
});

it('gives a new customer one welcome call', async () => {
  const records = await h.records();
  const c = await records.create('customer', { name: 'Globex' }, h.actor);
  await h.drain();
  await h.drain();
  const calls = (await records.list('activity', { filter: { customer_id: { eq: c.id } } })).data;
  expect(calls.map((a) => a.subject)).toEqual(['Say hello']);
  expect(calls[0]?.owner_id).toBe(c.owner_id);
});
