import type { EventSubscription } from './events.ts';
import type { Job, JobQueue } from './jobs.ts';

export type JobHandler = (job: Job) => Promise<unknown>;

export interface JobRunnerOptions {
  /** Handlers by queue name. */
  handlers: Record<string, JobHandler>;
  /** Idle poll interval (ms); a busy runner polls again at once. */
  pollMs?: number;
  /** Jobs claimed per poll. */
  batch?: number;
  leaseMs?: number;
  /** Delay before retry n (1-based); exponential with a cap by default. */
  backoffMs?: (attempt: number) => number;
  /** Clock, replaceable in tests. */
  now?: () => Date;
  onError?: (job: Job, error: unknown, outcome: 'retry' | 'failed') => void;
}

/**
 * Thrown by a handler whose work is held elsewhere for now (e.g. a workflow run another node is
 * executing under its own lease): the job waits until `until` without spending an attempt, so a
 * holder that died is taken over when its lease ends however many times the job was tried.
 */
export class JobDeferred extends Error {
  readonly until: Date;
  constructor(until: Date, message: string) {
    super(message);
    this.name = 'JobDeferred';
    this.until = until;
  }
}

export const defaultBackoff = (attempt: number): number => Math.min(60 * 60_000, 1000 * 2 ** (attempt - 1));

/**
 * Runs durable jobs from the store's queue: claim (skip-locked lease), handle, then complete or
 * fail with backoff. Several runners on several nodes share the queue safely; a handler must be
 * idempotent for its job because a node that dies mid-job leaves it to be claimed again.
 */
export class JobRunner {
  private readonly queue: JobQueue;
  private readonly opts: Required<Omit<JobRunnerOptions, 'onError'>> & Pick<JobRunnerOptions, 'onError'>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  /** Set by start(): only a started runner's stop() cuts a batch short (runOnce/drain callers run theirs whole). */
  private started = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(queue: JobQueue, opts: JobRunnerOptions) {
    this.queue = queue;
    this.opts = {
      handlers: opts.handlers,
      pollMs: opts.pollMs ?? 500,
      batch: opts.batch ?? 20,
      leaseMs: opts.leaseMs ?? 60_000,
      backoffMs: opts.backoffMs ?? defaultBackoff,
      now: opts.now ?? (() => new Date()),
      onError: opts.onError,
    };
  }

  get queues(): string[] {
    return Object.keys(this.opts.handlers);
  }

  /**
   * Claims and runs one batch; returns how many jobs ran. Tests call this directly. While the
   * batch runs its lease is renewed (a third of the lease each time), so a long batch is never
   * claimed by another node while this one is alive; once `stop()` is called, the jobs of the
   * batch not yet started are released to other nodes instead of run.
   */
  async runOnce(): Promise<number> {
    const jobs = await this.queue.claim(this.queues, { limit: this.opts.batch, leaseMs: this.opts.leaseMs, now: this.opts.now() });
    if (jobs.length === 0) return 0;
    const held = new Set(jobs.map((j) => j.id));
    const renew = setInterval(
      () => {
        void this.queue.extend([...held], new Date(this.opts.now().getTime() + this.opts.leaseMs)).catch(() => undefined);
      },
      Math.max(50, Math.floor(this.opts.leaseMs / 3)),
    );
    renew.unref();
    let ran = 0;
    try {
      for (const job of jobs) {
        if (this.stopped && this.started) break;
        ran++;
        const handler = this.opts.handlers[job.queue];
        try {
          if (!handler) throw new Error(`no handler for queue ${job.queue}`);
          await this.queue.complete(job.id, (await handler(job)) ?? null);
        } catch (error) {
          if (error instanceof JobDeferred) {
            await this.queue.release([job.id], { runAt: error.until });
            continue;
          }
          const message = error instanceof Error ? error.message : String(error);
          const outcome = await this.queue.fail(job.id, message, new Date(this.opts.now().getTime() + this.opts.backoffMs(job.attempts)));
          this.opts.onError?.(job, error, outcome);
        } finally {
          held.delete(job.id);
        }
      }
    } finally {
      clearInterval(renew);
      if (held.size > 0) await this.queue.release([...held]);
    }
    return ran;
  }

  /** Runs until the queues are empty (or `max` batches); for tests and one-shot tools. */
  async drain(max = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < max; i++) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.started = true;
    const tick = async () => {
      if (this.stopped || this.running) return;
      this.running = true;
      let resolveIdle: () => void = () => {};
      this.idle = new Promise((r) => (resolveIdle = r));
      let ran = 0;
      try {
        ran = await this.runOnce();
      } catch {
        // the database may be briefly unavailable; try again on the next tick
      } finally {
        this.running = false;
        resolveIdle();
      }
      if (!this.stopped) this.timer = setTimeout(tick, ran > 0 ? 0 : this.opts.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops claiming, lets the job in hand finish and releases the rest of its batch (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.idle;
  }
}

/** What a platform module contributes to background work: its record-event subscriptions and queue handlers. */
export interface BackgroundModule {
  name: string;
  subscriptions?: EventSubscription[];
  handlers: Record<string, JobHandler>;
}
