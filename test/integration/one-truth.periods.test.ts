// Issue #11 "One truth": opening a period is a change that moves pay. Found by the property test
// (incremental ≠ full on PostgreSQL when the derivation ran before the months were opened): a
// period opened after the plan was assigned had no statement lines for anyone until some later
// write touched them or finance ran a full recalculation. Through HTTP only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, startServer, ALL_PAYEES, type World } from '../support/one-truth-world.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let world: World;
beforeAll(async () => {
  server = await startServer();
  world = await makeWorld(server.app, server.store);
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

const APR = '2026-04';
const lines = async (): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const p of ALL_PAYEES) {
    const res = await world.tenant.call.finance.get(`/api/v1/incentives/statements/${world.payees[p]}/${APR}`);
    expect(res.statusCode, res.body).toBe(200);
    out[p] = (res.json() as { data: { lines: Array<{ key: string; amount: string }> } }).data.lines.map((l) => `${l.key}=${l.amount}`);
  }
  return out;
};

describe('opening a period', () => {
  it('computes its statements for everyone on a plan (what a full recalculation gives), and its position says when', async () => {
    await world.write(world.tenant.call.finance.post(`/api/v1/incentives/periods/${APR}/open`), `open ${APR}`);
    await world.settle();
    const opened = await lines();
    // Every payee is on the plan from January: three components, nothing earned yet.
    expect(opened.rep4).toEqual(['plan_truth:commission:earning:=0', 'plan_truth:kpi_bonus:earning:=0', 'plan_truth:override:earning:=0']);
    expect((await world.tenant.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    expect(await lines()).toEqual(opened);
  }, 180_000);
});
