// Issue #11 "One truth": invariants the property tests found broken, each reproduced in the smallest
// sequence over HTTP and kept as a regression test. Each scenario is played by an ordinary test
// first, so a broken setup fails loudly; the cases after it only read and assert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, startServer, type World } from '../support/one-truth-world.ts';
import { apply, newModel, type Model, type Op } from '../support/one-truth-ops.ts';
import { checkTracesAddUp, snapshot, units, type Snapshot } from '../support/one-truth-check.ts';

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
/** Plays a scenario in an ordinary test (it must succeed) and keeps what it wrote for the cases that read it. */
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

describe('one truth: frozen periods keep their traces, clawbacks name what they take back, one rounding', () => {
  // A line of an approved, paid or closed period keeps the figures it was frozen with, and its
  // drill-down and trace the credits it was frozen with (frozen-rows.ts): after a 10.00 order is
  // booked into a closed January, January's commission line still says revenue 1,234.56 and lists
  // that one credit; the new order is a prior-period adjustment in February that lists only itself.
  scenario(
    'late order into a closed month',
    [{ t: 'order', owner: 0, month: 0, day: 5, cents: 123_456n, lines: [], paid: false }, { t: 'close' }, { t: 'order', owner: 0, month: 0, day: 7, cents: 1_000n, lines: [], paid: false }],
    (model) => expect(model.closed).toEqual(['2026-01']),
  );
  it("a closed period's line lists exactly the credits behind it after later writes into that period", () => {
    const { world, model, snap } = get('late order into a closed month');
    checkTracesAddUp(snap);
    const jan = snap.statements['rep1/2026-01']!.lines.find((l) => l.component === 'commission')!;
    expect(units(jan.trace.measures?.revenue?.value)).toBe(units('1234.56'));
    expect(jan.trace.sourceRecordIds, `in ${world.tenant.name}`).toEqual([model.orders[0]!.id]);
    // The late order is February's adjustment for January, and only it is behind that line.
    const adjustment = snap.statements['rep1/2026-02']!.lines.find((l) => (l as { kind?: string }).kind === 'adjustment' && l.component === 'commission')!;
    expect(adjustment.trace.sourceRecordIds).toEqual([model.orders[1]!.id]);
    expect(units(adjustment.trace.measures?.revenue?.value)).toBe(units('10'));
  });

  it("a full recalculation (every credit rewritten) leaves the closed period's trace as it was frozen", async () => {
    const { world, snap } = get('late order into a closed month');
    const run = await world.tenant.call.finance.post('/api/v1/incentives/recalculate');
    expect(run.statusCode, run.body).toBe(200);
    const after = await snapshot(world);
    checkTracesAddUp(after);
    expect(after.statements['rep1/2026-01']).toEqual(snap.statements['rep1/2026-01']);
    expect(after.statements['rep1/2026-02']).toEqual(snap.statements['rep1/2026-02']);
  }, 180_000);

  // A clawback line booked into the open period for a refund inside the window of a closed
  // period's order ("commission:clawback:2026-01") lists the refunded order it takes back, each
  // credit at minus the value it had added, not the recomputed January.
  scenario('refund inside the window of a closed month', [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 123_456n, lines: [], paid: false },
    { t: 'close' },
    { t: 'order', owner: 0, month: 0, day: 7, cents: 1_000n, lines: [], paid: false },
    { t: 'refund', order: 0, days: 3 },
  ]);
  it('a clawback line names the refunded order it takes back', () => {
    const { world, model, snap } = get('refund inside the window of a closed month');
    const clawback = snap.statements['rep1/2026-02']!.lines.find((l) => (l as { kind?: string }).kind === 'clawback');
    expect(clawback?.amount).toBe('-46.29');
    expect(clawback?.trace.sourceRecordIds, `in ${world.tenant.name}`).toEqual([model.orders[0]!.id]);
    expect(units(clawback?.trace.measures?.revenue?.value)).toBe(units('-1234.56'));
    checkTracesAddUp(snap);
  });

  // Money converted to the base currency is rounded to the cent once, on the transaction's whole,
  // and every credit is taken from that whole (crediting.ts baseShare/splitShares, crediting-sql.ts):
  // 0.04 CNY at 0.14 is 0.0056 → 0.01 USD for the owner alone and for a 50/50 split alike.
  scenario('two 0.04 CNY orders, one split 50/50', [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 4n, lines: [], paid: false, cny: true },
    { t: 'order', owner: 0, month: 0, day: 6, cents: 4n, lines: [], paid: false, cny: true },
    { t: 'split', order: 1, payees: [0, 1], shares: [500_000n, 500_000n] },
  ]);
  it('an unsplit CNY order credits its owner the converted whole to the cent, as a split shares it', () => {
    const { snap } = get('two 0.04 CNY orders, one split 50/50');
    const credits = Object.values(snap.drills)
      .flatMap((d) => d.credits)
      .filter((c) => c.kind === 'direct' || c.kind === 'split');
    const byTx = new Map<string, number>();
    for (const c of credits) byTx.set(c.tx_id, Math.round(((byTx.get(c.tx_id) ?? 0) + Number(c.value)) * 1e6) / 1e6);
    // 0.04 CNY × 0.14 = 0.0056 → 0.01 USD, split or not
    expect([...byTx.values()]).toEqual([0.01, 0.01]);
  });
});
