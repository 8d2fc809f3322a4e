import { beforeAll, describe, expect, it } from 'vitest';
import { eventQueue, openTestStore, quoteIdent, type RecordEvent, type Store, type TenantModule } from '../src/index.ts';
import { system, tenantWith } from './fixtures.ts';

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'evt');
});

describe('jobs', () => {
  it('enqueues idempotently by key, claims once across claimers, completes', async () => {
    const a = await store.jobs.enqueue({ queue: 'q.test', tenant: 'evt', key: 'k1', payload: { n: 1 } });
    const b = await store.jobs.enqueue({ queue: 'q.test', tenant: 'evt', key: 'k1', payload: { n: 2 } });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    const [first, second] = await Promise.all([store.jobs.claim(['q.test'], { worker: 'w1' }), store.jobs.claim(['q.test'], { worker: 'w2' })]);
    expect([...(first ?? []), ...(second ?? [])].map((j) => j.id)).toEqual([a.id]);
    const claimed = [...(first ?? []), ...(second ?? [])][0];
    expect(claimed?.payload).toEqual({ n: 1 });
    expect(claimed?.attempts).toBe(1);
    await store.jobs.complete(a.id, { ok: true });
    expect(await store.jobs.claim(['q.test'])).toEqual([]);
    expect((await store.jobs.get(a.id))?.status).toBe('done');
    expect((await store.jobs.get(a.id))?.result).toEqual({ ok: true });
  });

  it('retries with backoff until max attempts, then fails; leases expire', async () => {
    const { id } = await store.jobs.enqueue({ queue: 'q.retry', maxAttempts: 2 });
    const [job] = await store.jobs.claim(['q.retry']);
    expect(job?.id).toBe(id);
    const later = new Date(Date.now() + 60_000);
    expect(await store.jobs.fail(id, 'boom', later)).toBe('retry');
    expect(await store.jobs.claim(['q.retry'])).toEqual([]);
    const [again] = await store.jobs.claim(['q.retry'], { now: new Date(later.getTime() + 1) });
    expect(again?.attempts).toBe(2);
    expect(await store.jobs.fail(id, 'boom again', later)).toBe('failed');
    const info = await store.jobs.get(id);
    expect(info).toMatchObject({ status: 'failed', lastError: 'boom again' });
    expect((await store.jobs.list({ queue: 'q.retry', status: 'failed' })).map((j) => j.id)).toEqual([id]);

    const leased = await store.jobs.enqueue({ queue: 'q.lease' });
    await store.jobs.claim(['q.lease'], { leaseMs: 1000 });
    expect(await store.jobs.claim(['q.lease'])).toEqual([]);
    const [recovered] = await store.jobs.claim(['q.lease'], { now: new Date(Date.now() + 5000) });
    expect(recovered?.id).toBe(leased.id);
    await expect(store.jobs.fail('00000000-0000-7000-8000-000000000000', 'x', new Date())).rejects.toThrow(/No such job/);
    await expect(store.jobs.enqueue({ queue: '' })).rejects.toThrow(/queue/);
    expect(await store.jobs.claim([])).toEqual([]);
  });
});

describe('record events', () => {
  it('delivers each change once per subscribed consumer, in the write transaction', async () => {
    store.events.subscribe({ consumer: 'audit-mirror' });
    store.events.subscribe({ consumer: 'accounts-only', objects: ['account'] });
    const r = await store.records('evt');
    const acc = await r.create('account', { name: 'Evented' }, system);
    await r.update('account', acc.id, { name: 'Evented 2' }, system);
    await expect(r.create('account', { name: 12 as unknown as string }, system)).rejects.toThrow();
    const all = await store.jobs.claim([eventQueue('audit-mirror')], { limit: 50 });
    const mine = all.map((j) => j.payload as RecordEvent).filter((e) => e.recordId === acc.id);
    expect(mine.map((e) => e.op)).toEqual(['create', 'update']);
    expect(mine[1]?.before?.name).toBe('Evented');
    expect(mine[1]?.after?.name).toBe('Evented 2');
    expect(mine[0]?.tenant).toBe('evt');
    const scoped = await store.jobs.claim([eventQueue('accounts-only')], { limit: 50 });
    expect(scoped.filter((j) => (j.payload as RecordEvent).recordId === acc.id)).toHaveLength(2);
    store.events.unsubscribe('audit-mirror');
    store.events.unsubscribe('accounts-only');
    await r.update('account', acc.id, { name: 'Quiet' }, system);
    expect(await store.jobs.claim([eventQueue('audit-mirror')])).toEqual([]);
    expect(() => store.events.subscribe({ consumer: 'Bad Name' })).toThrow(/consumer/);
  });
});

describe('tenant modules', () => {
  const module: TenantModule = {
    name: 'sample',
    migrations: [
      { version: 1, up: async (trx, schema) => void (await trx.raw(`create table if not exists ${quoteIdent(schema)}.attain_sample_things (id serial primary key, label text)`)) },
      { version: 2, up: async (trx, schema) => void (await trx.raw(`alter table ${quoteIdent(schema)}.attain_sample_things add column if not exists n integer`)) },
    ],
  };
  it('migrates a module once per tenant and version', async () => {
    const h = await store.modules.ensure('evt', module);
    await h.knex.withSchema(h.schema).table('attain_sample_things').insert({ label: 'x', n: 1 });
    const again = await store.modules.ensure('evt', module);
    expect(again.schema).toBe(h.schema);
    expect(await again.knex.withSchema(h.schema).table('attain_sample_things').count('* as c')).toEqual([{ c: expect.anything() }]);
    await expect(store.modules.ensure('evt', { name: 'Bad', migrations: [{ version: 1, up: async () => {} }] })).rejects.toThrow(/module name/);
  });
});

describe('job runner', () => {
  it('runs handlers, retries failures with backoff, drains, and starts/stops', async () => {
    const { JobRunner } = await import('../src/index.ts');
    let clock = Date.now() + 1000;
    const seen: string[] = [];
    let flaky = 0;
    const runner = new JobRunner(store.jobs, {
      now: () => new Date(clock),
      handlers: {
        'r.ok': async (job) => void seen.push(String((job.payload as { n: number }).n)),
        'r.flaky': async () => {
          flaky++;
          if (flaky < 2) throw new Error('first time fails');
          return 'fine';
        },
      },
    });
    await store.jobs.enqueue({ queue: 'r.ok', payload: { n: 1 } });
    await store.jobs.enqueue({ queue: 'r.ok', payload: { n: 2 } });
    const flakyJob = await store.jobs.enqueue({ queue: 'r.flaky' });
    expect(await runner.drain()).toBe(3);
    expect(seen.sort()).toEqual(['1', '2']);
    expect((await store.jobs.get(flakyJob.id))?.status).toBe('ready');
    clock += 5_000;
    expect(await runner.drain()).toBe(1);
    expect((await store.jobs.get(flakyJob.id))?.result).toBe('fine');
    expect(runner.queues).toEqual(['r.ok', 'r.flaky']);

    const live = new JobRunner(store.jobs, { pollMs: 20, handlers: { 'r.live': async () => void seen.push('live') } });
    live.start();
    live.start();
    await store.jobs.enqueue({ queue: 'r.live' });
    // Bounded by time, not by a count of 20 ms naps (a busy machine stretches each poll).
    try {
      await expect.poll(() => seen.includes('live'), { interval: 20 }).toBe(true);
    } finally {
      await live.stop();
    }
  });
});
