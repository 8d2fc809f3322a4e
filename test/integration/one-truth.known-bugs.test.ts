// Issue #11 "One truth": invariants the property tests found broken on main, each reproduced in the
// smallest sequence over HTTP and marked `it.fails` with the bug named. When the fix lands the test
// starts failing (it.fails passes only while the assertion fails): flip it to `it` then. Each
// scenario is played by an ordinary test first, so a broken setup fails loudly instead of passing
// as an "expected failure"; the it.fails cases only read and assert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, startServer, type World } from '../support/one-truth-world.ts';
import { apply, newModel, type Model, type Op } from '../support/one-truth-ops.ts';
import { checkTracesAddUp, snapshot, type Snapshot } from '../support/one-truth-check.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

async function play(ops: Op[]): Promise<{ world: World; model: Model }> {
  const world = await makeWorld(server.app, server.store);
  const model = newModel();
  for (const op of ops) await apply(world, model, op);
  await world.settle();
  return { world, model };
}

const played = new Map<string, { world: World; model: Model; snap: Snapshot }>();
/** Plays a scenario in an ordinary test (it must succeed) and keeps what it wrote for the known-bug case. */
function scenario(name: string, ops: Op[], check: (model: Model) => void = () => {}): void {
  it(`scenario plays over HTTP: ${name}`, async () => {
    const { world, model } = await play(ops);
    check(model);
    played.set(name, { world, model, snap: await snapshot(world) });
  }, 180_000);
}
const get = (name: string) => {
  const p = played.get(name);
  if (!p) throw new Error(`scenario ${name} did not play`);
  return p;
};

describe('one truth: known bugs on main', () => {
  // BUG (statement traces of frozen periods): lineCredits() in packages/engine/src/incentives/db/engine.ts
  // selects the credits behind a line from the *current* credits table, but a line of an approved,
  // paid or closed period keeps the figures it was frozen with. After a 10.00 order is booked into a
  // closed January, January's commission line still says revenue 1,234.56 (the new order goes to
  // February as a prior-period adjustment) while its drill-down and trace list both credits: 1,244.56.
  scenario('late order into a closed month', [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 123_456n, lines: [], paid: false },
    { t: 'close' },
    { t: 'order', owner: 0, month: 0, day: 7, cents: 1_000n, lines: [], paid: false },
  ], (model) => expect(model.closed).toEqual(['2026-01']));
  it.fails('a closed period\'s line lists exactly the credits behind it after later writes into that period', () => {
    checkTracesAddUp(get('late order into a closed month').snap);
  });

  // BUG (clawback lines' traces): a clawback line booked into the open period for a refund inside
  // the window of a closed period's order ("commission:clawback:2026-01") traces the recomputed
  // January — the credits still counted — instead of the refunded order it takes back, so the line
  // that takes 46.29 back from the rep names an unrelated 10.00 order and not the refunded one.
  scenario('refund inside the window of a closed month', [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 123_456n, lines: [], paid: false },
    { t: 'close' },
    { t: 'order', owner: 0, month: 0, day: 7, cents: 1_000n, lines: [], paid: false },
    { t: 'refund', order: 0, days: 3 },
  ]);
  it.fails('a clawback line names the refunded order it takes back', () => {
    const { world, model, snap } = get('refund inside the window of a closed month');
    const clawback = snap.statements['rep1/2026-02']!.lines.find((l) => (l as { kind?: string }).kind === 'clawback');
    expect(clawback?.amount).toBe('-46.29');
    expect(clawback?.trace.sourceRecordIds, `in ${world.tenant.name}`).toEqual([model.orders[0]!.id]);
  });

  // BUG (an unsplit foreign-currency order): the split rule credits an order without split rows to
  // its owner as round(value × fx, 10) × pct (crediting.ts `share`, crediting-sql.ts splitCreditingSql's
  // owner branch), while split rows share round(value × fx) to the cent (splitShares). So 0.04 CNY at
  // 0.14 is 0.0056 USD for the owner alone but 0.01 USD once split 50/50: the same order is worth
  // two different amounts, and the owner's credit is not whole cents. Rounding the owner's converted
  // whole to the cent in both places fixes this case but moves packages/server/test/fx-rates.test.ts
  // ("a EUR order converts at its exact inverse, rounded at 10 decimals": 789.65 → 789.66), which
  // states the unrounded rule on purpose: a decision for the money/fx owners, so not changed here.
  scenario('two 0.04 CNY orders, one split 50/50', [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 4n, lines: [], paid: false, cny: true },
    { t: 'order', owner: 0, month: 0, day: 6, cents: 4n, lines: [], paid: false, cny: true },
    { t: 'split', order: 1, payees: [0, 1], shares: [500_000n, 500_000n] },
  ]);
  it.fails('an unsplit CNY order credits its owner the converted whole to the cent, as a split shares it', () => {
    const { snap } = get('two 0.04 CNY orders, one split 50/50');
    const credits = Object.values(snap.drills).flatMap((d) => d.credits).filter((c) => c.kind === 'direct' || c.kind === 'split');
    const byTx = new Map<string, number>();
    for (const c of credits) byTx.set(c.tx_id, Math.round(((byTx.get(c.tx_id) ?? 0) + Number(c.value)) * 1e6) / 1e6);
    // 0.04 CNY × 0.14 = 0.0056 → 0.01 USD, split or not
    expect([...byTx.values()]).toEqual([0.01, 0.01]);
  });
});
