// The funnel's SQL: two set-based queries over the per-record stage summary joined to the caller's scoped
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
  /** Also count by creation month (the cohort), in the same pass. */
  cohort: boolean;
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
  /** The creation month (YYYY-MM) when the cohort was asked for. */
  month: string | null;
  n: number;
  /** Records open in `stage` now: how many, and the sum and largest of their days in it to `asOf`. */
  aging_n: number;
  aging_sum: number | null;
  aging_max: number | null;
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
}

/** A scoped-row column by its field (identifier from the registry), or a typed null when the field is absent or hidden. */
const col = (f: FieldDef | undefined, cast = '', none = 'null::text') => (f ? `s.${quoteIdent(f.column)}${cast}` : none);
/** Days between two instants as float8 (`extract` answers numeric, several times slower over 200,000 rows). */
const DAYS = (expr: string) => `date_part('epoch', ${expr}) / 86400.0::float8`;

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
  // The summary's columns the funnel reads, the first won entry picked out of its array in the scan:
  // the join then hashes ~40 bytes a record instead of the whole arrays (which spilled to disk).
  const wonFirst = wonCodes.length ? `least(${wonCodes.map(() => 'first_at[?::int]').join(', ')})` : 'null::timestamptz';
  const m = src.cohort ? ', month' : '';
  const sets = src.by ? `(dim, furthest, stage${m}), (furthest, stage${m}), (dim), ()` : `(furthest, stage${m}), ()`;
  // Two steps: a hash aggregate of the 200,000-odd rows to their finest groups (a few thousand),
  // then the grouping sets over those (sorting the whole join for grouping sets spills to disk).
  // Whether a stage is won or open is asked of those groups (each has one stage), not of every row:
  // the won amount, cycle and aging sums are taken per group and kept only for won (open) stages.
  const result = await src.knex.raw(
    `with s as (?),
     r as (
       select ${col(src.by)} as dim, ${col(stages.field)} as stage, s.created_at, ${col(src.amount, '', 'null::numeric')} as amount,
              ${src.cohort ? "date_trunc('month', s.created_at at time zone ?)" : 'null::timestamp'} as month,
              ${furthest} as furthest, x.won_first as won_at,
              case when x.cur_stage = ${col(stages.field)} then ${DAYS('?::timestamptz - x.cur_since')} end as age
       from s left join (select record_id, reached, ${wonFirst} as won_first, cur_stage, cur_since from ${src.summary} where object = ?) x on x.record_id = s.id
     ),
     g as (
       select dim, furthest, stage, month, count(*) as n, stage = any(?::text[]) as won, stage = any(?::text[]) as open,
              sum(amount) as amount_sum, count(amount) as amount_n, sum(${DAYS('won_at - created_at')}) as cycle_sum, count(won_at) as cycle_n,
              count(age) as aging_n, sum(age) as aging_sum, max(age) as aging_max
       from r group by dim, furthest, stage, month
     )
     select ${src.by ? 'grouping(dim) = 1 as total, dim::text as dim' : 'true as total, null::text as dim'}, furthest, stage,
            ${src.cohort ? "to_char(month, 'YYYY-MM')" : 'null::text'} as month, sum(n)::int as n,
            round(sum(amount_sum) filter (where won) / nullif(sum(amount_n) filter (where won), 0), 2)::text as avg_won_amount,
            (sum(cycle_sum) filter (where won) / nullif(sum(cycle_n) filter (where won), 0))::float8 as avg_cycle_days,
            coalesce(sum(aging_n) filter (where open), 0)::int as aging_n, (sum(aging_sum) filter (where open))::float8 as aging_sum,
            (max(aging_max) filter (where open))::float8 as aging_max,
            grouping(furthest) = 1 as won_row
     from g group by grouping sets (${sets})`,
    [src.rows, ...(src.cohort ? [src.timeZone] : []), ...[...masks].reverse(), src.asOf, ...wonCodes, src.object, stages.won, stages.open],
  );
  const rows = result.rows as Array<RecordCountRow & WonRow & { won_row: boolean }>;
  return {
    counts: rows
      .filter((r) => !r.won_row)
      .map((r) => ({ total: r.total, dim: r.dim, furthest: r.furthest, stage: r.stage, month: r.month, n: r.n, aging_n: r.aging_n, aging_sum: r.aging_sum, aging_max: r.aging_max })),
    won: rows.filter((r) => r.won_row).map((r) => ({ total: r.total, dim: r.dim, avg_won_amount: r.avg_won_amount, avg_cycle_days: r.avg_cycle_days })),
  };
}

