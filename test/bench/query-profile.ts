// Per-query timing for a benchmark stage (BENCH_PROFILE=1): which statements a stage spends its
// time in, so a regression is traced to its query instead of guessed at. Hooks knex's query events
// (transactions' queries included) and sums the time per statement text, numbers folded.
import { appendFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { round } from './util.ts';

export const PROFILING = process.env.BENCH_PROFILE === '1';
/** A file to append every profiled statement to, with its bindings (one JSON a line), to EXPLAIN them by hand. */
const DUMP = process.env.BENCH_PROFILE_SQL;

interface Entry {
  calls: number;
  ms: number;
}

export class QueryProfile {
  private readonly started = new Map<string, { sql: string; t0: number }>();
  private readonly totals = new Map<string, Entry>();
  private on = false;
  private stage = '';

  constructor(knex: Knex) {
    knex.on('query', (q: { __knexQueryUid: string; sql: string; bindings?: unknown[] }) => {
      if (!this.on) return;
      if (DUMP) appendFileSync(DUMP, `${JSON.stringify({ stage: this.stage, sql: q.sql, bindings: q.bindings ?? [] })}\n`);
      this.started.set(q.__knexQueryUid, { sql: q.sql, t0: performance.now() });
    });
    const done = (_r: unknown, q: { __knexQueryUid: string }) => {
      const s = this.started.get(q.__knexQueryUid);
      if (!s) return;
      this.started.delete(q.__knexQueryUid);
      // One key per statement shape: whitespace and quoted schema names folded.
      const key = s.sql
        .replace(/\s+/g, ' ')
        .replace(/"t_[0-9a-f_]+"/g, '"<schema>"')
        .slice(0, 160);
      const e = this.totals.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += performance.now() - s.t0;
      this.totals.set(key, e);
    };
    knex.on('query-response', done);
    knex.on('query-error', (_e: unknown, q: { __knexQueryUid: string }) => done(undefined, q));
  }

  start(stage: string): void {
    this.stage = stage;
    this.totals.clear();
    this.on = true;
  }

  /** All statements of the stage (count and time), and the ones it spent most time in. */
  stop(top = 40): { calls: number; ms: number; top: Array<{ sql: string; calls: number; ms: number }> } {
    this.on = false;
    const all = [...this.totals].map(([sql, e]) => ({ sql, calls: e.calls, ms: round(e.ms, 1) })).sort((a, b) => b.ms - a.ms);
    return {
      calls: all.reduce((n, e) => n + e.calls, 0),
      ms: round(
        all.reduce((n, e) => n + e.ms, 0),
        1,
      ),
      top: all.slice(0, top),
    };
  }
}
