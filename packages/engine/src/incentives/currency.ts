// A plan's payout currency. Credits are kept in the engine's base currency; a plan paying in
// another currency converts each credit from its transaction's currency at the rates effective on
// the transaction date (rate(tx) ÷ rate(plan), rounded at 10 decimals, 1 when they are the same
// currency), with the same share arithmetic as crediting, so a plan in the transaction's own
// currency sees the original amounts exactly.
import { ONE, div, mul, type Dec } from './decimal.ts';
import { fxRateAt, share } from './crediting.ts';
import type { Credit, FxRate, IncentivePlanDoc, PlanVersionDef } from './types.ts';

export const DEFAULT_CURRENCY = 'USD';

/** The version's payout currency, else the default (the engine's base currency). */
export function currencyOf(version: Pick<PlanVersionDef, 'currency'> | undefined, fallback: string): string {
  return version?.currency ?? fallback;
}

/** The plan's payout currency (of its earliest version; the linter keeps one per plan). */
export function planCurrency(plan: IncentivePlanDoc, fallback: string): string {
  const first = [...plan.versions].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0];
  return currencyOf(first, fallback);
}

/** Units of `to` per unit of `from` on the date, via the base currency; undefined without a rate. */
export function fxBetween(fx: readonly FxRate[], from: string, to: string, base: string, date: string): Dec | undefined {
  if (from === to) return ONE;
  const rf = fxRateAt(fx, from, base, date);
  const rt = fxRateAt(fx, to, base, date);
  if (rf === undefined || rt === undefined) return undefined;
  return div(rf, rt);
}

/** The credit's amount and margin in `currency`; undefined when a rate is missing. */
export function creditIn(c: Credit, currency: string, base: string, fx: readonly FxRate[]): Credit | undefined {
  if (currency === base) return c;
  const rate = fxBetween(fx, c.currency, currency, base, c.date);
  if (rate === undefined) return undefined;
  const hundred = 100n * ONE;
  if (c.sourcePct === null) return { ...c, amount: share(c.originalAmount, rate, c.pct), margin: share(c.originalMargin, rate, c.pct) };
  const level = div(c.pct, hundred);
  return { ...c, amount: mul(share(c.originalAmount, rate, c.sourcePct), level), margin: mul(share(c.originalMargin, rate, c.sourcePct), level) };
}
