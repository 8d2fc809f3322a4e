// Orders booked as records become transactions through record events: one per order line (product,
// category, quantity, margin), the order's split rows on each, re-mapped when a line, a split row or
// a product changes. Golden figures are computed by hand in the comment above each assertion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, fmt, incentivesBackground, lineTxId, type IncentivePlanDoc, type StatementLine } from '../src/incentives/index.ts';
import { orgTenant, system, type Org } from './fixture.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let runner: JobRunner;
let org: Org;
let e: IncentiveEngine;
let rep1: string;
let rep2: string;
let spec: string;
const ids: Record<string, string> = {};
const MAR = '2026-03';

beforeAll(async () => {
  store = await openTestStore();
  const bg = incentivesBackground(store);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  org = await orgTenant(store, 3);
  [rep1, rep2, spec] = org.users as [string, string, string];
  e = new IncentiveEngine(store, org.tenant);
  const r = await store.records(org.tenant);
  ids.sw = (await r.create('product', { name: 'Suite', sku: 'SW1', category: 'software', list_price: '1000', unit_cost: '200' }, system)).id;
  ids.hw = (await r.create('product', { name: 'Box', sku: 'HW1', category: 'hardware', list_price: '5000', unit_cost: '3000' }, system)).id;
  const repPlan: IncentivePlanDoc = plan(
    [
      { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.05' },
      { name: 'suite_spif', type: 'spif', perCredit: '100', filter: { products: [ids.sw] } },
      { name: 'margin_bonus', type: 'rate', measure: 'margin', rate: '0.01' },
    ],
    {
      measures: [
        { name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } },
        { name: 'margin', type: 'sum', field: 'margin', filter: { kinds: ['direct', 'split'] } },
      ],
    },
    'plan_rep',
  );
  const specPlan = plan(
    [{ name: 'overlay', type: 'rate', measure: 'overlay_revenue', rate: '0.02' }],
    { measures: [{ name: 'overlay_revenue', type: 'sum', filter: { kinds: ['overlay'] } }] },
    'plan_spec',
  );
  await e.saveRules([rule('split'), rule('overlay', { pct: '50' })]);
  await e.savePlan(repPlan);
  await e.savePlan(specPlan);
  await e.setAssignments([
    ...[rep1, rep2].map((payeeId) => ({ kind: 'plan' as const, payeeId, key: 'plan_rep', from: '2020-01-01' })),
    { kind: 'plan', payeeId: spec, key: 'plan_spec', from: '2020-01-01' },
  ]);
  await e.setKeyedAssignments('specialist', [{ category: 'software', payeeId: spec, from: '2020-01-01' }]);
  await runner.drain();
});
afterAll(async () => {
  await store.close();
});

const payout = async (payee: string) =>
  fmt(
    (await e.statement(payee, MAR)).payouts.reduce((a, p) => a + p.payout, 0n),
    2,
  );
const line = async (payee: string, component: string): Promise<StatementLine | undefined> => (await e.statement(payee, MAR)).lines.find((l) => l.component === component);
const amount = async (payee: string, component: string) => fmt((await line(payee, component))?.amount ?? 0n, 2);
const txRows = async () => {
  const { knex, schema } = await e.ensure();
  return (
    await knex.raw(
      `select id, record_id, line_id, product_id, category, quantity::text as quantity, amount::text as amount, margin::text as margin, reversal_date::text as reversal_date, splits from "${schema}"."attain_incentives_transactions" where object = 'order' order by id`,
    )
  ).rows as Array<Record<string, unknown>>;
};

