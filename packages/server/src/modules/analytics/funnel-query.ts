// The funnel's SQL: three set-based queries over the stage history joined to the caller's scoped
// records (the list routes' own source, `RecordService.scopedRows`), so only records the caller may
// read count and a hidden field is refused. Identifiers come from the registry; values are bound.
import { quoteIdent, type FieldDef } from '@attain/meta';
import type { DataPort, RecordService } from '@attain/store';
import type { FunnelStages } from './funnel-stages.ts';

type Knex = DataPort['knex'];

export interface FunnelSource {
  knex: Knex;
  /** Quoted name of the stage history table. */
  history: string;
  object: string;
  /** The caller's scoped rows: id, created_at, the stage and (when given and readable) amount and `by` fields. */
  rows: ReturnType<RecordService['scopedRows']>;
  stages: FunnelStages;
  amount: FieldDef | undefined;
  by: FieldDef | undefined;
  /** Aging counts to this instant (ISO). */
  asOf: string;
  timeZone: string;
}

/** Per grouping key (null: the total), furthest rank reached and current stage: a count, with won figures per key. */
export interface RecordCountRow {
  total: boolean;
  dim: string | null;
  /** 1..open.length for open stages, open.length + 1 for won; null for a record with no history. */
  furthest: number | null;
  stage: string | null;
  n: number;
}

export interface WonRow {
  total: boolean;
  dim: string | null;
  avg_won_amount: string | null;
  avg_cycle_days: number | null;
}

export interface StageTimeRow {
  total: boolean;
  dim: string | null;
  stage: string;
  stays: number;
  avg_days: number | null;
  median_days: number | null;
  aging_n: number;
  aging_avg: number | null;
  aging_max: number | null;
}

export interface CohortRow {
  month: string;
  stage: string | null;
  n: number;
}

/** A scoped-row column by its field (identifier from the registry), or a typed null when the field is absent or hidden. */
const col = (f: FieldDef | undefined, cast = '', none = 'null::text') => (f ? `s.${quoteIdent(f.column)}${cast}` : none);
const DAYS = (expr: string) => `extract(epoch from ${expr}) / 86400.0`;

/** Rank of a history row's stage on the ladder (won stages share the rank after the last open one). */
function rankSql(s: FunnelStages): { sql: string; bindings: Array<string[] | number> } {
  return { sql: 'case when c.to_stage = any(?::text[]) then ? else array_position(?::text[], c.to_stage) end', bindings: [s.won, s.open.length + 1, s.open] };
}

export async function recordCounts(src: FunnelSource): Promise<{ counts: RecordCountRow[]; won: WonRow[] }> {
  const { stages } = src;
  const rank = rankSql(stages);
  const stage = col(stages.field);
  const result = await src.knex.raw(
    `with s as (?),
     h as (
       select c.record_id, max(${rank.sql}) as furthest, min(c.at) filter (where c.to_stage = any(?::text[])) as won_at
       from ${src.history} c where c.object = ? and c.record_id in (select id from s) group by c.record_id
     ),
     r as (
       select ${col(src.by, '::text')} as dim, ${stage} as stage, s.created_at, ${col(src.amount, '', 'null::numeric')} as amount, h.furthest, h.won_at
       from s left join h on h.record_id = s.id
     )
     select grouping(dim) = 1 as total, dim, furthest, stage, count(*)::int as n,
            round(avg(amount) filter (where stage = any(?::text[])), 2)::text as avg_won_amount,
            avg(${DAYS('won_at - created_at')}) filter (where stage = any(?::text[]) and won_at is not null)::float8 as avg_cycle_days,
            grouping(furthest) = 1 as won_row
     from r group by grouping sets ((dim, furthest, stage), (furthest, stage), (dim), ())`,
    [src.rows, ...rank.bindings, stages.won, src.object, stages.won, stages.won],
  );
  const rows = result.rows as Array<RecordCountRow & WonRow & { won_row: boolean }>;
  return {
    counts: rows.filter((r) => !r.won_row).map((r) => ({ total: r.total, dim: r.dim, furthest: r.furthest, stage: r.stage, n: r.n })),
    won: rows.filter((r) => r.won_row).map((r) => ({ total: r.total, dim: r.dim, avg_won_amount: r.avg_won_amount, avg_cycle_days: r.avg_cycle_days })),
  };
}

export async function stageTimes(src: FunnelSource): Promise<StageTimeRow[]> {
  const { stages } = src;
  const stay = DAYS('left_at - at');
  const aging = DAYS('?::timestamptz - at');
  const openNow = 'left_at is null and to_stage = cur and to_stage = any(?::text[])';
  const result = await src.knex.raw(
    `with s as (?),
     x as (
       select ${col(src.by, '::text')} as dim, ${col(stages.field)} as cur, c.to_stage, c.at, c.left_at
       from s join ${src.history} c on c.object = ? and c.record_id = s.id
     )
     select grouping(dim) = 1 as total, dim, to_stage as stage,
            count(*) filter (where left_at is not null)::int as stays,
            avg(${stay}) filter (where left_at is not null)::float8 as avg_days,
            percentile_cont(0.5) within group (order by ${stay}) filter (where left_at is not null) as median_days,
            count(*) filter (where ${openNow})::int as aging_n,
            avg(${aging}) filter (where ${openNow})::float8 as aging_avg,
            max(${aging}) filter (where ${openNow})::float8 as aging_max
     from x group by grouping sets ((dim, to_stage), (to_stage))`,
    [src.rows, src.object, stages.open, src.asOf, stages.open, src.asOf, stages.open],
  );
  return result.rows as StageTimeRow[];
}

export async function cohorts(src: FunnelSource): Promise<CohortRow[]> {
  const result = await src.knex.raw(
    `with s as (?)
     select to_char(s.created_at at time zone ?, 'YYYY-MM') as month, ${col(src.stages.field)} as stage, count(*)::int as n
     from s group by 1, 2 order by 1, 2`,
    [src.rows, src.timeZone],
  );
  return result.rows as CohortRow[];
}
