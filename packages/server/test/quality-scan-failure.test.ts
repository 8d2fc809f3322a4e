// A scan whose statement fails leaves nothing behind (issue #18 speed: the rules' statements run at
// once on PostgreSQL, each committing on its own, so the scan removes what the others stored): no
// run, no issues, no counts, and the latest finished run is still the one before. The failure is
// a trigger on the count table that refuses one rule's rows, on PGlite and on PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { quoteIdent } from '@attain/store';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { qualityDocs, seedQuality } from './quality-fixture.ts';
import type { Store } from '../src/store-port.ts';
import { runScan } from '../src/modules/quality/scan.ts';
import { qualityTables } from '../src/modules/quality/tables.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
const actor = { userId: null, label: 'test' };

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'qf');
  await store.metadata.apply(t.name, qualityDocs(), { actor });
  await seedQuality(store, t);
  admin = as(app, await login(app, t.name, t.users.admin.email));
});

afterAll(async () => {
  await app.close();
  await store.close();
});

describe('a failing scan', () => {
  it('stores nothing of its run and leaves the previous run the latest', async () => {
    const first = (await admin.post('/api/v1/quality/runs', {})).json().data;
    expect(first.issues).toBe(22);
    const port = await store.port(t.name, qualityTables);
    const s = quoteIdent(port.schema);
    await port.knex.raw(`create function ${s}.refuse_stale() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`);
    await port.knex.raw(`create trigger refuse_stale before insert on ${port.name('count')} for each row when (new.rule = 'deal_stale') execute function ${s}.refuse_stale()`);
    await expect(runScan(store, t.name, { trigger: 'manual' })).rejects.toThrow(/refused/);
    const runs = (await port.table('run').select('id')) as Array<{ id: string }>;
    expect(runs.map((r) => r.id)).toEqual([first.runId]);
    expect(Number(((await port.table('issue').whereNot('run_id', first.runId).count({ n: '*' }).first()) as { n: number | string }).n)).toBe(0);
    expect(Number(((await port.table('count').whereNot('run_id', first.runId).count({ n: '*' }).first()) as { n: number | string }).n)).toBe(0);
    expect((await admin.get('/api/v1/quality/runs')).json().data.map((r: { id: string }) => r.id)).toEqual([first.runId]);
    // Without the trigger the next scan is whole again, its new issues measured against the first run.
    await port.knex.raw(`drop trigger refuse_stale on ${port.name('count')}`);
    const again = await runScan(store, t.name, { trigger: 'manual' });
    expect(again).toMatchObject({ issues: 22, newIssues: 0 });
  });
});
