// Largest-remainder apportionment with locks: the parts always sum exactly to the whole.

export type ApportionProblem =
  | { rule: 'negative_weight'; index: number }
  | { rule: 'zero_weights' }
  | { rule: 'locks_exceed_parent'; locked: bigint }
  | { rule: 'locks_mismatch'; locked: bigint };

export class ApportionError extends Error {
  readonly problem: ApportionProblem;
  constructor(problem: ApportionProblem) {
    super(problem.rule);
    this.problem = problem;
  }
}

/**
 * Splits `total` units over `weights`. Locked parts keep their value; the rest of the total is
 * shared among the unlocked parts in proportion to their weights, each getting the floor of its
 * exact share, and the units left over go one each to the largest remainders (ties: larger
 * weight, then earlier index, so the result is deterministic). A negative total is split as
 * its absolute value and negated, so rounding is symmetric.
 */
export function apportion(total: bigint, weights: readonly bigint[], locks?: ReadonlyMap<number, bigint>): bigint[] {
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
  if (rest !== 0n && (rest < 0n) !== (total < 0n) && total !== 0n) throw new ApportionError({ rule: 'locks_exceed_parent', locked });
  if (total === 0n && rest !== 0n) throw new ApportionError({ rule: 'locks_exceed_parent', locked });
  if (free.length === 0) {
    if (rest !== 0n) throw new ApportionError({ rule: 'locks_mismatch', locked });
    return out;
  }
  if (rest === 0n) return out;
  let sumW = 0n;
  for (const i of free) sumW += weights[i]!;
  if (sumW === 0n) throw new ApportionError({ rule: 'zero_weights' });
  const neg = rest < 0n;
  const abs = neg ? -rest : rest;
  const rem = new Array<bigint>(weights.length).fill(0n);
  let given = 0n;
  for (const i of free) {
    const exact = abs * weights[i]!;
    const q = exact / sumW;
    rem[i] = exact % sumW;
    out[i] = q;
    given += q;
  }
  let left = abs - given;
  if (left > 0n) {
    const order = [...free].sort((a, b) => (rem[b]! > rem[a]! ? 1 : rem[b]! < rem[a]! ? -1 : weights[b]! > weights[a]! ? 1 : weights[b]! < weights[a]! ? -1 : a - b));
    for (const i of order) {
      if (left === 0n) break;
      out[i] = out[i]! + 1n;
      left--;
    }
  }
  if (neg) for (const i of free) out[i] = -out[i]!;
  return out;
}
