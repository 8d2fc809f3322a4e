// Issue #11 "One truth", first bullet: org changes reach the incentives engine. A manager's roll-up
// is the credits of the people reporting to them as of each credit's date — for reports set on the
// user record before the order and for a back-dated move by `POST /goals/org/import`. Over HTTP;
// the property test checks the same over random sequences (it failed on main before the org service).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeWorld, startServer } from '../support/one-truth-world.ts';
import { apply, newModel, type Op } from '../support/one-truth-ops.ts';
import { checkRollups, snapshot, units } from '../support/one-truth-check.ts';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

it("a manager's roll-up is the credits of the people reporting to them, as of each credit's date", async () => {
  const world = await makeWorld(server.app, server.store);
  const model = newModel();
  const ops: Op[] = [
    { t: 'order', owner: 0, month: 0, day: 5, cents: 100_000n, lines: [], paid: false },
    // rep2 moves under manager2 from 1 February, back-dated: February's roll-up goes to manager2.
    { t: 'import', rep: 1, manager: 1, month: 1, day: 1 },
    { t: 'order', owner: 1, month: 1, day: 10, cents: 250_000n, lines: [], paid: false },
    { t: 'order', owner: 1, month: 0, day: 20, cents: 70_000n, lines: [], paid: false },
  ];
  for (const op of ops) await apply(world, model, op);
  await world.settle();
  const snap = await snapshot(world);
  checkRollups(snap, model);
  // By hand: January 1,000.00 + 700.00 to the manager; February's 2,500.00 to manager2, not the manager.
  const team = (who: string, month: string) => units(snap.statements[`${who}/${month}`]!.lines.find((l) => l.component === 'override')?.trace.measures?.team?.value ?? '0');
  expect([team('manager', '2026-01'), team('manager', '2026-02'), team('manager2', '2026-02')]).toEqual([units('1700'), 0n, units('2500')]);
}, 180_000);
