// Stored formulas that read other records follow those records: a parent's field, a roll-up of
// children — through create, update, move, delete, restore and upsert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type RecordService, type Store } from '../src/index.ts';
import { system, tenantWith, userDoc } from './fixtures.ts';

type Doc = Record<string, unknown>;
let store: Store;
let r: RecordService;

const money = (id: string, expression?: string): Doc => ({ type: 'number', 'x-attain': { id, storage: 'money', ...(expression ? { formula: { expression, stored: true } } : {}) } });

function docs(): Doc[] {
  const account: Doc = {
    kind: 'object',
    id: 'obj.account',
    name: 'account',
    label: { en: 'Account' },
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 80, 'x-attain': { id: 'account.name' } },
        tier: { type: 'string', maxLength: 20, 'x-attain': { id: 'account.tier' } },
        deal_total: money('account.deal_total', 'SUM(deals.budget)'),
        open_deals: { type: 'integer', 'x-attain': { id: 'account.open_deals', formula: { expression: 'COUNT(deals, deals.budget > 0)', stored: true } } },
      },
    },
  };
  const deal: Doc = {
    kind: 'object',
    id: 'obj.deal',
    name: 'deal',
    label: { en: 'Deal' },
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 80, 'x-attain': { id: 'deal.name' } },
        account_id: { type: 'string', 'x-attain': { id: 'deal.account', ref: { object: 'account', onDelete: 'set_null', inverse: 'deals' } } },
        budget: money('deal.budget'),
        account_tier: { type: 'string', 'x-attain': { id: 'deal.account_tier', formula: { expression: 'COALESCE(account.tier, "none")', stored: true } } },
        line_sum: money('deal.line_sum', 'SUM(lines.amount)'),
        big_lines: money('deal.big_lines', 'SUM(lines.amount, lines.amount >= 100)'),
      },
    },
  };
  const line: Doc = {
    kind: 'object',
    id: 'obj.line',
    name: 'line',
    label: { en: 'Line' },
    schema: {
      type: 'object',
      properties: {
        deal_id: { type: 'string', 'x-attain': { id: 'line.deal', ref: { object: 'deal', onDelete: 'cascade', inverse: 'lines' } } },
        amount: money('line.amount'),
      },
    },
  };
  return [userDoc(), account, deal, line];
}

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'dep', docs());
  r = await store.records('dep');
});
afterAll(async () => {
  await store.close();
});

const get = async (object: string, id: string) => (await r.get(object, id)) as Record<string, unknown>;

describe('stored formulas over related records', () => {
  it('follow a parent field and child roll-ups', async () => {
    const acme = await r.create('account', { name: 'Acme', tier: 'gold' }, system);
    const beta = await r.create('account', { name: 'Beta' }, system);
    const d1 = await r.create('deal', { name: 'D1', account_id: acme.id }, system);
    const d2 = await r.create('deal', { name: 'D2', account_id: acme.id }, system);
    expect((await get('deal', d1.id)).account_tier).toBe('gold');

    // The parent changes: the stored copy on every child follows.
    await r.update('account', acme.id, { tier: 'platinum' }, system);
    expect((await get('deal', d1.id)).account_tier).toBe('platinum');
    expect((await get('deal', d2.id)).account_tier).toBe('platinum');

    // Children come and change: the deal's roll-ups follow; the account rolls up the deals.
    const l1 = await r.create('line', { deal_id: d1.id, amount: 40 }, system);
    const l2 = await r.create('line', { deal_id: d1.id, amount: 150 }, system);
    await r.create('line', { deal_id: d2.id, amount: 10 }, system);
    expect(await get('deal', d1.id)).toMatchObject({ line_sum: '190.00', big_lines: '150.00' });
    await r.update('line', l1.id, { amount: 140 }, system);
    expect(await get('deal', d1.id)).toMatchObject({ line_sum: '290.00', big_lines: '290.00' });
    await r.update('deal', d1.id, { budget: 1000 }, system);
    await r.update('deal', d2.id, { budget: 500 }, system);
    expect(await get('account', acme.id)).toMatchObject({ deal_total: '1500.00', open_deals: 2 });

    // A line moves to another deal: both deals are recomputed.
    await r.update('line', l2.id, { deal_id: d2.id }, system);
    expect((await get('deal', d1.id)).line_sum).toBe('140.00');
    expect((await get('deal', d2.id)).line_sum).toBe('160.00');

    // Delete and restore.
    await r.delete('line', l1.id, system);
    expect((await get('deal', d1.id)).line_sum).toBe('0.00');
    await r.restore('line', l1.id, system);
    expect((await get('deal', d1.id)).line_sum).toBe('140.00');
    await r.delete('deal', d1.id, system);
    expect(await get('account', acme.id)).toMatchObject({ deal_total: '500.00', open_deals: 1 });
    await r.restore('deal', d1.id, system);
    expect((await get('account', acme.id)).deal_total).toBe('1500.00');

    // A deal moves to another account: the old and the new account follow, and the tier copy.
    await r.update('deal', d2.id, { account_id: beta.id }, system);
    expect((await get('deal', d2.id)).account_tier).toBe('none');
    expect((await get('account', acme.id)).deal_total).toBe('1000.00');
    expect((await get('account', beta.id)).deal_total).toBe('500.00');

    // Deleting the account sets the deals' reference to null: their tier copy follows.
    await r.update('account', beta.id, { tier: 'bronze' }, system);
    expect((await get('deal', d2.id)).account_tier).toBe('bronze');
    await r.delete('account', beta.id, system);
    expect((await get('deal', d2.id)).account_tier).toBe('none');
  });

  it('follow bulk upserts', async () => {
    const acc = await r.create('account', { name: 'Gamma', tier: 'silver' }, system);
    const deal = await r.create('deal', { name: 'G1', account_id: acc.id }, system);
    await r.upsert(
      'line',
      [
        { external_id: 'g-1', deal_id: deal.id, amount: 5 },
        { external_id: 'g-2', deal_id: deal.id, amount: 500 },
      ],
      system,
    );
    expect(await get('deal', deal.id)).toMatchObject({ line_sum: '505.00', big_lines: '500.00' });
    await r.upsert('line', [{ external_id: 'g-2', deal_id: deal.id, amount: 50 }], system);
    expect(await get('deal', deal.id)).toMatchObject({ line_sum: '55.00', big_lines: '0.00' });
    await r.upsert('deal', [{ external_id: 'g-deal', name: 'G2', account_id: acc.id, budget: 70 }], system);
    expect((await get('account', acc.id)).deal_total).toBe('70.00');
  });
});
