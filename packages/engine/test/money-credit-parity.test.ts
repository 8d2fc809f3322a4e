// Split credits to the cent: the SQL crediting and the pure crediting give the same cents for
// many-way splits with awkward shares (ties, 4-decimal percentages, zero shares), negative values
// (refunds), foreign currency and overlay rows; primary rows always sum to the converted value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openTestStore, type Store } from '@attain/store';
import { apportionUnits, fromUnits } from '@attain/meta';
import { IncentiveEngine, OrgHistory, creditTransactions, dec, decToUnits, lintSplits, mul, type Transaction } from '../src/incentives/index.ts';
import { rule } from './incentives-fixture.ts';

let store: Store;
let n = 0;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

const rules = [rule('split')];
const fx = [{ currency: 'EUR', date: '2026-01-01', rate: '1.0837123457' }];
const PAYEES = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6'];

/** k shares of 100% at 4 decimals, exactly 100 in total; equal weights make ties on purpose. */
const sharesArb = fc
  .integer({ min: 1, max: 7 })
  .chain((k) =>
    fc
      .oneof(fc.constant(Array<bigint>(k).fill(1n)), fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: k, maxLength: k }))
      .map((w) => apportionUnits(1_000_000n, w.some((x) => x > 0n) ? w : w.map(() => 1n)).map((u) => fromUnits(u, 4))),
  );

const txArb = (i: number) =>
  fc
    .record({
      cents: fc.integer({ min: -300_000_000, max: 300_000_000 }),
      eur: fc.boolean(),
      shares: sharesArb,
      overlay: fc.boolean(),
    })
    .map(
      (r): Transaction => ({
        id: `t${i}`,
        object: 'order',
        ownerId: 'P0',
        date: '2026-01-15',
        amount: fromUnits(BigInt(r.cents), 2),
        margin: fromUnits(BigInt(r.cents) / 3n, 2),
        currency: r.eur ? 'EUR' : 'USD',
        splits: [...r.shares.map((pct, j) => ({ payeeId: PAYEES[j]!, pct })), ...(r.overlay ? [{ payeeId: 'S1', pct: '12.5', overlay: true }] : [])],
      }),
    );

describe('split credits to the cent', () => {
  it('SQL and JS crediting give the same cents, and primary rows sum to the converted value (property)', async () => {
    const txs = fc.sample(fc.tuple(...Array.from({ length: 60 }, (_, i) => txArb(i))), { numRuns: 1, seed: 11 })[0]!;
    const e = new IncentiveEngine(store, `money${process.pid}x${++n}`);
    await store.tenants.create(`money${process.pid}x${n}`);
    await e.saveRules(rules);
    await e.setFx(fx);
    await e.upsertTransactions(txs);
    await e.recompute({ credit: true });
    const { knex, schema } = await e.ensure();
    const rows = (await knex.withSchema(schema).from('attain_incentives_credits').select('id', 'amount', 'margin')) as Array<{ id: string; amount: string; margin: string }>;
    const sql = new Map(rows.map((r) => [r.id, [dec(String(r.amount)), dec(String(r.margin))]]));
    const pure = creditTransactions(txs, rules, { org: new OrgHistory([], []), assignments: [], fx, baseCurrency: 'USD' });
    expect(pure.problems).toEqual([]);
    expect(sql.size).toBe(pure.credits.length);
    for (const c of pure.credits) expect([c.id, ...(sql.get(c.id) ?? [])]).toEqual([c.id, c.amount, c.margin]);
    for (const tx of txs) {
      const rate = tx.currency === 'EUR' ? dec(fx[0]!.rate) : dec(1);
      const primary = pure.credits.filter((c) => c.txId === tx.id && c.kind === 'split');
      const whole = decToUnits(mul(dec(tx.amount), rate), 2, 'half_up');
      expect(primary.reduce((a, c) => a + decToUnits(c.amount, 2), 0n)).toBe(whole);
    }
  });

  it('a transaction split share with more decimals than crediting keeps is refused, not rounded', () => {
    const issues = lintSplits([
      { payeeId: 'a', pct: '33.33333333334' },
      { payeeId: 'b', pct: '66.66666666666' },
    ]);
    expect(issues.map((i) => [i.path, i.rule])).toEqual([
      ['/splits/0/pct', 'scale'],
      ['/splits/1/pct', 'scale'],
    ]);
    expect(
      lintSplits([
        { payeeId: 'a', pct: '33.3333333334' },
        { payeeId: 'b', pct: '66.6666666666' },
      ]),
    ).toEqual([]);
  });
});
