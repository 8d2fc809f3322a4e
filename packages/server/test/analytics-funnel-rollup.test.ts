// biome-ignore-all lint/suspicious/noExplicitAny: funnel answers and table rows are JSON read field by field in assertions
// The funnel's stage-time histogram (funnel-rollup.ts) answers exactly what the per-record path
// answers: deals with varied owners, stages and times, asked by every kind of caller (all records,
// a team, one rep) and question (grouped by owner or not, with a cohort, a creation range and
// another grouping falling back), once after the histogram was built and again after stage changes,
// owner changes, deletes and restores arrived; the kept histogram equals one rebuilt from scratch,
// and an object backfilled before the histogram existed gets it from the worker.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, login, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { AS_OF, actor, setupFunnel } from './analytics-funnel-fixture.ts';
import { rebuildRollup } from '../src/modules/analytics/funnel-rollup.ts';
import { funnelTables } from '../src/modules/analytics/funnel-tables.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let runner: Awaited<ReturnType<typeof setupFunnel>>['runner'];
let callers: Record<string, Caller>;
const deals: string[] = [];

const STAGES = ['lead', 'qualified', 'proposal', 'won', 'lost'];
const OWNERS = ['repEast', 'repEast2', 'repWest', 'mgrEast', 'admin'] as const;
const QUERIES = ['', '&by=owner', '&by=owner&cohort=month', '&cohort=month', '&by=source', '&from=2026-01-10&to=2026-02-15', '&by=owner&from=2026-02-01'];

/** A small deterministic generator, so a failure can be replayed. */
let seed = 20261208;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;

/** Runs one write at a moment (created_at and the event's time), then lets the funnel's job handle it. */
async function at<T>(when: Date, write: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(when);
  try {
    return await write();
  } finally {
    vi.useRealTimers();
    await runner.drain();
  }
}

/** Deals written at varied minutes of Jan–Feb 2026, moved through stages (back and forth too). */
async function writeDeals(count: number, start: Date): Promise<void> {
  const records = await store.records(t.name);
  let clock = start.getTime();
  for (let i = 0; i < count; i++) {
    clock += (rand(48) + 1) * 3_600_000 + rand(60) * 60_000;
    const owner = t.users[pick(OWNERS)].id;
    const id = (
      await at(new Date(clock), () => records.create('deal', { name: `r${deals.length}`, owner_id: owner, source: pick(['web', 'event']), amount: `${rand(5000)}.00`, stage: 'lead' }, actor))
    ).id;
    deals.push(id);
  }
  for (let k = 0; k < count * 3; k++) {
    clock += rand(30) * 3_600_000 + rand(60) * 60_000 + 60_000;
    await at(new Date(clock), () => records.update('deal', pick(deals), { stage: pick(STAGES) }, actor));
  }
}

