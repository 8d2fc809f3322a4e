import { beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, openTestStore, type Store } from '../src/index.ts';

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
});

describe('job runner shutdown', () => {
  it('finishes the job in hand and releases the rest of its batch, unstarted and uncounted', async () => {
    const ids = [];
    for (let n = 0; n < 4; n++) ids.push((await store.jobs.enqueue({ queue: 's.slow', payload: { n } })).id);
    let release: () => void = () => {};
    const inHand = new Promise<void>((r) => (release = r));
    let started = 0;
    const ran: number[] = [];
    const runner = new JobRunner(store.jobs, {
      pollMs: 10,
      handlers: {
        's.slow': async (job) => {
          started++;
          if (started === 1) await inHand;
          ran.push((job.payload as { n: number }).n);
        },
      },
    });
    runner.start();
    await expect.poll(() => started, { interval: 10 }).toBe(1);
    const stopped = runner.stop();
    release();
    await stopped;
    // The first job finished; the three others went back to the queue as if never claimed.
    expect(ran).toEqual([0]);
    const infos = await Promise.all(ids.map((id) => store.jobs.get(id)));
    expect(infos.map((i) => i?.status)).toEqual(['done', 'ready', 'ready', 'ready']);
    expect(infos.map((i) => i?.attempts)).toEqual([1, 0, 0, 0]);
    // Another node takes them at once.
    const other = new JobRunner(store.jobs, { handlers: { 's.slow': async (job) => void ran.push((job.payload as { n: number }).n) } });
    expect(await other.drain()).toBe(3);
    expect(ran.sort()).toEqual([0, 1, 2, 3]);
  });

  it('renews the lease of a long job so no other node claims it meanwhile', async () => {
    const { id } = await store.jobs.enqueue({ queue: 's.long' });
    let claimedElsewhere: unknown[] = [];
    const runner = new JobRunner(store.jobs, {
      leaseMs: 300,
      handlers: {
        's.long': async () => {
          // Three leases long; each claim attempt comes after the original lease would have run out.
          for (let i = 0; i < 3; i++) {
            await new Promise((r) => setTimeout(r, 300));
            claimedElsewhere = [...claimedElsewhere, ...(await store.jobs.claim(['s.long'], { worker: 'other-node' }))];
          }
        },
      },
    });
    expect(await runner.runOnce()).toBe(1);
    expect(claimedElsewhere).toEqual([]);
    expect(await store.jobs.get(id)).toMatchObject({ status: 'done', attempts: 1 });
    // Only the holder may extend or release.
    const second = await store.jobs.enqueue({ queue: 's.held' });
    await store.jobs.claim(['s.held'], { worker: 'node-a' });
    expect(await store.jobs.release([second.id], { worker: 'node-b' })).toBe(0);
    expect(await store.jobs.extend([second.id], new Date(), { worker: 'node-b' })).toBe(0);
    expect(await store.jobs.extend([second.id], new Date(Date.now() + 1000), { worker: 'node-a' })).toBe(1);
    expect(await store.jobs.release([second.id], { worker: 'node-a' })).toBe(1);
    expect(await store.jobs.get(second.id)).toMatchObject({ status: 'ready', attempts: 0 });
    expect(await store.jobs.release([])).toBe(0);
    expect(await store.jobs.extend([], new Date())).toBe(0);
  });
});
