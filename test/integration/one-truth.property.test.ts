// Issue #11 "One truth", acceptance: invariants tested through the HTTP API as property tests over
// random sequences of writes — orders with and without lines, split rows (7-way splits of
// 1,000,000.01, shares with 2–4 decimals), refunds dated in the past inside and outside the plan's
// clawback window, payments, org moves (today and back-dated), CNY orders and CNY → USD rates entered
// for past dates, period closes, and bad input (a share
// with 5 decimals, a negative amount as a string, 3-decimal money: 422 naming field and rule, nothing
// changed). After each sequence:
//   (1) each statement's payout = the sum of its lines = what finance's payout list says, and a rep
//       reading their own statement sees what finance sees;
//   (2) each line's drill-down lists exactly the trace's credits and they add up to its measure, and
//       each earning line is its measure × the rate, rounded once;
//   (3) per transaction, all payees' direct/split credits add up to its amount to the cent, and every
//       transaction of an open month is credited in full unless refunded inside the clawback window;
//   (4) incremental = full: statements derived write by write equal those after a full recalculation;
//   (5) with DATABASE_URL (the PostgreSQL run) the same sequence on an embedded PGlite store gives
//       identical statements (ONE_TRUTH_PGLITE=1 forces the second world without PostgreSQL too).
//   (6) one measure pipeline: My goals = the statement's measure that reads the same KPI (open months).
//   (7) roll-ups follow the effective-dated org: a manager's team measure in an open month is the
//       credits of whoever reported to them on each credit's date (moves today and back-dated imports).
// Bugs found here are reproduced in the smallest sequence in one-truth.frozen.test.ts.
// fast-check prints the seed, path and failing sequence; replay with ONE_TRUTH_SEED=<seed> ONE_TRUTH_PATH=<path>
// (ONE_TRUTH_RUNS sets how many sequences; ONE_TRUTH_TIMING=1 prints where the time goes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDatabase, createStore } from '@attain/store';
import { makeWorld, startServer, type World } from '../support/one-truth-world.ts';
import { apply, newModel, opArb, type Model, type Op } from '../support/one-truth-ops.ts';
import {
  checkApportionment,
  checkEarningsByHand,
  checkKpiAgrees,
  checkRollups,
  checkOwnViewMatches,
  checkPayoutIsSumOfLines,
  checkPayoutListMatchesStatements,
  checkTracesAddUp,
  normalize,
  snapshot,
  type Snapshot,
} from '../support/one-truth-check.ts';
import type { Store } from '../../packages/server/src/store-port.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
let main: Server;
let second: Server | undefined;

const seed = process.env.ONE_TRUTH_SEED ? Number(process.env.ONE_TRUTH_SEED) : 20261207;
const runs = Number(process.env.ONE_TRUTH_RUNS ?? 6);
const sequence = fc.array(opArb, { minLength: 10, maxLength: 18 });

beforeAll(async () => {
  main = await startServer();
  if (process.env.DATABASE_URL || process.env.ONE_TRUTH_PGLITE) {
    // An embedded PGlite database of its own, whatever DATABASE_URL says.
    const db = await createDatabase({ memory: true });
    second = await startServer((await createStore(db, { controlSchema: 'attain_truth', tenantSchemaPrefix: 'truth_' })) as unknown as Store);
  }
}, 240_000);
afterAll(async () => {
  await main?.stop();
  await second?.stop();
});

async function play(server: Server, ops: Op[]): Promise<{ world: World; model: Model; incremental: Snapshot }> {
  const t0 = Date.now();
  const world = await makeWorld(server.app, server.store);
  const t1 = Date.now();
  const model: Model = newModel();
  for (const op of ops) await apply(world, model, op);
  const t2 = Date.now();
  await world.settle();
  const t3 = Date.now();
  const incremental = await snapshot(world);
  if (process.env.ONE_TRUTH_TIMING) console.log(`world ${t1 - t0} ms, ${ops.length} ops ${t2 - t1} ms, settle ${t3 - t2} ms, snapshot ${Date.now() - t3} ms`);
  return { world, model, incremental };
}

describe('one truth: every number agrees, over random sequences of writes', () => {
  it('statements, traces, apportionments, incremental = full, and both databases agree', async () => {
    await fc.assert(
      fc.asyncProperty(sequence, async (ops) => {
        const { world, model, incremental } = await play(main, ops);
        checkPayoutIsSumOfLines(incremental);
        checkPayoutListMatchesStatements(incremental, world);
        await checkOwnViewMatches(incremental, world);
        // Closed months too: a frozen line lists what it was frozen with (one-truth.frozen.test.ts).
        checkTracesAddUp(incremental);
        checkApportionment(incremental, model);
        checkEarningsByHand(incremental);
        await checkKpiAgrees(incremental, world, model.closed);
        checkRollups(incremental, model);
        // Every write of the sequence was valid (splits end at 100%, one currency): nothing is left out.
        const problems = await world.tenant.call.finance.get('/api/v1/incentives/problems');
        expect(problems.json(), 'no calculation problems').toEqual({ data: [] });
        const run = await world.tenant.call.finance.post('/api/v1/incentives/recalculate');
        expect(run.statusCode, run.body).toBe(200);
        const full = await snapshot(world);
        if (process.env.ONE_TRUTH_DUMP) {
          const { writeFileSync } = await import('node:fs');
          writeFileSync(`${process.env.ONE_TRUTH_DUMP}-incremental.json`, JSON.stringify(normalize(incremental, world.names), null, 1));
          writeFileSync(`${process.env.ONE_TRUTH_DUMP}-full.json`, JSON.stringify(normalize(full, world.names), null, 1));
        }
        expect(normalize(incremental, world.names), 'incremental = full recompute').toEqual(normalize(full, world.names));
        if (second) {
          const other = await play(second, ops);
          expect(normalize(other.incremental, other.world.names), 'PGlite = PostgreSQL').toEqual(normalize(incremental, world.names));
        }
      }),
      { seed, numRuns: runs, endOnFailure: true, verbose: 1, ...(process.env.ONE_TRUTH_PATH ? { path: process.env.ONE_TRUTH_PATH } : {}) },
    );
  }, 600_000);
});
