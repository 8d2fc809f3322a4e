// biome-ignore-all lint/suspicious/noExplicitAny: report rows and fixture documents are JSON of any shape, read and compared whole
// Reports (issue #15, part 1) through HTTP, checked against hand arithmetic over seeded deals, the
// list routes (same scope, same hidden fields) and the goals measure for the same period.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { PASSWORD, as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { hashPassword } from '../src/index.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let mgr: Caller;
let rep: Caller;
let finance: Caller;
const actor = { userId: null, label: 'test' };
const ids: Record<string, string> = {};

/** The fixture metadata with a region and a moment on deals, and a KPI over deal amounts. */
function docs(): unknown[] {
  const all = baseDocs() as Array<Record<string, any>>;
  const deal = all.find((d) => d.name === 'deal') as Record<string, any>;
  deal.schema.properties.region = { type: 'string', enum: ['north', 'south', 'east', 'west'], 'x-attain': { id: 'fld_deal_region', label: { en: 'Region' } } };
  deal.schema.properties.placed_at = { type: 'string', format: 'date-time', 'x-attain': { id: 'fld_deal_placed', label: { en: 'Placed at' } } };
  const customer = all.find((d) => d.name === 'customer') as Record<string, any>;
  customer['x-attain'] = { titleField: 'name' };
  customer.schema.properties.tier = { type: 'string', enum: ['gold', 'silver'], 'x-attain': { id: 'fld_cust_tier' } };
  const repRole = all.find((d) => d.name === 'rep') as Record<string, any>;
  repRole.permissions.find((p: any) => p.object === 'customer').hiddenFields = ['tier'];
  return all;
}

const kpi = {
  kind: 'kpi',
  id: 'kpi_deal_amount',
  name: 'deal_amount',
  label: { en: 'Deal amount' },
  object: 'deal',
  dateField: 'close_date',
  unit: 'money',
  measure: { aggregate: 'sum', value: 'amount' },
};

// owner, region, close date, amount (hand arithmetic below reads from this table)
const DEALS: Array<[string, 'repEast' | 'repEast2' | 'repWest', string, string, string, string]> = [
  ['d1', 'repEast', 'north', '2026-01-15', '100.10', 'won'],
  ['d2', 'repEast', 'north', '2026-02-10', '200.20', 'won'],
  ['d3', 'repEast', 'south', '2026-02-20', '50.00', 'lost'],
  ['d4', 'repEast', 'east', '2025-02-05', '300.00', 'won'],
  ['d5', 'repWest', 'west', '2026-01-31', '400.40', 'won'],
  ['d6', 'repWest', 'south', '2026-02-28', '25.25', 'open'],
  ['d7', 'repWest', 'north', '2025-01-10', '10.00', 'won'],
  ['d8', 'repEast2', 'east', '2026-03-01', '60.00', 'open'],
  ['d9', 'repEast2', 'west', '2026-02-14', '5.00', 'won'],
];