/**
 * Per open stage: records with a completed stay in it, the average and median of their days in it
 * (all their visits), per grouping key and in total. One pass over the summary: a histogram of
 * minutes per key and stage, merged here (a median does not add up, a histogram does), so no
 * per-stage sort runs in the database; the median is exact to the minute.
 */
export async function stageTimes(src: FunnelSource): Promise<StageTimeRow[]> {
  const stageOf = openCodes(src);
  if (stageOf.size === 0) return [];
  const result = await src.knex.raw(
    `with s as (?)
     select ${col(src.by, '::text')} as dim, u.code::int as code, round(u.d * 1440)::int as minute, count(*)::int as n, sum(u.d)::float8 as days
     from s join ${src.summary} x on x.object = ? and x.record_id = s.id
     cross join lateral unnest(x.stay_days, x.stays) with ordinality as u(d, stays, code)
     where u.stays > 0 and u.code = any(?::int[])
     group by 1, 2, 3`,
    [src.rows, src.object, [...stageOf.keys()]],
  );
  return timesOf(result.rows, stageOf, src.by !== undefined);
}

/** What the stage-time histogram (funnel-rollup.ts) answers for: the whole object, or grouped by its scope owner. */
export interface RollupSource {
  knex: Knex;
  /** Quoted name of the histogram table. */
  histogram: string;
  object: string;
  codes: Map<string, number>;
  stages: FunnelStages;
  /** The caller's record scope: the owners whose records they may read (undefined: every record). */
  owners: string[] | undefined;
  /** Group by the owner (the `by` field is the scope owner column). */
  byOwner: boolean;
}

/**
 * The same figures as `stageTimes`, from the histogram kept incrementally beside the summary: a
 * GROUP BY over a few rows per owner, stage and minute instead of an unnest of every record's
 * arrays. Only for questions it can answer exactly: no creation range, grouped by nothing or by the
 * owner, the caller's scope an owner set (the histogram is keyed by the scope owner and holds only
 * live records, as the scoped rows do).
 */
export async function rollupTimes(src: RollupSource): Promise<StageTimeRow[]> {
  const stageOf = openCodes(src);
  if (stageOf.size === 0) return [];
  if (src.owners?.length === 0) return timesOf([], stageOf, src.byOwner);
  const result = await src.knex.raw(
    `select ${src.byOwner ? "nullif(owner, '')" : 'null::text'} as dim, code, minute, sum(n)::int as n, sum(days)::float8 as days
     from ${src.histogram} where object = ? and code = any(?::int[]) ${src.owners ? 'and owner = any(?::text[])' : ''}
     group by 1, 2, 3 having sum(n) > 0`,
    [src.object, [...stageOf.keys()], ...(src.owners ? [src.owners] : [])],
  );
  return timesOf(result.rows, stageOf, src.byOwner);
}

/** The open stages that have a code: code → stage. */
function openCodes(src: { stages: FunnelStages; codes: Map<string, number> }): Map<number, string> {
  return new Map(src.stages.open.filter((s) => src.codes.has(s)).map((s) => [src.codes.get(s) as number, s]));
}

/** Per key (and in total) and open stage: completed stays, their average and median days, merged from histogram rows. */
function timesOf(rows: Array<{ dim: string | null; code: number; minute: number; n: number; days: number }>, stageOf: Map<number, string>, grouped: boolean): StageTimeRow[] {
  const out: StageTimeRow[] = [];
  const keys: Array<{ total: boolean; dim: string | null }> = [{ total: true, dim: null }];
  if (grouped) for (const dim of new Set(rows.map((r) => r.dim))) keys.push({ total: false, dim });
  for (const key of keys) {
    for (const [code, stage] of stageOf) {
      const hist = rows.filter((r) => r.code === code && (key.total || r.dim === key.dim));
      const stays = hist.reduce((a, r) => a + r.n, 0);
      const days = hist.reduce((a, r) => a + r.days, 0);
      out.push({ ...key, stage, stays, avg_days: stays ? days / stays : null, median_days: stays ? medianMinutes(hist) / 1440 : null });
    }
  }
  return out;
}

/** The median of a histogram of minutes (the mean of the two middle values for an even count). */
function medianMinutes(hist: Array<{ minute: number; n: number }>): number {
  const sorted = [...hist].sort((a, b) => a.minute - b.minute);
  const total = sorted.reduce((a, r) => a + r.n, 0);
  const at = (rank: number) => {
    let seen = 0;
    for (const r of sorted) {
      seen += r.n;
      if (seen >= rank) return r.minute;
    }
    return sorted.at(-1)?.minute ?? 0;
  };
  return total % 2 === 1 ? at((total + 1) / 2) : (at(total / 2) + at(total / 2 + 1)) / 2;
}
