// The one rule for finding an exchange rate, in memory; sql.ts states the same rule in SQL and
// both are tested to agree. For `1 from = ? to` on a day:
//   1. the pair as entered (from → to), the latest rate effective on or before the day;
//   2. else its inverse (to → from), 1 ÷ rate rounded half up at 10 decimals; when a pair has
//      rates both ways, the newer wins and on the same day the one entered as asked;
//   3. else through the base currency: rate(from → base) ÷ rate(to → base), each found by 1–2
//      (the base itself is 1), rounded at 10 decimals. No other third currency is tried.
//   4. else there is no rate: never 1:1, the caller reports `fx_missing` / `plan_fx_missing`.
// A plan's fxRule picks the day: the transaction's (transaction_date), the plan period's last
// (period_end), or every day of the plan period, averaged and rounded at 10 decimals — and no
// rate at all when any day of the period lacks one (period_average).
import { ONE, dec, div, sum, type Dec } from '@attain/meta/decimal/fixed';
import type { FxRateInput } from './rates.ts';

export type FxRule = 'transaction_date' | 'period_average' | 'period_end';

/** Rule 1–2: the pair either way round, as of `day`; undefined without one. */
export function pairRateAt(rates: readonly FxRateInput[], from: string, to: string, day: string): Dec | undefined {
  let best: FxRateInput | undefined;
  let asEntered = false;
  for (const r of rates) {
    const direct = r.from === from && r.to === to;
    if ((!direct && !(r.from === to && r.to === from)) || r.effectiveFrom > day) continue;
    if (!best || r.effectiveFrom > best.effectiveFrom || (r.effectiveFrom === best.effectiveFrom && direct && !asEntered)) {
      best = r;
      asEntered = direct;
    }
  }
  if (!best) return undefined;
  return asEntered ? dec(best.rate) : div(ONE, dec(best.rate));
}

/** Rules 1–4: units of `to` per unit of `from` on `day`. */
export function crossRateAt(rates: readonly FxRateInput[], from: string, to: string, base: string, day: string): Dec | undefined {
  if (from === to) return ONE;
  const pair = pairRateAt(rates, from, to, day);
  if (pair !== undefined) return pair;
  const legFrom = from === base ? ONE : pairRateAt(rates, from, base, day);
  const legTo = to === base ? ONE : pairRateAt(rates, to, base, day);
  return legFrom === undefined || legTo === undefined ? undefined : div(legFrom, legTo);
}

/** The rate under a plan's fxRule: for a transaction on `day`, in a plan period `period`. */
export function ruleRateAt(rates: readonly FxRateInput[], from: string, to: string, base: string, rule: FxRule, day: string, period: { from: string; to: string }): Dec | undefined {
  if (from === to) return ONE;
  if (rule === 'transaction_date') return crossRateAt(rates, from, to, base, day);
  if (rule === 'period_end') return crossRateAt(rates, from, to, base, period.to);
  const daily: Dec[] = [];
  for (const d of daysOf(period.from, period.to)) {
    const r = crossRateAt(rates, from, to, base, d);
    if (r === undefined) return undefined;
    daily.push(r);
  }
  return daily.length ? div(sum(daily), dec(daily.length)) : undefined;
}

/** Calendar days from `from` to `to` inclusive (YYYY-MM-DD, UTC arithmetic: no time zone shifts a date). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
