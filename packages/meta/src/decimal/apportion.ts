// The one largest-remainder apportionment: a whole split into parts that sum to it exactly.
import { fromUnits } from './format.ts';
import { requireDecimal } from './parse.ts';
import { unitsAt } from './rounding.ts';

export type ApportionProblem = { rule: 'negative_weight'; index: number } | { rule: 'zero_weights' } | { rule: 'locks_exceed_parent'; locked: bigint } | { rule: 'locks_mismatch'; locked: bigint };

export class ApportionError extends Error {
  readonly problem: ApportionProblem;
  constructor(problem: ApportionProblem) {
    super(problem.rule);
    this.problem = problem;
  }
}

/**
 * Splits `total` integer units over `weights`. Locked parts keep their value; the rest of the total
 * is shared among the unlocked parts in proportion to their weights: each gets the floor of its
 * exact share, and the units left over go one each to the largest remainders.
 * Tie-break (deterministic): larger remainder, then larger weight, then earlier index.
 * A negative total is split as its absolute value and negated, so rounding is symmetric.
 */
export function apportionUnits(total: bigint, weights: readonly bigint[], locks?: ReadonlyMap<number, bigint>): bigint[] {
  const out = new Array<bigint>(weights.length).fill(0n);
  let locked = 0n;
  const free: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const lock = locks?.get(i);
    if (lock !== undefined) {
      out[i] = lock;
      locked += lock;
    } else {
      if (weights[i]! < 0n) throw new ApportionError({ rule: 'negative_weight', index: i });
      free.push(i);
    }
  }
  const rest = total - locked;
  if (rest !== 0n && rest < 0n !== total < 0n && total !== 0n) throw new ApportionError({ rule: 'locks_exceed_parent', locked });
  if (total === 0n && rest !== 0n) throw new ApportionError({ rule: 'locks_exceed_parent', locked });
  if (free.length === 0) {
    if (rest !== 0n) throw new ApportionError({ rule: 'locks_mismatch', locked });
    return out;
  }
  if (rest === 0n) return out;
  let sumW = 0n;
  for (const i of free) sumW += weights[i]!;
  if (sumW === 0n) throw new ApportionError({ rule: 'zero_weights' });
  const negative = rest < 0n;
  const abs = negative ? -rest : rest;
  const rem = new Array<bigint>(weights.length).fill(0n);
  let given = 0n;
  for (const i of free) {
    const exact = abs * weights[i]!;
    out[i] = exact / sumW;
    rem[i] = exact % sumW;
    given += out[i]!;
  }
  let left = abs - given;
  if (left > 0n) {
    const order = [...free].sort((a, b) => cmpDesc(rem[a]!, rem[b]!) || cmpDesc(weights[a]!, weights[b]!) || a - b);
    for (const i of order) {
      if (left === 0n) break;
      out[i] = out[i]! + 1n;
      left--;
    }
  }
  if (negative) for (const i of free) out[i] = -out[i]!;
  return out;
}

const cmpDesc = (a: bigint, b: bigint): number => (b > a ? 1 : b < a ? -1 : 0);

/**
 * Splits a decimal `total` into parts of `scale` decimals in proportion to `weights` (any
 * decimals: percentages, shares, amounts), by largest remainder; the parts sum exactly to the
 * total. A total with more decimals than `scale` is a RangeError: round it first, on purpose.
 * apportion("1000000.01", Array(7).fill(1), 2) → three "142857.15" then four "142857.14": the
 * three leftover cents go to the earliest parts (equal remainders, equal weights → earlier index).
 */
export function apportion(total: string | number, weights: readonly (string | number | bigint)[], scale: number): string[] {
  const t = unitsAt(requireDecimal(total), scale);
  const parsed = weights.map((w) => requireDecimal(w));
  const wScale = Math.max(0, ...parsed.map((w) => w.scale));
  const parts = apportionUnits(
    t,
    parsed.map((w) => unitsAt(w, wScale)),
  );
  return parts.map((p) => fromUnits(p, scale));
}
