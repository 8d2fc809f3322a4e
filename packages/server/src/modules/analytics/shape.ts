// Turning the store's grouped rows into a report answer: typed values, comparison deltas, labels.
import { dec, div, fmt, mul, round, sub } from '@attain/meta/decimal/fixed';

export type Value = string | number | null;
export type Values = Record<string, Value>;

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Counts are whole numbers (JSON numbers); everything else stays exact text. */
export function typed(ops: readonly string[], names: readonly string[], raw: ReadonlyArray<string | null>): Values {
  const out: Values = {};
  names.forEach((name, i) => {
    const v = raw[i] ?? null;
    const op = ops[i];
    out[name] = v === null ? (op === 'count' || op === 'count_distinct' ? 0 : null) : op === 'count' || op === 'count_distinct' ? Number(v) : v;
  });
  return out;
}

/**
 * Current minus previous (exact), and the change in percent of the previous (2 decimals, half
 * up); null where either side is not a number or the previous is zero.
 */
export function deltas(current: Values, previous: Values): { delta: Values; deltaPct: Values } {
  const delta: Values = {};
  const deltaPct: Values = {};
  for (const name of Object.keys(current)) {
    const a = current[name] ?? null;
    const b = previous[name] ?? null;
    const isNum = (v: Value): v is string | number => v !== null && DECIMAL.test(String(v));
    if (!isNum(a) || !isNum(b)) {
      delta[name] = null;
      deltaPct[name] = null;
      continue;
    }
    const d = sub(dec(a), dec(b));
    delta[name] = typeof a === 'number' && typeof b === 'number' ? a - b : fmt(d);
    deltaPct[name] = dec(b) === 0n ? null : fmt(round(mul(div(d, dec(b)), dec(100)), 2), 2);
  }
  return { delta, deltaPct };
}
