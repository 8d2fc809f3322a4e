import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Ctx, Q } from './context.ts';
import { StoreError } from './errors.ts';
import { uuidv7 } from './uuid.ts';

export interface JobInput {
  queue: string;
  tenant?: string | null;
  /** Idempotency key: a second enqueue with the same (queue, key) is ignored. */
  key?: string | null;
  payload?: unknown;
  /** When it may first run (default now). */
  runAt?: Date;
  maxAttempts?: number;
}

export interface Job {
  id: string;
  queue: string;
  tenant: string | null;
  key: string | null;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
}

export interface JobInfo extends Job {
  status: 'ready' | 'running' | 'done' | 'failed';
  lastError: string | null;
  result: unknown;
  createdAt: string;
  finishedAt: string | null;
}

export interface JobQueue {
  /** Enqueues inside `trx` when given, so a job exists exactly when the change that caused it commits. */
  enqueue(job: JobInput, trx?: Knex.Transaction): Promise<{ id: string; created: boolean }>;
  /** Claims up to `limit` due jobs of the queues for `leaseMs`; other nodes skip them meanwhile. */
  claim(queues: string[], opts?: { limit?: number; leaseMs?: number; worker?: string; now?: Date }): Promise<Job[]>;
  complete(id: string, result?: unknown): Promise<void>;
  /**
   * Gives claimed jobs back unstarted (a node shutting down): ready again at once, the claim not
   * counted as an attempt. Only jobs still held by `worker` (default: this process) are touched.
   * With `runAt` they wait until then (a job deferred because what it works on is busy elsewhere).
   */
  release(ids: string[], opts?: { worker?: string; runAt?: Date }): Promise<number>;
  /** Moves the lease of jobs this worker still holds, so a long job is not claimed by another node meanwhile. */
  extend(ids: string[], until: Date, opts?: { worker?: string }): Promise<number>;
  /** Records a failure: retried at `retryAt` until max attempts, then marked failed. */
  fail(id: string, error: string, retryAt: Date): Promise<'retry' | 'failed'>;
  get(id: string): Promise<JobInfo | undefined>;
  /**
   * What still has to run before a tenant's reads reflect every write made up to `position` (a
   * uuidv7 taken after the write committed): derivation jobs (record and metadata events, `derive:`
   * queues) enqueued at or before it that are not done, and those that failed for good.
   */
  backlog(tenant: string, position: string): Promise<{ pending: number; failed: Array<{ queue: string; error: string | null }> }>;
  list(q: { queue?: string; tenant?: string; status?: JobInfo['status']; limit?: number }): Promise<JobInfo[]>;
}

type JobRow = {
  id: string;
  queue: string;
  tenant: string | null;
  key: string | null;
  payload: unknown;
  status: JobInfo['status'];
  attempts: number;
  max_attempts: number;
  run_at: Date | string;
  last_error: string | null;
  result: unknown;
  created_at: Date | string;
  finished_at: Date | string | null;
};

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toJob(r: JobRow): Job {
  return { id: r.id, queue: r.queue, tenant: r.tenant, key: r.key, payload: r.payload, attempts: Number(r.attempts), maxAttempts: Number(r.max_attempts), runAt: iso(r.run_at) ?? '' };
}

function toInfo(r: JobRow): JobInfo {
  return { ...toJob(r), status: r.status, lastError: r.last_error, result: r.result, createdAt: iso(r.created_at) ?? '', finishedAt: iso(r.finished_at) };
}

const WORKER = `${hostname()}:${process.pid}`;