const port = () => store.port(t.name, funnelTables);
const get = async (c: Caller, query: string) => {
  const res = await c.get(`/api/v1/analytics/funnel?object=deal&asOf=${AS_OF}${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};

/** Every caller's answer to every question, from the histogram and again from the per-record path. */
async function expectSameAnswers(): Promise<void> {
  const p = await port();
  const rolled = (await p.table('stage_object').where({ object: 'deal' }).first('rolled_at')).rolled_at;
  expect(rolled).not.toBeNull();
  for (const [who, c] of Object.entries(callers)) {
    for (const q of QUERIES) {
      const viaRollup = await get(c, q);
      // Without a built histogram the funnel reads every record's arrays, as before it existed.
      await p.table('stage_object').where({ object: 'deal' }).update({ rolled_at: null });
      try {
        expect(await get(c, q), `${who} ${q}`).toEqual(viaRollup);
      } finally {
        await p.table('stage_object').where({ object: 'deal' }).update({ rolled_at: rolled });
      }
    }
  }
}

/** The histogram's rows in a stable order (counts and exact day sums as text). */
async function histogram(): Promise<Array<Record<string, unknown>>> {
  const p = await port();
  const rows = await p.table('stage_time').where({ object: 'deal' }).orderBy(['owner', 'code', 'minute']).select('owner', 'code', 'minute', 'n', 'days');
  return rows.map((r: any) => ({ owner: r.owner, code: Number(r.code), minute: Number(r.minute), n: Number(r.n), days: String(r.days) }));
}

beforeAll(async () => {
  let admin: Caller;
  let rep: Caller;
  ({ app, store, t, runner, admin, rep } = await setupFunnel());
  callers = {
    admin,
    repEast: rep,
    mgrEast: as(app, await login(app, t.name, t.users.mgrEast.email)),
    repWest: as(app, await login(app, t.name, t.users.repWest.email)),
  };
  await writeDeals(16, new Date('2026-01-02T09:00:00Z'));
}, 240_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('stage-time histogram', () => {
  it('is what the funnel reads for stage times when it answers the question', async () => {
    const before = await get(callers.admin as Caller, '');
    expect(before.total.stages.find((s: any) => s.stage === 'lead').stays).toBeGreaterThan(5);
    const p = await port();
    const kept = await p.table('stage_time').where({ object: 'deal' }).select();
    await p.table('stage_time').where({ object: 'deal' }).delete();
    try {
      // Emptied by hand, the histogram's stays vanish from the answer; the record counts do not.
      const empty = await get(callers.admin as Caller, '');
      expect(empty.total.stages.map((s: any) => s.stays)).toEqual([0, 0, 0, 0, 0]);
      expect(empty.total.records).toBe(before.total.records);
    } finally {
      await p.table('stage_time').insert(kept);
    }
  });

  it('answers exactly as the per-record path, for every caller and question', async () => {
    await expectSameAnswers();
  }, 120_000);

  it('follows stage changes, owner changes, deletes and restores arriving after it was built', async () => {
    const records = await store.records(t.name);
    await writeDeals(6, new Date('2026-02-16T10:00:00Z'));
    let clock = new Date('2026-03-02T08:00:00Z').getTime();
    const next = () => new Date((clock += rand(20) * 3_600_000 + rand(60) * 60_000 + 60_000));
    for (let k = 0; k < 8; k++) {
      const id = pick(deals);
      await at(next(), () => records.update('deal', id, { owner_id: t.users[pick(OWNERS)].id }, actor));
      await at(next(), () => records.update('deal', pick(deals), { stage: pick(STAGES), owner_id: t.users[pick(OWNERS)].id }, actor));
    }
    const gone = [deals[1], deals[4], deals[9]] as string[];
    for (const id of gone) await at(next(), () => records.delete('deal', id, actor));
    await at(next(), () => records.restore('deal', gone[1] as string, actor));
    await expectSameAnswers();
    // Kept incrementally, it equals the histogram rebuilt from the summary rows, to the last digit.
    const kept = await histogram();
    const p = await port();
    const o = (await store.registry(t.name)).object('deal');
    if (!o) throw new Error('no deal object');
    await p.knex.transaction((trx) => rebuildRollup(trx, p, o));
    expect(kept).toEqual(await histogram());
    expect(kept.every((r) => (r.n as number) > 0)).toBe(true);
  }, 240_000);

  it('is built by the worker for an object backfilled before it existed, the funnel reading the per-record path meanwhile', async () => {
    const p = await port();
    const built = await histogram();
    // As a tenant migrated to version 2 finds it: no histogram, no owners in the summary, rolled_at null.
    await p.table('stage_time').where({ object: 'deal' }).delete();
    await p.table('stage_record').where({ object: 'deal' }).update({ owner: '', live: true });
    await p.table('stage_object').where({ object: 'deal' }).update({ rolled_at: null });
    const meanwhile = await get(callers.repEast as Caller, '&by=owner');
    expect(meanwhile.total.stages.find((s: any) => s.stage === 'lead').stays).toBeGreaterThan(0);
    // The next event of the object builds it.
    const records = await store.records(t.name);
    await at(new Date('2026-03-10T12:00:00Z'), () => records.update('deal', deals[0] as string, { amount: '1.00' }, actor));
    expect(await histogram()).toEqual(built);
    expect(await get(callers.repEast as Caller, '&by=owner')).toEqual(meanwhile);
    await expectSameAnswers();
  }, 120_000);
});
