// The funnel's SQL: three set-based queries over the per-record stage summary joined to the caller's scoped
// records (the list routes' own source, `RecordService.scopedRows`), so only records the caller may
// read count and a hidden field is refused. Identifiers come from the registry; values are bound.
import { quoteIdent, type FieldDef } from '@attain/meta';
import type { DataPort, RecordService } from '@attain/store';
import type { FunnelStages } from './funnel-stages.ts';
import { MASK_CODES } from './funnel-summary.ts';

type Knex = DataPort['knex'];

export interface FunnelSource {
  knex: Knex;
  /** Quoted name of the per-record summary table. */
  summary: string;
  /** Stage value → its code (bit and array slot in the summary). */
  codes: Map<string, number>;
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

/** The bits of the stages at ladder rank ≥ k, for k = 1..ladder length (won stages share the last rank). */
function rankMasks(src: FunnelSource): string[] {
  const { stages, codes } = src;
  const bit = (stage: string) => {
    const code = codes.get(stage);
    return code !== undefined && code <= MASK_CODES ? 1n << BigInt(code - 1) : 0n;
  };
  const ranks = [...stages.open.map((s) => [s]), stages.won];
  return ranks.map((_, k) =>
    ranks
      .slice(k)
      .flat()
      .reduce((m, s) => m | bit(s), 0n)
      .toString(),
  );
}

export async function recordCounts(src: FunnelSource): Promise<{ counts: RecordCountRow[]; won: WonRow[] }> {
  const { stages } = src;
  const masks = rankMasks(src);
  // The furthest rank reached: the highest k whose stages meet the record's `reached` bits.
  const furthest = `case ${masks.map((_, k) => `when x.reached & ?::bigint <> 0 then ${masks.length - k}`).join(' ')} end`;
  const wonCodes = stages.won.map((w) => src.codes.get(w)).filter((c): c is number => c !== undefined);
  const wonAt = wonCodes.length ? `least(${wonCodes.map(() => 'x.first_at[?::int]').join(', ')})` : 'null::timestamptz';
  const sets = src.by ? '(dim, furthest, stage), (furthest, stage), (dim), ()' : '(furthest, stage), ()';
  const result = await src.knex.raw(
    `with s as (?),
     r as (
       select ${col(src.by, '::text')} as dim, ${col(stages.field)} as stage, s.created_at, ${col(src.amount, '', 'null::numeric')} as amount,
              ${furthest} as furthest, ${wonAt} as won_at
       from s left join ${src.summary} x on x.object = ? and x.record_id = s.id
     )
     select ${src.by ? 'grouping(dim) = 1 as total, dim' : 'true as total, null::text as dim'}, furthest, stage, count(*)::int as n,
            round(avg(amount) filter (where stage = any(?::text[])), 2)::text as avg_won_amount,
            avg(${DAYS('won_at - created_at')}) filter (where stage = any(?::text[]) and won_at is not null)::float8 as avg_cycle_days,
            grouping(furthest) = 1 as won_row
     from r group by grouping sets (${sets})`,
    [src.rows, ...[...masks].reverse(), ...wonCodes, src.object, stages.won, stages.won],
  );
  const rows = result.rows as Array<RecordCountRow & WonRow & { won_row: boolean }>;
  return {
    counts: rows.filter((r) => !r.won_row).map((r) => ({ total: r.total, dim: r.dim, furthest: r.furthest, stage: r.stage, n: r.n })),
    won: rows.filter((r) => r.won_row).map((r) => ({ total: r.total, dim: r.dim, avg_won_amount: r.avg_won_amount, avg_cycle_days: r.avg_cycle_days })),
  };
}

/**
 * Per open stage: records with a completed stay in it, the average and median of their days in it
 * (all their visits), and the aging of the records in it now, per grouping key and in total.
 */
export async function stageTimes(src: FunnelSource): Promise<StageTimeRow[]> {
  const stages = src.stages.open.filter((s) => src.codes.has(s));
  const parts: string[] = [];
  const bindings: unknown[] = [];
  const aging = DAYS('?::timestamptz - x.cur_since');
  stages.forEach((stage, j) => {
    const code = src.codes.get(stage) as number;
    const done = `x.stays[${code}] > 0`;
    const now = 'x.cur_stage = r.stage and r.stage = ?';
    parts.push(
      `count(*) filter (where ${done})::int as n_${j}, avg(x.stay_days[${code}]) filter (where ${done})::float8 as avg_${j},
       percentile_cont(0.5) within group (order by x.stay_days[${code}]) filter (where ${done}) as med_${j},
       count(*) filter (where ${now})::int as an_${j}, avg(${aging}) filter (where ${now})::float8 as aavg_${j}, max(${aging}) filter (where ${now})::float8 as amax_${j}`,
    );
    bindings.push(stage, src.asOf, stage, src.asOf, stage);
  });
  if (parts.length === 0) return [];
  const result = await src.knex.raw(
    `with s as (?),
     r as (select ${col(src.by, '::text')} as dim, ${col(src.stages.field)} as stage, s.id from s)
     select ${src.by ? 'grouping(r.dim) = 1' : 'true'} as total, ${src.by ? 'r.dim' : 'null::text'} as dim, ${parts.join(',\n')}
     from r join ${src.summary} x on x.object = ? and x.record_id = r.id
     ${src.by ? 'group by grouping sets ((r.dim), ())' : ''}`,
    [src.rows, ...bindings, src.object] as never[],
  );
  // Numbers come back as text from the driver for some types; Number() reads both.
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return (result.rows as Array<Record<string, unknown>>).flatMap((row) =>
    stages.map((stage, j) => ({
      total: row.total === true,
      dim: (row.dim as string | null) ?? null,
      stage,
      stays: Number(row[`n_${j}`] ?? 0),
      avg_days: num(row[`avg_${j}`]),
      median_days: num(row[`med_${j}`]),
      aging_n: Number(row[`an_${j}`] ?? 0),
      aging_avg: num(row[`aavg_${j}`]),
      aging_max: num(row[`amax_${j}`]),
    })),
  );
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
