// A plan's payout currency: transaction amounts converted at the rates of their dates, rounding
// stated per plan; golden scenarios computed by hand and the same over the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, OrgHistory, calculate, creditTransactions, dec, fmt, lintPlan, sortProblems, type ComponentDef, type FxRate, type Transaction } from '../src/incentives/index.ts';
import { plan, rule, run, tx, version } from './incentives-fixture.ts';

const rate = (r: string): ComponentDef => ({ name: 'commission', type: 'rate', measure: 'revenue', rate: r });
const fx: FxRate[] = [
  { currency: 'EUR', rate: '1.10', date: '2026-01-01' },
  { currency: 'EUR', rate: '1.25', date: '2026-01-15' },
  { currency: 'GBP', rate: '1.30', date: '2026-01-01' },
  { currency: 'JPY', rate: '0.0067', date: '2026-01-01' },
];
const JAN = ['2026-01'];
const mixed = [tx('A', '1000', '2026-01-10', { currency: 'EUR' }), tx('A', '1100', '2026-01-12'), tx('A', '500', '2026-01-20', { currency: 'GBP' })];

describe('golden: payout currency per plan', () => {
  it('X01 a EUR plan converts each transaction at the rates of its date; the EUR one is taken as it is', () => {
    // EUR 1,000 → 1,000; USD 1,100 on Jan 12 ÷ 1.10 = 1,000; GBP 500 on Jan 20 × 1.30 ÷ 1.25 = 520 → 2,520 EUR × 10% = 252.00 EUR
    const r = run({ plans: [plan([rate('0.1')], { currency: 'EUR' })], txs: mixed, fx, periods: JAN });
    expect([r.amount('A', 'commission'), r.lines[0]?.currency, r.payouts[0]?.currency]).toEqual(['252.00', 'EUR', 'EUR']);
  });

  it('X02 the same credits in a USD plan (the base currency): 1,100 + 1,100 + 650 = 2,850 × 10% = 285.00 USD', () => {
    // EUR 1,000 × 1.10 = 1,100; USD 1,100; GBP 500 × 1.30 = 650
    const r = run({ plans: [plan([rate('0.1')])], txs: mixed, fx, periods: JAN });
    expect([r.amount('A', 'commission'), r.lines[0]?.currency]).toEqual(['285.00', 'USD']);
  });

  it('X03 a JPY plan rounds to whole yen as it states', () => {
    // USD 1,234.56 ÷ 0.0067 = 184,262.6866 JPY × 10% = 18,426.27 → scale 0 half up → 18,426 JPY
    const r = run({ plans: [plan([rate('0.1')], { currency: 'JPY', rounding: { scale: 0, mode: 'half_up' } })], txs: [tx('A', '1234.56', '2026-01-10')], fx, periods: JAN });
    expect([r.amount('A', 'commission'), r.lines[0]?.currency]).toEqual(['18426.00', 'JPY']);
  });

  it('X04 a version without a currency pays in the base currency; a plan cannot change currency between versions', () => {
    const { currency: _omit, ...noCurrency } = version();
    const r = run({ plans: [{ ...plan([rate('0.1')]), versions: [{ ...noCurrency, components: [rate('0.1')] }] }], txs: [tx('A', '100', '2026-01-10')], periods: JAN });
    expect([r.amount('A', 'commission'), r.lines[0]?.currency]).toEqual(['10.00', 'USD']);
    const changing = plan([rate('0.1')], { currency: 'EUR', effectiveTo: '2026-06-30' }, 'p', [version({ version: 2, effectiveFrom: '2026-07-01', currency: 'USD', components: [rate('0.1')] })]);
    expect(lintPlan(changing).find((i) => i.rule === 'currency_change')).toMatchObject({ severity: 'error', path: '/versions/1/currency' });
    // implicitly USD then explicitly USD is the same currency
    expect(
      lintPlan({ ...changing, versions: [{ ...noCurrency, effectiveTo: '2026-06-30' }, version({ version: 2, effectiveFrom: '2026-07-01' })] }).find((i) => i.rule === 'currency_change'),
    ).toBeUndefined();
  });

  it("X05 a roll-up and a margin measure convert from the transaction's own amounts", () => {
    // R sells USD 2,200 (margin 550) on Jan 20: in EUR 2,200 ÷ 1.25 = 1,760, margin 440 (25%); manager M gets 50% = 880.
    // R: 1,760 × 5% = 88.00 × multiplier 1.2 (margin ≥ 20%) = 105.60 EUR; M: 880 × 5% = 44.00 × 1.2 = 52.80 EUR
    const p = plan(
      [
        {
          ...rate('0.05'),
          multiplier: {
            measure: 'margin_pct',
            table: [
              { from: '0', to: '0.2', rate: '1' },
              { from: '0.2', rate: '1.2' },
            ],
          },
        },
      ],
      {
        currency: 'EUR',
        measures: [
          { name: 'revenue', type: 'sum' },
          { name: 'margin', type: 'sum', field: 'margin' },
          { name: 'margin_pct', type: 'ratio', numerator: 'margin', denominator: 'revenue' },
        ],
      },
    );
    const r = run({
      plans: [p],
      rules: [rule('owner'), rule('rollup', { levels: [{ pct: '50' }] })],
      txs: [tx('R', '2200', '2026-01-20', { margin: '550' })],
      units: [{ id: 'U', headId: 'M' }],
      memberships: [
        { userId: 'R', orgUnitId: 'U', from: '2020-01-01' },
        { userId: 'M', orgUnitId: 'U', from: '2020-01-01' },
      ],
      fx,
      periods: JAN,
    });
    expect([r.amount('R', 'commission'), r.amount('M', 'commission')]).toEqual(['105.60', '52.80']);
  });
});