describe('orders booked as records', () => {
  it('one transaction per order line: product, category, quantity and margin; SPIF by product and specialist overlay by category', async () => {
    const r = await store.records(org.tenant);
    ids.a = (await r.create('order', { order_number: 'SO-1', customer_id: org.customer, owner_id: rep1, order_date: '2026-03-05', status: 'booked', amount: '7500', currency: 'USD' }, system)).id;
    ids.l1 = (await r.create('order_line', { order_id: ids.a, product_id: ids.sw, quantity: '3', unit_price: '1000', amount: '3000' }, system)).id;
    ids.l2 = (await r.create('order_line', { order_id: ids.a, product_id: ids.hw, quantity: '1', unit_price: '5000', discount: '0.1', amount: '4500' }, system)).id;
    await runner.drain();
    const txs = await txRows();
    // The header transaction gave way to one per line; margin = amount − quantity × unit cost: 3,000 − 3 × 200; 4,500 − 1 × 3,000
    expect(txs.map((t) => [t.id, t.record_id, t.line_id, t.product_id, t.category, Number(t.quantity), Number(t.amount), Number(t.margin)])).toEqual(
      [
        [lineTxId(ids.a!, ids.l1!), ids.a, ids.l1, ids.sw, 'software', 3, 3000, 2400],
        [lineTxId(ids.a!, ids.l2!), ids.a, ids.l2, ids.hw, 'hardware', 1, 4500, 1500],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    // rep1: 7,500 × 5% = 375.00; one Suite line × 100 = 100.00; margin 2,400 + 1,500 = 3,900 × 1% = 39.00 → 514.00
    expect(await Promise.all(['commission', 'suite_spif', 'margin_bonus'].map((c) => amount(rep1, c)))).toEqual(['375.00', '100.00', '39.00']);
    expect(await payout(rep1)).toBe('514.00');
    // the software specialist: 50% of the 3,000 software line = 1,500 × 2% = 30.00
    expect(await payout(spec)).toBe('30.00');
    // The drill-down names the order and the line behind each credit.
    const spif = await line(rep1, 'suite_spif');
    const drill = await e.lineCredits(rep1, MAR, spif?.key ?? '');
    expect(drill?.credits.filter((c) => c.product_id === ids.sw).map((c) => [c.record_id, c.line_id, c.object])).toEqual([[ids.a, ids.l1, 'order']]);
  });

  it('split rows: every line of the order is split 60/40', async () => {
    const r = await store.records(org.tenant);
    ids.s1 = (await r.create('order_split', { order_id: ids.a, payee_id: rep1, pct: '60' }, system)).id;
    ids.s2 = (await r.create('order_split', { order_id: ids.a, payee_id: rep2, pct: '40' }, system)).id;
    await runner.drain();
    expect((await txRows()).map((t) => t.splits)).toEqual(
      [0, 1].map(() => [
        { payeeId: rep1, pct: '60.0000' },
        { payeeId: rep2, pct: '40.0000' },
      ]),
    );
    // rep1: 4,500 × 5% = 225.00; SPIF 100 × 60% = 60.00; margin 3,900 × 60% = 2,340 × 1% = 23.40 → 308.40
    // rep2: 3,000 × 5% = 150.00; SPIF 40.00; margin 1,560 × 1% = 15.60 → 205.60
    expect([await payout(rep1), await payout(rep2)]).toEqual(['308.40', '205.60']);
    expect([await amount(rep1, 'suite_spif'), await amount(rep2, 'suite_spif')]).toEqual(['60.00', '40.00']);
    expect(await payout(spec)).toBe('30.00');
  });

  it('splits not totalling 100% are a calculation problem per transaction, not a silent drop', async () => {
    const r = await store.records(org.tenant);
    await r.update('order_split', ids.s2!, { pct: '30' }, system);
    await runner.drain();
    // 60% + 30% = 90%: no split credit for either line, both named
    const problems = await e.problems();
    expect(problems.map((p) => [p.code, p.txId, p.ruleId, p.date, p.message])).toEqual(
      [ids.l1, ids.l2]
        .map((l) => ['split_total', lineTxId(ids.a!, l!), 'r_split', '2026-03-05', 'split credits total 90%, not 100%; mark extra rows as overlay'])
        .sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
    );
    expect([await payout(rep1), await payout(rep2)]).toEqual(['0.00', '0.00']);
    // the overlay rule is not about splits: 30.00 stays
    expect(await payout(spec)).toBe('30.00');
    await r.update('order_split', ids.s2!, { pct: '40' }, system);
    await runner.drain();
    expect(await e.problems()).toEqual([]);
    expect([await payout(rep1), await payout(rep2)]).toEqual(['308.40', '205.60']);
  });

  it("a product's category and cost re-map its orders", async () => {
    const r = await store.records(org.tenant);
    await r.update('product', ids.sw!, { category: 'service' }, system);
    await r.update('product', ids.hw!, { unit_cost: '2500' }, system);
    await r.update('product', ids.hw!, { name: 'Box 2' }, system);
    await runner.drain();
    // Suite is no longer software: the specialist's overlay is gone → 0.00
    expect(await payout(spec)).toBe('0.00');
    // margin 2,400 + (4,500 − 2,500) = 4,400: rep1 2,640 × 1% = 26.40, rep2 1,760 × 1% = 17.60
    expect([await amount(rep1, 'margin_bonus'), await amount(rep2, 'margin_bonus')]).toEqual(['26.40', '17.60']);
    await r.update('product', ids.sw!, { category: 'software' }, system);
    await runner.drain();
    expect(await payout(spec)).toBe('30.00');
  });

  it("a removed line's transaction is deleted and its payees recomputed; a restored one comes back", async () => {
    const r = await store.records(org.tenant);
    await r.delete('order_line', ids.l2!, system);
    await runner.drain();
    expect((await txRows()).map((t) => t.id)).toEqual([lineTxId(ids.a!, ids.l1!)]);
    // 3,000 left: rep1 1,800 × 5% = 90.00 + SPIF 60.00 + margin 1,440 × 1% = 14.40 → 164.40; rep2 1,200 → 60.00 + 40.00 + 9.60 = 109.60
    expect([await payout(rep1), await payout(rep2)]).toEqual(['164.40', '109.60']);
    await r.restore('order_line', ids.l2!, system);
    await runner.drain();
    expect((await txRows()).map((t) => t.id).length).toBe(2);
    // as after the cost change: rep1 225.00 + 60.00 + 26.40 = 311.40; rep2 150.00 + 40.00 + 17.60 = 207.60
    expect([await payout(rep1), await payout(rep2)]).toEqual(['311.40', '207.60']);
  });

  it('an order without lines stays one transaction from its header; deleting it takes it back', async () => {
    const r = await store.records(org.tenant);
    ids.b = (
      await r.create(
        'order',
        { order_number: 'SO-2', customer_id: org.customer, owner_id: rep2, order_date: '2026-03-10', status: 'paid', paid_date: '2026-03-20', amount: '2000', currency: 'USD' },
        system,
      )
    ).id;
    await runner.drain();
    const b = (await txRows()).find((t) => t.id === ids.b);
    expect([b?.record_id, b?.line_id, b?.product_id, Number(b?.amount)]).toEqual([ids.b, null, null, 2000]);
    // rep2: 207.60 + 2,000 × 5% = 307.60
    expect(await payout(rep2)).toBe('307.60');
    await r.delete('order', ids.b!, system);
    await runner.drain();
    expect(await payout(rep2)).toBe('207.60');
  });

  it('a refund reverses every line of the order, dated when first seen', async () => {
    const r = await store.records(org.tenant);
    await r.update('order', ids.a!, { status: 'refunded' }, system);
    await runner.drain();
    const seen = (await txRows()).map((t) => t.reversal_date);
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await r.update('order', ids.a!, { order_number: 'SO-1R' }, system);
    await runner.drain();
    expect((await txRows()).map((t) => t.reversal_date)).toEqual(seen);
  });

  it('an order in a currency without a rate is reported, naming the transaction, currency and date', async () => {
    const r = await store.records(org.tenant);
    ids.c = (await r.create('order', { order_number: 'SO-3', customer_id: org.customer, owner_id: rep1, order_date: '2026-03-12', status: 'booked', amount: '900', currency: 'CNY' }, system)).id;
    await runner.drain();
    expect(await e.problems({ codes: ['fx_missing'] })).toEqual([
      { code: 'fx_missing', txId: ids.c, ruleId: '', rule: '', date: '2026-03-12', currency: 'CNY', toCurrency: 'USD', message: 'no exchange rate from CNY to USD on or before 2026-03-12' },
    ]);
    await e.setFx([{ currency: 'CNY', date: '2026-01-01', rate: '0.14' }]);
    await e.recompute({ credit: true });
    expect(await e.problems()).toEqual([]);
  });

  it('splits loaded through the API for an order are kept when the order has no split rows, and go to its lines', async () => {
    const r = await store.records(org.tenant);
    ids.d = (await r.create('order', { order_number: 'SO-4', customer_id: org.customer, owner_id: rep1, order_date: '2026-03-15', status: 'booked', amount: '1000', currency: 'USD' }, system)).id;
    await runner.drain();
    await e.upsertTransactions([
      {
        id: ids.d!,
        object: 'order',
        ownerId: rep1,
        date: '2026-03-15',
        amount: '1000',
        currency: 'USD',
        splits: [
          { payeeId: rep1, pct: '50' },
          { payeeId: rep2, pct: '50' },
        ],
      },
    ]);
    await r.update('order', ids.d!, { status: 'invoiced' }, system);
    await runner.drain();
    const api = [
      { payeeId: rep1, pct: '50' },
      { payeeId: rep2, pct: '50' },
    ];
    expect((await txRows()).filter((t) => t.record_id === ids.d).map((t) => [t.id, t.splits])).toEqual([[ids.d, api]]);
    const l = (await r.create('order_line', { order_id: ids.d, product_id: ids.hw, quantity: '1', unit_price: '1000', amount: '1000' }, system)).id;
    await runner.drain();
    expect((await txRows()).filter((t) => t.record_id === ids.d).map((t) => [t.id, t.splits])).toEqual([[lineTxId(ids.d!, l), api]]);
    // split rows, once there, are what counts
    await r.create('order_split', { order_id: ids.d, payee_id: rep2, pct: '100' }, system);
    await runner.drain();
    expect((await txRows()).filter((t) => t.record_id === ids.d).map((t) => t.splits)).toEqual([[{ payeeId: rep2, pct: '100.0000' }]]);
  });

  it('a line without an amount is worth quantity × unit price less its discount; a product without a cost gives no margin', async () => {
    const r = await store.records(org.tenant);
    const bare = (await r.create('product', { name: 'Gift', sku: 'G1' }, system)).id;
    ids.e = (await r.create('order', { order_number: 'SO-5', customer_id: org.customer, owner_id: rep2, order_date: '2026-03-18', status: 'booked', amount: '225', currency: 'USD' }, system)).id;
    const l = (await r.create('order_line', { order_id: ids.e, product_id: bare, quantity: '2', unit_price: '150', discount: '0.25' }, system)).id;
    await runner.drain();
    // 2 × 150 × (1 − 0.25) = 225.00; no unit cost → no margin; no category
    expect((await txRows()).filter((t) => t.record_id === ids.e).map((t) => [t.id, Number(t.amount), t.margin, t.category, Number(t.quantity)])).toEqual([[lineTxId(ids.e!, l), 225, null, null, 2]]);
  });
});