export function jobQueue(ctx: Ctx): JobQueue {
  const jobs = (q: Q) => ctx.table(q, 'jobs');
  return {
    async enqueue(job, trx) {
      if (!job.queue || job.queue.length > 200) throw new StoreError('validation_failed', 'a job needs a queue name of at most 200 characters');
      const id = uuidv7();
      const inserted = await jobs(trx ?? ctx.knex)
        .insert({
          id,
          queue: job.queue,
          tenant: job.tenant ?? null,
          key: job.key ?? null,
          payload: JSON.stringify(job.payload ?? {}),
          run_at: job.runAt ?? new Date(),
          max_attempts: job.maxAttempts ?? 5,
        })
        .onConflict(ctx.knex.raw('(queue, key) where key is not null'))
        .ignore()
        .returning('id');
      if (inserted.length > 0) return { id, created: true };
      const existing = (await jobs(trx ?? ctx.knex)
        .where({ queue: job.queue, key: job.key ?? null })
        .first('id')) as { id: string } | undefined;
      return { id: existing?.id ?? id, created: false };
    },
    async claim(queues, opts = {}) {
      if (queues.length === 0) return [];
      const now = opts.now ?? new Date();
      const lease = new Date(now.getTime() + (opts.leaseMs ?? 30_000));
      return ctx.knex.transaction(async (trx) => {
        // Due ready jobs, and running jobs whose lease ran out (their node died).
        const ids = (await jobs(trx)
          .whereIn('queue', queues)
          .where((w) => w.where((r) => r.where('status', 'ready').andWhere('run_at', '<=', now)).orWhere((r) => r.where('status', 'running').andWhere('locked_until', '<', now)))
          .orderBy('run_at')
          .limit(opts.limit ?? 10)
          .forUpdate()
          .skipLocked()
          .select('id')) as Array<{ id: string }>;
        if (ids.length === 0) return [];
        const rows = (await jobs(trx)
          .whereIn(
            'id',
            ids.map((r) => r.id),
          )
          .update({ status: 'running', locked_by: opts.worker ?? WORKER, locked_until: lease, attempts: trx.raw('attempts + 1') })
          .returning('*')) as JobRow[];
        return rows.map(toJob).sort((a, b) => a.runAt.localeCompare(b.runAt));
      });
    },
    async complete(id, result) {
      await jobs(ctx.knex)
        .where({ id })
        .update({ status: 'done', finished_at: new Date(), locked_until: null, result: result === undefined ? null : JSON.stringify(result) });
    },
    async release(ids, opts = {}) {
      if (ids.length === 0) return 0;
      return jobs(ctx.knex)
        .whereIn('id', ids)
        .andWhere({ status: 'running', locked_by: opts.worker ?? WORKER })
        .update({ status: 'ready', locked_by: null, locked_until: null, attempts: ctx.knex.raw('greatest(attempts - 1, 0)'), ...(opts.runAt ? { run_at: opts.runAt } : {}) });
    },
    async extend(ids, until, opts = {}) {
      if (ids.length === 0) return 0;
      return jobs(ctx.knex)
        .whereIn('id', ids)
        .andWhere({ status: 'running', locked_by: opts.worker ?? WORKER })
        .update({ locked_until: until });
    },
    async fail(id, error, retryAt) {
      return ctx.knex.transaction(async (trx) => {
        const row = (await jobs(trx).where({ id }).forUpdate().first('attempts', 'max_attempts')) as { attempts: number; max_attempts: number } | undefined;
        if (!row) throw new StoreError('not_found', 'No such job');
        const final = Number(row.attempts) >= Number(row.max_attempts);
        await jobs(trx)
          .where({ id })
          .update({ status: final ? 'failed' : 'ready', last_error: error.slice(0, 2000), run_at: retryAt, locked_until: null, finished_at: final ? new Date() : null });
        return final ? 'failed' : 'retry';
      });
    },
    async backlog(tenant, position) {
      // One pass over the tenant's unfinished jobs (the partial index jobs_tenant_open), derivation queues only.
      const rows = (await jobs(ctx.knex)
        .where('tenant', tenant)
        .andWhere('id', '<=', position)
        .andWhere('status', '<>', 'done')
        .where((w) => w.where('queue', 'like', 'event:%').orWhere('queue', 'like', 'metadata:%').orWhere('queue', 'like', 'derive:%'))
        .orderBy('id', 'desc')
        .limit(1000)
        .select('queue', 'status', 'last_error')) as Array<{ queue: string; status: JobInfo['status']; last_error: string | null }>;
      const failed = rows.filter((r) => r.status === 'failed');
      return { pending: rows.length - failed.length, failed: failed.slice(0, 20).map((f) => ({ queue: f.queue, error: f.last_error })) };
    },
    async get(id) {
      const row = (await jobs(ctx.knex).where({ id }).first()) as JobRow | undefined;
      return row ? toInfo(row) : undefined;
    },
    async list(q) {
      let query = jobs(ctx.knex)
        .orderBy('created_at', 'desc')
        .limit(Math.min(q.limit ?? 100, 1000));
      if (q.queue) query = query.where('queue', q.queue);
      if (q.tenant) query = query.where('tenant', q.tenant);
      if (q.status) query = query.where('status', q.status);
      return ((await query) as JobRow[]).map(toInfo);
    },
  };
}
