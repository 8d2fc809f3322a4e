// The funnel's figures from the grouped rows of funnel-query.ts, per grouping key and in total.
// Counts add up exactly in JS; averages and medians come from the database per key (they do not add up).
import type { FunnelStages } from './funnel-stages.ts';
import type { RecordCountRow, StageTimeRow, WonRow } from './funnel-query.ts';

export interface StageFigures {
  stage: string;
  kind: 'open' | 'won' | 'lost';
  /** Records that reached the stage (an open or won stage: it or any later one on the ladder). */
  reached: number;
  /** Records in the stage now. */
  current: number;
  /** Share of those that reached this stage that reached the next one (open stages). */
  toNext: number | null;
  /** Share of those that reached this stage that were won. */
  toWon: number | null;
  /** Reached this stage but not the next one (lost here or still here). */
  dropOff: number | null;
  /** Lost with this as the furthest stage reached. */
  lostHere: number | null;
  /** Completed stays in the stage: how many, average and median days. */
  stays: number;
  avgDays: number | null;
  medianDays: number | null;
  /** Open records in the stage now: days since they entered it, to `asOf`. */
  aging: { records: number; avgDays: number | null; maxDays: number | null };
}

export interface FunnelFigures {
  records: number;
  open: number;
  won: number;
  lost: number;
  /** won / (won + lost). */
  winRate: number | null;
  /** Exact decimal text, 2 places. */
  avgWonAmount: string | null;
  /** Days from creation to first entering a won stage, over won records. */
  avgCycleDays: number | null;
  /** winRate × avgWonAmount ÷ avgCycleDays: money per day an opportunity brings. */
  velocity: number | null;
  stages: StageFigures[];
}

const round = (v: number | null | undefined, places: number): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(places)));
const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);

/** Aging of the records in one stage now, from the rows of that stage (counts and sums add up, the largest is the largest). */
function agingOf(rows: RecordCountRow[]): StageFigures['aging'] {
  const n = rows.reduce((a, r) => a + r.aging_n, 0);
  const sum = rows.reduce((a, r) => a + (r.aging_sum ?? 0), 0);
  const max = rows.reduce<number | null>((a, r) => (r.aging_max === null ? a : a === null ? r.aging_max : Math.max(a, r.aging_max)), null);
  return { records: n, avgDays: n ? round(sum / n, 2) : null, maxDays: round(max, 2) };
}

export function figuresOf(stages: FunnelStages, counts: RecordCountRow[], won: WonRow | undefined, times: StageTimeRow[]): FunnelFigures {
  const wonRank = stages.open.length + 1;
  const sum = (pred: (r: RecordCountRow) => boolean) => counts.filter(pred).reduce((a, r) => a + r.n, 0);
  const isWon = (s: string | null) => s !== null && stages.won.includes(s);
  const isLost = (s: string | null) => s !== null && stages.lost.includes(s);
  const reachedRank = (rank: number) => sum((r) => r.furthest !== null && r.furthest >= rank);
  const reachedWon = reachedRank(wonRank);
  const timeOf = (stage: string) => times.find((t) => t.stage === stage);
  const timing = (stage: string) => {
    const t = timeOf(stage);
    return {
      stays: t?.stays ?? 0,
      avgDays: round(t?.avg_days, 2),
      medianDays: round(t?.median_days === null || t?.median_days === undefined ? null : Number(t.median_days), 2),
      aging: agingOf(counts.filter((r) => r.stage === stage)),
    };
  };
  const rows: StageFigures[] = stages.open.map((stage, i) => {
    const reached = reachedRank(i + 1);
    const next = reachedRank(i + 2);
    return {
      stage,
      kind: 'open',
      reached,
      current: sum((r) => r.stage === stage),
      toNext: ratio(next, reached),
      toWon: ratio(reachedWon, reached),
      dropOff: reached - next,
      lostHere: sum((r) => r.furthest === i + 1 && isLost(r.stage)),
      ...timing(stage),
    };
  });
  stages.won.forEach((stage, i) => {
    // Records that reached won and are elsewhere now (reopened) count with the first won stage.
    const reached = sum((r) => r.furthest === wonRank && (r.stage === stage || (i === 0 && !isWon(r.stage))));
    rows.push({ stage, kind: 'won', reached, current: sum((r) => r.stage === stage), toNext: null, toWon: null, dropOff: null, lostHere: null, ...timing(stage) });
  });
  for (const stage of stages.lost) {
    const current = sum((r) => r.stage === stage);
    rows.push({ stage, kind: 'lost', reached: current, current, toNext: null, toWon: null, dropOff: null, lostHere: null, ...timing(stage) });
  }
  const wonNow = sum((r) => isWon(r.stage));
  const lostNow = sum((r) => isLost(r.stage));
  const winRate = ratio(wonNow, wonNow + lostNow);
  const avgWonAmount = won?.avg_won_amount ?? null;
  const avgCycleDays = round(won?.avg_cycle_days, 2);
  const velocity = winRate !== null && avgWonAmount !== null && avgCycleDays ? round((wonNow / (wonNow + lostNow)) * (Number(avgWonAmount) / avgCycleDays), 2) : null;
  return {
    records: sum(() => true),
    open: sum((r) => r.stage !== null && stages.open.includes(r.stage)),
    won: wonNow,
    lost: lostNow,
    winRate,
    avgWonAmount,
    avgCycleDays,
    velocity,
    stages: rows,
  };
}
