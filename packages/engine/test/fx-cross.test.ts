// The one exchange-rate rule (fx/resolve.ts, the same in sql.ts): the pair as entered, else its
// inverse, else through the base currency, else no rate (never 1:1); a plan's fxRule picks the day
// or averages the period's days. The pure calculation and the database agree on every figure,
// for plans converting at the transaction date, the period end and the period average.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, OrgHistory, calculate, creditTransactions, fmt, fxRateAt, type ComponentDef, type FxRate, type Transaction } from '../src/incentives/index.ts';
import { crossRateAt, daysOf, pairRateAt, ruleRateAt } from '../src/fx/index.ts';
import { plan, rule, tx } from './incentives-fixture.ts';

const r = (from: string, to: string, rate: string, effectiveFrom: string) => ({ from, to, rate, effectiveFrom });
const f = (d: bigint | undefined) => (d === undefined ? 'none' : fmt(d));

describe('finding a rate', () => {
  const rates = [
    r('EUR', 'USD', '1.25', '2026-01-15'),
    r('EUR', 'USD', '1.1', '2026-01-01'),
    r('USD', 'EUR', '0.5', '2026-01-15'),
    r('USD', 'CNY', '7.1', '2026-01-01'),
    r('GBP', 'EUR', '1.17', '2026-01-01'),
    r('GBP', 'USD', '1.3', '2026-01-01'),
  ];
  it('the pair as entered, else its inverse at 10 decimals; the newer wins, on the same day the pair as entered', () => {
    expect(f(pairRateAt(rates, 'EUR', 'USD', '2026-01-10'))).toBe('1.1');
    expect(f(pairRateAt(rates, 'USD', 'EUR', '2026-01-10'))).toBe('0.9090909091');
    // both ways on Jan 15: each direction reads its own entry
    expect([f(pairRateAt(rates, 'EUR', 'USD', '2026-01-20')), f(pairRateAt(rates, 'USD', 'EUR', '2026-01-20'))]).toEqual(['1.25', '0.5']);
    expect(f(pairRateAt(rates, 'CNY', 'USD', '2026-01-02'))).toBe('0.1408450704');
    expect(f(pairRateAt(rates, 'EUR', 'USD', '2025-12-31'))).toBe('none');
  });
  it('a pair between two other currencies: entered, else through the base; a third currency is not tried', () => {
    // GBP → EUR was entered: 1.17, not 1.3 ÷ 1.1
    expect(f(crossRateAt(rates, 'GBP', 'EUR', 'USD', '2026-01-10'))).toBe('1.17');
    expect(f(crossRateAt(rates, 'EUR', 'GBP', 'USD', '2026-01-10'))).toBe('0.8547008547');
    // EUR → CNY: 1.1 ÷ (1 ÷ 7.1 = 0.1408450704) = 7.8100000012 (each leg at 10 decimals, as SQL)
    expect(f(crossRateAt(rates, 'EUR', 'CNY', 'USD', '2026-01-10'))).toBe('7.8100000012');
    expect(f(crossRateAt(rates, 'USD', 'USD', 'USD', '2020-01-01'))).toBe('1');
    // GBP → CNY through EUR would be possible, but only the base is a bridge: GBP→USD→CNY
    expect(f(crossRateAt(rates, 'GBP', 'CNY', 'USD', '2026-01-10'))).toBe('9.2300000015');
    expect(f(crossRateAt(rates, 'JPY', 'EUR', 'USD', '2026-01-10'))).toBe('none');
    expect(f(crossRateAt(rates, 'JPY', 'EUR', 'EUR', '2026-01-10'))).toBe('none');
  });
  it('the fxRule: transaction date, period end, or the average of every day of the period (none if a day lacks one)', () => {
    const jan = { from: '2026-01-01', to: '2026-01-31' };
    expect(f(ruleRateAt(rates, 'EUR', 'USD', 'USD', 'transaction_date', '2026-01-05', jan))).toBe('1.1');
    expect(f(ruleRateAt(rates, 'EUR', 'USD', 'USD', 'period_end', '2026-01-05', jan))).toBe('1.25');
    // 14 days at 1.1, 17 at 1.25: 36.65 ÷ 31 = 1.1822580645
    expect(f(ruleRateAt(rates, 'EUR', 'USD', 'USD', 'period_average', '2026-01-05', jan))).toBe('1.1822580645');
    expect(f(ruleRateAt(rates, 'EUR', 'USD', 'USD', 'period_average', '2026-01-05', { from: '2025-12-31', to: '2026-01-31' }))).toBe('none');
    expect(daysOf('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });
});

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

describe('the pure calculation and the database convert alike', () => {
  it('cross pairs and period rules: same statements and payouts in memory as recalculated over the database', async () => {
    const name = `fxx${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    const rate: ComponentDef = { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' };
    const plans = [
      plan([rate], { currency: 'CNY' }, 'p_cny_tx'),
      plan([rate], { currency: 'EUR', fxRule: 'period_average' }, 'p_eur_avg'),
      plan([rate], { currency: 'USD', fxRule: 'period_average' }, 'p_usd_avg'),
      plan([rate], { currency: 'EUR', fxRule: 'period_end' }, 'p_eur_end'),
    ];
    const payees = ['A', 'B', 'C', 'D'];
    const assignments = plans.map((p, i) => ({ kind: 'plan' as const, payeeId: payees[i]!, key: p.id, from: '2020-01-01' }));
    const memberships = payees.map((p) => ({ userId: p, orgUnitId: 'U', from: '2020-01-01' }));
    const units = [{ id: 'U', headId: null }];
    const fx: FxRate[] = [
      { currency: 'EUR', rate: '1.10', date: '2025-12-01' },
      { currency: 'EUR', rate: '1.25', date: '2026-01-15' },
      { currency: 'GBP', rate: '1.30', date: '2025-12-01' },
      // a pair between two other currencies, and the plan currency entered from the base (used inverted)
      { currency: 'GBP', to: 'EUR', rate: '1.17', date: '2025-12-01' },
      { currency: 'USD', to: 'CNY', rate: '7.1', date: '2025-12-01' },
    ];
    const txs: Transaction[] = payees.flatMap((p) => [
      tx(p, '1000', '2026-01-10', { id: `${p}1` }),
      tx(p, '1000', '2026-01-20', { id: `${p}2`, currency: 'EUR' }),
      tx(p, '500', '2026-01-05', { id: `${p}3`, currency: 'GBP' }),
    ]);
    const rules = [rule('owner')];
    await e.saveRules(rules);
    for (const p of plans) await e.savePlan(p);
    await e.setOrg(memberships, units);
    await e.setAssignments(assignments);
    await e.setFx(fx);
    await e.openPeriod('2026-01');
    await e.upsertTransactions(txs);
    await e.recompute({ credit: true });
    // Crediting into the base reads every rate by the one rule (a pair to another currency is not a base rate).
    const pure = creditTransactions(txs, rules, { org: new OrgHistory(memberships, units), assignments, fx, baseCurrency: 'USD' });
    expect(pure.problems).toEqual([]);
    const want = calculate({ plans, credits: pure.credits, assignments, inputs: [], periods: ['2026-01'], fx });
    expect(want.problems).toEqual([]);
    const got = await e.payouts('2026-01');
    const show = (list: Array<{ payeeId: string; currency: string; payout: bigint }>) => list.map((p) => `${p.payeeId} ${p.currency} ${fmt(p.payout, 2)}`).sort();
    expect(show(got)).toEqual(show(want.payouts));
    // By hand. D (EUR, period end, Jan 31): USD 1,000 × (1 ÷ 1.25 = 0.8) + EUR 1,000 + GBP 500 × 1.17 (the entered pair) = 2,385 → 238.50
    // B (EUR, period average): USD→EUR 14 days 0.9090909091 and 17 days 0.8 → 0.8492668622; 849.2668622 + 1,000 + 585 = 2,434.27 → 243.43
    // C (USD, period average): 1,000 + EUR 1,000 × 1.1822580645 + GBP 500 × 1.3 = 2,832.2580645 → 283.23
    // A (CNY, transaction date): 7,100 + EUR 1,000 × 1.25 ÷ 0.1408450704 (8.8750000014) + GBP 500 × 9.2300000015 = 20,590.0000022 → 2,059.00
    expect(show(got)).toEqual(['A CNY 2059.00', 'B EUR 243.43', 'C USD 283.23', 'D EUR 238.50']);
    const lines = (await Promise.all(payees.map(async (p) => (await e.statement(p, '2026-01')).lines))).flat();
    const key = (l: { payeeId: string; key: string; currency: string; amount: bigint; trace: { measures: Record<string, { value: string } | undefined> } }) =>
      `${l.payeeId} ${l.key} ${l.currency} ${fmt(l.amount)} ${l.trace.measures.revenue?.value ?? ''}`;
    expect(lines.map(key).sort()).toEqual(want.lines.map(key).sort());
  });

  it('no rate for the plan currency is the plan_fx_missing problem in both, never 1:1', async () => {
    const name = `fxm${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    const p = plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }], { currency: 'CHF', fxRule: 'period_end' }, 'p_chf');
    const assignments = [{ kind: 'plan' as const, payeeId: 'A', key: p.id, from: '2020-01-01' }];
    const memberships = [{ userId: 'A', orgUnitId: 'U', from: '2020-01-01' }];
    const units = [{ id: 'U', headId: null }];
    const fx: FxRate[] = [
      { currency: 'EUR', rate: '1.1', date: '2025-12-01' },
      { currency: 'GBP', to: 'CHF', rate: '1.12', date: '2025-12-01' },
    ];
    const txs = [tx('A', '100', '2026-01-10', { id: 'm1', currency: 'EUR' }), tx('A', '100', '2026-01-11', { id: 'm2', currency: 'GBP' })];
    await e.saveRules([rule('owner')]);
    await e.savePlan(p);
    await e.setOrg(memberships, units);
    await e.setAssignments(assignments);
    await e.setFx([...fx, { currency: 'GBP', rate: '1.3', date: '2025-12-01' }]);
    await e.openPeriod('2026-01');
    await e.upsertTransactions(txs);
    await e.recompute({ credit: true });
    const pure = creditTransactions(txs, [rule('owner')], {
      org: new OrgHistory(memberships, units),
      assignments,
      fx: [
        { currency: 'EUR', rate: '1.1', date: '2025-12-01' },
        { currency: 'GBP', rate: '1.3', date: '2025-12-01' },
      ],
      baseCurrency: 'USD',
    });
    const want = calculate({ plans: [p], credits: pure.credits, assignments, inputs: [], periods: ['2026-01'], fx: [...fx, { currency: 'GBP', rate: '1.3', date: '2025-12-01' }] });
    // EUR → CHF: no pair, and CHF has no rate to the base: left out. GBP → CHF was entered: 100 × 1.12 = 112 → 11.20
    expect(want.problems.map((x) => `${x.code} ${x.txId}`)).toEqual(['plan_fx_missing m1']);
    expect((await e.problems()).filter((x) => x.code === 'plan_fx_missing').map((x) => `${x.code} ${x.txId}`)).toEqual(['plan_fx_missing m1']);
    expect((await e.payouts('2026-01')).map((x) => `${x.payeeId} ${x.currency} ${fmt(x.payout, 2)}`)).toEqual(['A CHF 11.20']);
    expect(want.payouts.map((x) => `${x.payeeId} ${x.currency} ${fmt(x.payout, 2)}`)).toEqual(['A CHF 11.20']);
  });
});

describe('crediting into the base reads a rate entered the other way round', () => {
  it('uses the inverse of base → currency, as the SQL path does', () => {
    // Entered as 1 USD = 0.9 EUR; a EUR amount into USD is × 1/0.9 = 1.1111111111
    const rates = [{ currency: 'USD', to: 'EUR', rate: '0.9', date: '2026-01-01' }];
    expect(f(fxRateAt(rates, 'EUR', 'USD', '2026-02-01'))).toBe(f(pairRateAt([{ from: 'EUR', to: 'USD', rate: '1.1111111111', effectiveFrom: '2026-01-01' }], 'EUR', 'USD', '2026-02-01')));
    expect(f(fxRateAt(rates, 'EUR', 'USD', '2025-12-31'))).toBe('none');
    expect(f(fxRateAt(rates, 'GBP', 'USD', '2026-02-01'))).toBe('none');
  });
});