const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const report = (body: Record<string, unknown>) => ({ object: 'deal', ...body });
const run = async (c: Caller, body: Record<string, unknown>, asOf?: string) => {
  const res = await c.post('/api/v1/analytics/query', { report: report(body), ...(asOf ? { asOf } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};
const idsOf = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();
const dealIds = (...names: string[]) => names.map((n) => ids[n] as string).sort();

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'rpt');
  await store.metadata.apply(t.name, [...docs(), kpi], { actor });
  const records = await store.records(t.name);
  // C-North belongs to repEast, C-South to repWest; d3 (repEast's) is for C-South, outside repEast's customer scope.
  const north = await records.create('customer', { name: 'C-North', region: 'north', tier: 'gold', owner_id: t.users.repEast.id }, actor);
  const south = await records.create('customer', { name: 'C-South', region: 'south', tier: 'silver', owner_id: t.users.repWest.id }, actor);
  const customerOf: Record<string, string> = { d1: north.id, d2: north.id, d3: south.id, d5: south.id, d6: south.id };
  ids.north = north.id;
  ids.south = south.id;
  for (const [name, owner, region, close, amount, stage] of DEALS) {
    ids[name] = (
      await records.create(
        'deal',
        { name, owner_id: t.users[owner].id, region, close_date: close, amount, stage, margin: '0.25', ...(customerOf[name] ? { customer_id: customerOf[name] } : {}) },
        actor,
      )
    ).id;
  }
  admin = as(app, await login(app, t.name, t.users.admin.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  finance = as(app, await login(app, t.name, t.users.finance.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('report queries', () => {
  it('sums by region × month over a period, with the total', async () => {
    const data = await run(admin, {
      period: { field: 'close_date', range: Q1 },
      groups: [{ field: 'region' }, { field: 'close_date', bucket: 'month' }],
      measures: [
        { name: 'amount', op: 'sum', field: 'amount' },
        { name: 'deals', op: 'count' },
      ],
    });
    expect(data.period).toEqual(Q1);
    expect(data.rows.map((r: any) => [...r.keys, Number(r.values.amount), r.values.deals])).toEqual([
      ['east', '2026-03', 60, 1],
      ['north', '2026-01', 100.1, 1],
      ['north', '2026-02', 200.2, 1],
      ['south', '2026-02', 75.25, 2],
      ['west', '2026-01', 400.4, 1],
      ['west', '2026-02', 5, 1],
    ]);
    // 100.10 + 200.20 + 50.00 + 400.40 + 25.25 + 60.00 + 5.00
    expect(Number(data.totals.values.amount)).toBe(840.95);
    expect(data.totals.values.amount).toMatch(/^840\.950*$/);
    expect(data.totals.values.deals).toBe(7);
  });

  it('pivots regions × months with row, column and grand totals from the database (averages do not add up)', async () => {
    const data = await run(admin, {
      period: { field: 'close_date', range: Q1 },
      groups: [{ field: 'region' }, { field: 'close_date', bucket: 'month' }],
      measures: [
        { name: 'amount', op: 'sum', field: 'amount' },
        { name: 'avg', op: 'avg', field: 'amount' },
      ],
      pivot: true,
    });
    const p = data.pivot;
    expect(p.rows.map((r: any) => r.key)).toEqual(['east', 'north', 'south', 'west']);
    expect(p.columns.map((c: any) => c.key)).toEqual(['2026-01', '2026-02', '2026-03']);
    const sums = p.cells.map((row: any[]) => row.map((c) => (c ? Number(c.amount) : null)));
    expect(sums).toEqual([
      [null, null, 60],
      [100.1, 200.2, null],
      [null, 75.25, null],
      [400.4, 5, null],
    ]);
    expect(p.rowTotals.map((v: any) => Number(v.amount))).toEqual([60, 300.3, 75.25, 405.4]);
    expect(p.columnTotals.map((v: any) => Number(v.amount))).toEqual([500.5, 280.45, 60]);
    expect(Number(p.total.amount)).toBe(840.95);
    // north's average is (100.10 + 200.20) / 2, not the sum of its cells' averages.
    expect(Number(p.rowTotals[1].avg)).toBe(150.15);
    // February: (200.20 + 50.00 + 25.25 + 5.00) / 4
    expect(Number(p.columnTotals[1].avg)).toBeCloseTo(70.1125, 10);
  });

  it('compares year over year by region and by month: previous value, delta and change in %', async () => {
    const period = { field: 'close_date', range: { from: '2026-01-01', to: '2026-02-28' } };
    const byRegion = await run(admin, { period, compare: 'yoy', groups: [{ field: 'region' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    expect(byRegion.previous).toEqual({ from: '2025-01-01', to: '2025-02-28' });
    const row = (k: string) => byRegion.rows.find((r: any) => r.keys[0] === k);
    // east sold only last year (d4): it still shows, with no current figure.
    expect(row('east')).toMatchObject({ values: { amount: null }, delta: { amount: null } });
    expect(Number(row('east').previous.amount)).toBe(300);
    // north: 300.30 now against 10.00 (d7): +290.30, +2903.00 %
    expect(Number(row('north').values.amount)).toBe(300.3);
    expect(Number(row('north').previous.amount)).toBe(10);
    expect(row('north').delta.amount).toBe('290.3');
    expect(row('north').deltaPct.amount).toBe('2903.00');
    // totals: 780.95 against 310.00: +470.95, +151.92 %
    expect(Number(byRegion.totals.values.amount)).toBe(780.95);
    expect(byRegion.totals.delta.amount).toBe('470.95');
    expect(byRegion.totals.deltaPct.amount).toBe('151.92');
    const byMonth = await run(admin, { period, compare: 'yoy', groups: [{ field: 'close_date', bucket: 'month' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    expect(byMonth.rows.map((r: any) => [r.keys[0], Number(r.values.amount), Number(r.previous.amount), r.deltaPct.amount])).toEqual([
      ['2026-01', 500.5, 10, '4905.00'],
      ['2026-02', 280.45, 300, '-6.52'],
    ]);
  });

  it('keeps the top N owners by amount and folds the rest into "other"', async () => {
    const data = await run(admin, {
      period: { field: 'close_date', range: Q1 },
      groups: [{ field: 'owner_id' }],
      measures: [
        { name: 'amount', op: 'sum', field: 'amount' },
        { name: 'deals', op: 'count' },
      ],
      top: { n: 2, by: 'amount' },
    });
    expect(data.rows.map((r: any) => [r.labels[0], r.other, Number(r.values.amount), r.values.deals])).toEqual([
      ['RepWest', false, 425.65, 2],
      ['RepEast', false, 350.3, 3],
      [null, true, 65, 2],
    ]);
    expect(data.rows[0].keys[0]).toBe(t.users.repWest.id);
    expect(Number(data.totals.values.amount)).toBe(840.95);
    const noOther = await run(admin, {
      period: { field: 'close_date', range: Q1 },
      groups: [{ field: 'owner_id' }],
      measures: [{ name: 'amount', op: 'sum', field: 'amount' }],
      top: { n: 2, other: false },
    });
    // Answered from the top-N pass alone (one scan): the same rows, and the total over every owner.
    expect(noOther.rows.map((r: any) => [r.labels[0], r.other, Number(r.values.amount)])).toEqual([
      ['RepWest', false, 425.65],
      ['RepEast', false, 350.3],
    ]);
    expect(Number(noOther.totals.values.amount)).toBe(840.95);
    // A top longer than the list: every owner, no "other", the same total.
    const all = await run(admin, { period: { field: 'close_date', range: Q1 }, groups: [{ field: 'owner_id' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }], top: { n: 10 } });
    expect(all.rows.map((r: any) => [r.other, Number(r.values.amount)])).toEqual([
      [false, 425.65],
      [false, 350.3],
      [false, 65],
    ]);
    expect(Number(all.totals.values.amount)).toBe(840.95);
  });

  it('relative dates inside the filter language, on the tenant calendar', async () => {
    const sum = [{ name: 'amount', op: 'sum', field: 'amount' }];
    // February 2026: d2 200.20 + d3 50.00 + d6 25.25 + d9 5.00
    const feb = await run(admin, { filter: { close_date: { relative: 'last_month' } }, measures: sum }, '2026-03-10');
    expect(Number(feb.totals.values.amount)).toBe(280.45);
    // …and won: d2 + d9
    const won = await run(admin, { filter: { close_date: { relative: 'last_month' }, stage: { eq: 'won' } }, measures: sum }, '2026-03-10');
    expect(Number(won.totals.values.amount)).toBe(205.2);
    const two = await run(admin, { filter: { or: [{ close_date: { relative: { last: 2, unit: 'month' } } }] }, measures: sum }, '2026-03-10');
    expect(Number(two.totals.values.amount)).toBe(780.95);
    for (const [filter, rule] of [
      [{ region: { relative: 'this_month' } }, 'date_field'],
      [{ close_date: { relative: 'fortnight' } }, 'relative_range'],
    ] as const) {
      const res = await admin.post('/api/v1/analytics/query', { report: report({ filter, measures: sum }) });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details[0].rule).toBe(rule);
    }
  });

  it('a ratio of two measures, a distinct count, min and max', async () => {
    const data = await run(admin, {
      period: { field: 'close_date', range: Q1 },
      groups: [{ field: 'stage' }],
      measures: [
        { name: 'amount', op: 'sum', field: 'amount' },
        { name: 'deals', op: 'count' },
        { name: 'per_deal', op: 'ratio', of: ['amount', 'deals'] },
        { name: 'owners', op: 'count_distinct', field: 'owner_id' },
        { name: 'first', op: 'min', field: 'close_date' },
        { name: 'largest', op: 'max', field: 'amount' },
      ],
    });
    const won = data.rows.find((r: any) => r.keys[0] === 'won');
    // won in Q1 2026: d1 100.10, d2 200.20, d5 400.40, d9 5.00 → 705.70 over 4 deals, 3 owners
    expect(Number(won.values.amount)).toBe(705.7);
    expect(Number(won.values.per_deal)).toBe(176.425);
    expect(won.values.owners).toBe(3);
    expect(won.values.first).toBe('2026-01-15');
    expect(Number(won.values.largest)).toBe(400.4);
  });
});

describe('relations and formulas', () => {
  it('groups by a related field through a formula, and by a reference with its title', async () => {
    const byRegion = await run(admin, { period: { field: 'close_date', range: Q1 }, groups: [{ formula: 'customer.region' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    // north: d1 + d2; south: d3 + d5 + d6 = 50.00 + 400.40 + 25.25; no customer: d8 + d9
    expect(byRegion.rows.map((r: any) => [r.keys[0], Number(r.values.amount)])).toEqual([
      ['north', 300.3],
      ['south', 475.65],
      [null, 65],
    ]);
    const byCustomer = await run(admin, { period: { field: 'close_date', range: Q1 }, groups: [{ field: 'customer_id' }], measures: [{ name: 'n', op: 'count' }] });
    expect(byCustomer.rows.map((r: any) => [r.labels[0], r.values.n])).toEqual(
      expect.arrayContaining([
        ['C-North', 2],
        ['C-South', 3],
      ]),
    );
  });

  it("a related record outside the rep's scope gives no value and no title", async () => {
    const byRegion = await run(rep, { groups: [{ formula: 'customer.region' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    // repEast's deals: d1, d2 (C-North, theirs); d3 is for C-South (repWest's customer), d4 has none
    expect(byRegion.rows.map((r: any) => [r.keys[0], Number(r.values.amount)])).toEqual([
      ['north', 300.3],
      [null, 350],
    ]);
    const byCustomer = await run(rep, { groups: [{ field: 'customer_id' }], measures: [{ name: 'n', op: 'count' }] });
    const south = byCustomer.rows.find((r: any) => r.keys[0] === ids.south);
    expect(south.labels[0]).toBe(ids.south);
    expect(byCustomer.rows.find((r: any) => r.keys[0] === ids.north).labels[0]).toBe('C-North');
  });

  it('formula measures: computed per record, then aggregated; hidden fields refused here and on related objects', async () => {
    const data = await run(admin, { period: { field: 'close_date', range: Q1 }, measures: [{ name: 'weighted', op: 'sum', formula: 'amount * margin' }] });
    // 840.95 × 0.25
    expect(Number(data.totals.values.weighted)).toBe(210.2375);
    // TODAY() is the report's as-of day: deals closed by 2026-01-31 are d1, d4, d5, d7.
    const closed = await run(admin, { measures: [{ name: 'closed', op: 'sum', formula: 'IF(close_date <= TODAY(), amount, 0)' }] }, '2026-01-31');
    expect(Number(closed.totals.values.closed)).toBe(810.5);
    for (const body of [{ measures: [{ name: 'w', op: 'sum', formula: 'amount * margin' }] }, { groups: [{ formula: 'customer.tier' }], measures: [{ name: 'n', op: 'count' }] }]) {
      const res = await rep.post('/api/v1/analytics/query', { report: report(body) });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('field_hidden');
    }
    const bad = await admin.post('/api/v1/analytics/query', { report: report({ measures: [{ name: 'w', op: 'sum', formula: 'amount *' }] }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/measures/0/formula', rule: 'formula' });
    const text = await admin.post('/api/v1/analytics/query', { report: report({ measures: [{ name: 'w', op: 'sum', formula: 'name' }] }) });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.details[0]).toMatchObject({ path: '/measures/0/formula', rule: 'not_numeric' });
  });
});

describe('drill-down', () => {
  const pivot = {
    period: { field: 'close_date', range: Q1 },
    groups: [{ field: 'region' }, { field: 'close_date', bucket: 'month' }],
    measures: [{ name: 'amount', op: 'sum', field: 'amount' }],
    pivot: true,
  };

  it('returns exactly the records of a cell, and the list route URL that selects them', async () => {
    const res = await admin.post('/api/v1/analytics/drill', { report: report(pivot), cell: { keys: { 0: 'south', 1: '2026-02' } } });
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json().data;
    expect(idsOf(d.data)).toEqual(dealIds('d3', 'd6'));
    const list = await admin.get(d.url);
    expect(list.statusCode, list.body).toBe(200);
    expect(idsOf(list.json().data)).toEqual(dealIds('d3', 'd6'));
    // A row total (the month rolled up): every north deal in the period.
    const north = await admin.post('/api/v1/analytics/drill', { report: report(pivot), cell: { keys: { 0: 'north' } } });
    expect(idsOf(north.json().data.data)).toEqual(dealIds('d1', 'd2'));
  });

  it('drills into the "other" row of a top-N', async () => {
    const top = { period: { field: 'close_date', range: Q1 }, groups: [{ field: 'owner_id' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }], top: { n: 2 } };
    const res = await admin.post('/api/v1/analytics/drill', { report: report(top), cell: { keys: {}, other: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect(idsOf(res.json().data.data)).toEqual(dealIds('d8', 'd9'));
  });
});

describe('scope and hidden fields, as on the list routes', () => {
  it('a rep sees only their own deals: the same numbers as summing the list route rows', async () => {
    const data = await run(rep, { groups: [{ field: 'region' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    const listed = (await rep.get('/api/v1/objects/deal?limit=500')).json().data as Array<{ region: string; amount: string }>;
    const byRegion = new Map<string, number>();
    for (const r of listed) byRegion.set(r.region, Math.round(((byRegion.get(r.region) ?? 0) + Number(r.amount)) * 100) / 100);
    expect(data.rows.map((r: any) => [r.keys[0], Number(r.values.amount)])).toEqual([...byRegion].sort());
    // repEast's own: east 300.00 (d4), north 300.30, south 50.00
    expect([...byRegion].sort()).toEqual([
      ['east', 300],
      ['north', 300.3],
      ['south', 50],
    ]);
    // The manager of East sees the team (repEast, repEast2), not the West.
    const team = await run(mgr, { measures: [{ name: 'amount', op: 'sum', field: 'amount' }] });
    expect(Number(team.totals.values.amount)).toBe(715.3);
  });

  it('a field hidden from the caller can be neither grouped, measured nor filtered (403 field_hidden)', async () => {
    for (const body of [
      { groups: [{ field: 'margin' }], measures: [{ name: 'n', op: 'count' }] },
      { measures: [{ name: 'm', op: 'sum', field: 'margin' }] },
      { filter: { margin: { gt: 0 } }, measures: [{ name: 'n', op: 'count' }] },
    ]) {
      const res = await rep.post('/api/v1/analytics/query', { report: report(body) });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('field_hidden');
    }
    // The admin may.
    const ok = await admin.post('/api/v1/analytics/query', { report: report({ measures: [{ name: 'm', op: 'avg', field: 'margin' }] }) });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses a bad question with 400 naming the field and rule', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ groups: [{ field: 'nope' }], measures: [{ name: 'n', op: 'count' }] }, '/groups/0/field', 'unknown_field'],
      [{ measures: [{ name: 's', op: 'sum', field: 'name' }] }, '/measures/0/field', 'not_numeric'],
      [{ groups: [{ field: 'region', bucket: 'month' }], measures: [{ name: 'n', op: 'count' }] }, '/groups/0/bucket', 'not_date'],
      [{ measures: [{ name: 'r', op: 'ratio', of: ['a', 'b'] }] }, '/measures/0/of/0', 'unknown_reference'],
      [{ compare: 'yoy', measures: [{ name: 'n', op: 'count' }] }, '/compare', 'requires_period'],
      [{ pivot: true, groups: [{ field: 'region' }], measures: [{ name: 'n', op: 'count' }] }, '/pivot', 'two_groups'],
    ];
    for (const [body, path, rule] of cases) {
      const res = await admin.post('/api/v1/analytics/query', { report: report(body) });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path, rule }));
    }
    const badDays: Array<[Record<string, unknown>, string]> = [
      [{ report: report({ period: { field: 'close_date', range: { from: '2026-02-30', to: '2026-03-01' } }, measures: [{ name: 'n', op: 'count' }] }) }, '/period/range/from'],
      [{ report: report({ period: { field: 'close_date', range: { from: '2026-03-02', to: '2026-03-01' } }, measures: [{ name: 'n', op: 'count' }] }) }, '/period/range'],
      [{ report: report({ measures: [{ name: 'n', op: 'count' }] }), asOf: '2026-02-31' }, '/asOf'],
    ];
    for (const [body, path] of badDays) {
      const res = await admin.post('/api/v1/analytics/query', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details[0].path).toBe(path);
    }
    const badKey = await admin.post('/api/v1/analytics/drill', {
      report: report({ groups: [{ field: 'placed_at', bucket: 'month' }], measures: [{ name: 'n', op: 'count' }] }),
      cell: { keys: { 0: '2026-13' } },
    });
    expect(badKey.statusCode, badKey.body).toBe(400);
    expect(badKey.json().error.details[0]).toMatchObject({ path: '/cell/keys/0', rule: 'bucket_key' });
    const formulaCell = await admin.post('/api/v1/analytics/drill', {
      report: report({ groups: [{ formula: 'customer.region' }], measures: [{ name: 'n', op: 'count' }] }),
      cell: { keys: { 0: 'north' } },
    });
    expect(formulaCell.statusCode).toBe(400);
    expect(formulaCell.json().error.details[0].rule).toBe('not_drillable');
    // Injection-shaped input anywhere a value goes: refused or matched literally, never a 5xx.
    const nasty = ["'; drop table deal; --", '"g0"', '\u0000', '%_\\', '2026-01-01T00:00:00Z', 'a'.repeat(190)];
    for (const v of nasty) {
      const probes = [
        admin.post('/api/v1/analytics/drill', { report: report({ groups: [{ field: 'region' }, { field: 'customer_id' }], measures: [{ name: 'n', op: 'count' }] }), cell: { keys: { 0: v, 1: v } } }),
        admin.post('/api/v1/analytics/query', { report: report({ filter: { name: { eq: v } }, groups: [{ field: 'name' }], measures: [{ name: 'n', op: 'count' }], top: { n: 1 } }) }),
        admin.post('/api/v1/analytics/query', { report: report({ measures: [{ name: 'n', op: 'max', formula: v }] }) }),
        admin.post('/api/v1/analytics/query', { report: report({ groups: [{ formula: `"${v}"` }], measures: [{ name: 'n', op: 'count' }] }) }),
      ];
      for (const res of await Promise.all(probes)) expect(res.statusCode, `${v}: ${res.body}`).toBeLessThan(500);
    }
    const schema = await admin.post('/api/v1/analytics/query', { report: report({ measures: [{ name: 'n', op: 'median' }] }) });
    expect(schema.statusCode).toBe(400);
    const noObject = await admin.post('/api/v1/analytics/query', { report: { object: 'nothing', measures: [{ name: 'n', op: 'count' }] } });
    expect(noObject.statusCode).toBe(404);
  });
});

describe('agreement with the goals measure', () => {
  it("a report's sum for a month equals GET /goals/measure for the same KPI, person and period", async () => {
    const measure = await admin.get(`/api/v1/goals/measure?kpi=deal_amount&start=2026-02-01&end=2026-03-01&person=${t.users.repEast.id}`);
    expect(measure.statusCode, measure.body).toBe(200);
    const data = await run(
      admin,
      { filter: { owner_id: { eq: t.users.repEast.id } }, period: { field: 'close_date', range: 'last_month' }, measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      '2026-03-15',
    );
    expect(data.period).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    // d2 200.20 + d3 50.00
    expect(Number(data.totals.values.amount)).toBe(250.2);
    expect(measure.json().data[0].value).toBe(250.2);
  });
});

describe('saved reports and export', () => {
  const saved = {
    kind: 'analytics.report',
    id: 'rpt_region_month',
    name: 'region_month',
    label: { en: 'Amount by region and month' },
    object: 'deal',
    period: { field: 'close_date', range: Q1 },
    groups: [{ field: 'region' }, { field: 'close_date', bucket: 'month' }],
    measures: [{ name: 'amount', op: 'sum', field: 'amount' }],
    chart: 'heatmap',
  };

  beforeAll(async () => {
    await store.metadata.apply(t.name, [...docs(), kpi, saved], { actor });
  });

  it('a saved report is listed, runs by name and exports to CSV and XLSX (export needs the export permission)', async () => {
    const list = await rep.get('/api/v1/analytics/reports');
    expect(list.json().data).toEqual([{ name: 'region_month', label: { en: 'Amount by region and month' }, object: 'deal', chart: 'heatmap' }]);
    const res = await admin.get('/api/v1/analytics/reports/region_month/run');
    expect(res.statusCode, res.body).toBe(200);
    expect(Number(res.json().data.totals.values.amount)).toBe(840.95);
    const csv = await finance.get('/api/v1/analytics/reports/region_month/run?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('region,close_date_month,amount');
    expect(lines[1]).toMatch(/^east,2026-03,60(\.0+)?$/);
    expect(lines.at(-1)).toMatch(/^Total,,840\.950*$/);
    const xlsx = await finance.get('/api/v1/analytics/reports/region_month/run?format=xlsx');
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'region', 'close_date_month', 'amount']);
    expect(ws.getRow(ws.rowCount).values).toEqual([undefined, 'Total', undefined, 840.95]);
    const denied = await rep.get('/api/v1/analytics/reports/region_month/run?format=csv');
    expect(denied.statusCode).toBe(403);
    expect((await admin.get('/api/v1/analytics/reports/nope/run')).statusCode).toBe(404);
  });

  it('a saved report reads the same over GraphQL; the rep gets their own scope there too', async () => {
    const g = await admin.gql('query($n: String!) { analyticsReport(name: $n, asOf: "2026-04-01") }', { n: 'region_month' });
    expect(g.status).toBe(200);
    expect(Number(g.body.data?.analyticsReport.totals.values.amount)).toBe(840.95);
    const mine = await rep.gql('{ analyticsReport(name: "region_month") }');
    // repEast in Q1 2026: d1 + d2 + d3
    expect(Number(mine.body.data?.analyticsReport.totals.values.amount)).toBe(350.3);
    const missing = await rep.gql('{ analyticsReport(name: "nope") }');
    expect(missing.body.errors?.[0]?.extensions.code).toBe('not_found');
  });

  it('drills from a saved report by name', async () => {
    const res = await admin.post('/api/v1/analytics/drill', { name: 'region_month', cell: { keys: { 0: 'west', 1: '2026-01' } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(idsOf(res.json().data.data)).toEqual(dealIds('d5'));
  });

  it('a saved report naming an unknown field is refused at metadata apply', async () => {
    const res = await admin.post('/api/v1/metadata/plan', { documents: [...docs(), kpi, { ...saved, groups: [{ field: 'nope' }] }] });
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json().error.details)).toContain('unknown_field');
  });
});

describe('relative dates in the tenant calendar', () => {
  let sh: Caller;
  beforeAll(async () => {
    const name = `rptsh${process.pid}`;
    await store.tenants.create(name, { timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
    await store.metadata.apply(name, docs(), { actor });
    const records = await store.records(name);
    const user = await records.create('user', { name: 'Admin', email: `admin@${name}.test`, role: 'admin', active: true }, actor);
    await store.auth.upsertCredential({ tenant: name, userId: user.id, email: `admin@${name}.test`, passwordHash: await hashPassword(PASSWORD, { N: 1024 }), active: true });
    // Moments near the quarter's edges: in Shanghai (UTC+8) the first and third are inside Jan–Mar, the others not.
    for (const [n, at, amount] of [
      ['in_first', '2025-12-31T16:30:00Z', '1'],
      ['out_before', '2025-12-31T15:00:00Z', '10'],
      ['in_last', '2026-03-31T15:59:00Z', '100'],
      ['out_after', '2026-03-31T16:30:00Z', '1000'],
    ]) {
      await records.create('deal', { name: n, owner_id: user.id, placed_at: at, amount }, actor);
    }
    sh = as(app, await login(app, name, `admin@${name}.test`));
  });

  it('"last quarter" is the fiscal quarter before today in Asia/Shanghai, bucketed on its wall clock', async () => {
    const data = await run(
      sh,
      { period: { field: 'placed_at', range: 'last_quarter' }, groups: [{ field: 'placed_at', bucket: 'month' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      '2026-04-10',
    );
    expect(data.period).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(data.rows.map((r: any) => [r.keys[0], Number(r.values.amount)])).toEqual([
      ['2026-01', 1],
      ['2026-03', 100],
    ]);
    expect(Number(data.totals.values.amount)).toBe(101);
    const quarter = await run(
      sh,
      { period: { field: 'placed_at', range: 'last_quarter' }, groups: [{ field: 'placed_at', bucket: 'quarter' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      '2026-04-10',
    );
    expect(quarter.rows.map((r: any) => [r.keys[0], r.labels[0]])).toEqual([['2026-01', 'FY2025-Q4']]);
    const months = await run(sh, { period: { field: 'placed_at', range: { last: 4, unit: 'month' } }, measures: [{ name: 'n', op: 'count' }] }, '2026-04-10');
    expect(months.period).toEqual({ from: '2025-12-01', to: '2026-03-31' });
    expect(months.totals.values.n).toBe(3);
  });
});