describe("golden: a missing rate for the plan's currency", () => {
  it('X06 a credit the plan cannot convert is reported, naming the transaction, currency and date, and left out', () => {
    // EUR has a rate only from Jan 15 (1.25): USD 1,000 on Jan 10 cannot be converted → reported, left out;
    // USD 1,250 on Jan 20 ÷ 1.25 = 1,000 EUR × 10% = 100.00 EUR
    const r = run({
      plans: [plan([rate('0.1')], { currency: 'EUR' })],
      txs: [tx('A', '1000', '2026-01-10', { id: 'early' }), tx('A', '1250', '2026-01-20', { id: 'late' })],
      fx: [{ currency: 'EUR', rate: '1.25', date: '2026-01-15' }],
      periods: JAN,
    });
    expect(r.amount('A', 'commission')).toBe('100.00');
    expect(r.problems).toEqual([
      {
        code: 'plan_fx_missing',
        txId: 'early',
        ruleId: '',
        rule: '',
        date: '2026-01-10',
        currency: 'EUR',
        planId: 'plan_a',
        payeeId: 'A',
        message: 'no exchange rate for EUR on or before 2026-01-10: plan "plan_a" pays in EUR, so this credit is left out of it',
      },
    ]);
  });
});

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

describe('payout currency over the database', () => {
  it('SQL conversion agrees with the pure calculation; statements and the payout export show the plan currency', async () => {
    const name = `cur${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    const eur = plan(
      [
        {
          ...rate('0.05'),
          multiplier: {
            measure: 'margin_pct',
            table: [
              { from: '0', to: '0.2', rate: '1' },
              { from: '0.2', rate: '1.2' },
            ],
          },
        },
        { name: 'spif', type: 'spif', perAmount: { every: '1000', value: '10' } },
      ],
      {
        currency: 'EUR',
        measures: [
          { name: 'revenue', type: 'sum' },
          { name: 'margin', type: 'sum', field: 'margin' },
          { name: 'margin_pct', type: 'ratio', numerator: 'margin', denominator: 'revenue' },
        ],
      },
      'plan_eur',
    );
    const usd = plan([rate('0.1')], {}, 'plan_usd');
    const rules = [rule('owner'), rule('rollup', { levels: [{ pct: '50' }] })];
    const units = [{ id: 'U', headId: 'M' }];
    const memberships = [
      { userId: 'R', orgUnitId: 'U', from: '2020-01-01' },
      { userId: 'S', orgUnitId: 'U', from: '2020-01-01' },
      { userId: 'M', orgUnitId: 'U', from: '2020-01-01' },
    ];
    const assignments = [
      ...['R', 'M'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_eur', from: '2020-01-01' })),
      { kind: 'plan' as const, payeeId: 'S', key: 'plan_usd', from: '2020-01-01' },
    ];
    const txs: Transaction[] = [
      tx('R', '2200', '2026-01-20', { id: 'c1', margin: '550' }),
      tx('R', '1000', '2026-01-10', { id: 'c2', currency: 'EUR', margin: '100' }),
      tx('R', '777.77', '2026-01-05', { id: 'c3', currency: 'GBP', margin: '77.77' }),
      tx('R', '100000', '2026-01-25', { id: 'c4', currency: 'JPY' }),
      tx('S', '1000', '2026-01-25', { id: 'c5', currency: 'EUR' }),
    ];
    await e.saveRules(rules);
    await e.savePlan(eur);
    await e.savePlan(usd);
    await e.setOrg(memberships, units);
    await e.setAssignments(assignments);
    await e.setFx(fx);
    await e.openPeriod('2026-01');
    await e.upsertTransactions(txs);
    await e.recompute({ credit: true });
    const pure = creditTransactions(txs, rules, { org: new OrgHistory(memberships, units), assignments, fx, baseCurrency: 'USD' });
    const want = calculate({ plans: [eur, usd], credits: pure.credits, assignments, inputs: [], periods: ['2026-01'], fx });
    const got = await e.payouts('2026-01');
    expect(got.map((p) => `${p.payeeId} ${p.currency} ${fmt(p.payout)}`)).toEqual(want.payouts.map((p) => `${p.payeeId} ${p.currency} ${fmt(p.payout)}`).sort());
    // S's USD plan: EUR 1,000 on Jan 25 × 1.25 = 1,250 × 10% = 125.00 USD
    expect(got.find((p) => p.payeeId === 'S')).toMatchObject({ currency: 'USD', payout: 125n * 10n ** 10n });
    const lines = (await Promise.all(['M', 'R', 'S'].map(async (p) => (await e.statement(p, '2026-01')).lines))).flat();
    expect(lines.map((l) => `${l.payeeId} ${l.key} ${l.currency} ${fmt(l.amount)} ${l.trace.measures.revenue?.value ?? ''}`)).toEqual(
      want.lines.map((l) => `${l.payeeId} ${l.key} ${l.currency} ${fmt(l.amount)} ${l.trace.measures.revenue?.value ?? ''}`).sort(),
    );
    const statement = await e.statement('R', '2026-01');
    expect(new Set(statement.lines.map((l) => l.currency))).toEqual(new Set(['EUR']));
    // The drill-down shows each credit in the plan's currency: USD 2,200 on Jan 20 ÷ 1.25 = 1,760 EUR; EUR 1,000 as is
    const drill = await e.lineCredits('R', '2026-01', statement.lines.find((l) => l.component === 'commission')?.key ?? '');
    expect(drill?.credits.filter((c) => c.tx_id === 'c1' || c.tx_id === 'c2').map((c) => [c.tx_id, fmt(dec(String(c.amount))), fmt(dec(String(c.fx_rate)))])).toEqual([
      ['c2', '1000', '1'],
      ['c1', '1760', '0.8'],
    ]);
    const csv = await e.payoutCsv('2026-01');
    expect(csv).toMatch(/\nTOTAL,,,,2026-01,,,EUR,,,,,\d+\.\d\d,,\n/);
    expect(csv).toContain('TOTAL,,,,2026-01,,,USD,,,,,125.00,,');
  });

  it('the database reports the same problems as the pure calculation: a transaction without a rate, credits a plan cannot convert', async () => {
    const name = `curp${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    const eur = plan([rate('0.1')], { currency: 'EUR' }, 'plan_eur');
    const rules = [rule('owner'), rule('rollup', { levels: [{ pct: '50' }] })];
    const units = [{ id: 'U', headId: 'M' }];
    const memberships = [
      { userId: 'R', orgUnitId: 'U', from: '2020-01-01' },
      { userId: 'M', orgUnitId: 'U', from: '2020-01-01' },
    ];
    const assignments = ['R', 'M'].map((p) => ({ kind: 'plan' as const, payeeId: p, key: 'plan_eur', from: '2020-01-01' }));
    const late: FxRate[] = [{ currency: 'EUR', rate: '1.25', date: '2026-01-15' }];
    const txs: Transaction[] = [
      tx('R', '1000', '2026-01-10', { id: 'p1' }),
      tx('R', '1250', '2026-01-20', { id: 'p2' }),
      tx('R', '500', '2026-01-12', { id: 'p3', currency: 'GBP' }),
      tx('R', '800', '2026-01-16', { id: 'p4', currency: 'EUR' }),
    ];
    await e.saveRules(rules);
    await e.savePlan(eur);
    await e.setOrg(memberships, units);
    await e.setAssignments(assignments);
    await e.setFx(late);
    await e.openPeriod('2026-01');
    await e.upsertTransactions(txs);
    await e.recompute({ credit: true });
    const pure = creditTransactions(txs, rules, { org: new OrgHistory(memberships, units), assignments, fx: late, baseCurrency: 'USD' });
    const want = calculate({ plans: [eur], credits: pure.credits, assignments, inputs: [], periods: ['2026-01'], fx: late });
    // p1 (USD, Jan 10): no EUR rate yet, for R and for M's roll-up; p3: no GBP rate at all; p4 is EUR itself (credited at 1.25)
    expect(want.problems.map((p) => `${p.code} ${p.txId} ${p.payeeId} ${p.currency} ${p.date}`)).toEqual(['plan_fx_missing p1 M EUR 2026-01-10', 'plan_fx_missing p1 R EUR 2026-01-10']);
    expect(pure.problems.map((p) => `${p.code} ${p.txId} ${p.currency} ${p.date}`)).toEqual(['fx_missing p3 GBP 2026-01-12']);
    expect(await e.problems()).toEqual(sortProblems([...pure.problems, ...want.problems]));
    // R: 800 + 1,000 = 1,800 EUR × 10% = 180.00; M: 50% → 90.00
    expect((await e.payouts('2026-01')).map((p) => `${p.payeeId} ${fmt(p.payout, 2)}`)).toEqual(['M 90.00', 'R 180.00']);
    // A rate from Jan 1 fixes p1: an incremental run for its payees clears their problems
    await e.setFx([{ currency: 'EUR', rate: '1.10', date: '2026-01-01' }]);
    await e.recomputeTransactions(['p1']);
    expect((await e.problems()).map((p) => p.code)).toEqual(['fx_missing']);
  });
});
