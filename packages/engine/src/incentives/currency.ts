// A plan's payout currency. Credits are kept in the engine's base currency; a plan paying in
// another currency, or converting at a period rate (fxRule), converts each credit from its
// transaction's currency at the rate the one fx rule finds (fx/resolve.ts: the pair, its inverse,
// else through the base; on the transaction date, the period's end or the period's daily
// average), with the same share arithmetic as crediting, so a plan in the transaction's own
// currency sees the original amounts exactly. The SQL path (db/totals-sql.ts) uses the same rule.
import { ONE, div, mul, type Dec } from './decimal.ts';
import { share } from './crediting.ts';
import { ruleRateAt, type FxRule } from '../fx/resolve.ts';
import type { FxRateInput } from '../fx/rates.ts';
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

/** The in-memory rates as entered pairs: `{currency, rate, date}` is `1 currency = rate to` (the base unless `to`). */
export function ratePairs(fx: readonly FxRate[], base: string): FxRateInput[] {
  return fx.map((r) => ({ from: r.currency, to: r.to ?? base, rate: r.rate, effectiveFrom: r.date }));
}

/** Units of `to` per unit of `from` on the date by the one rule (fx/resolve.ts); undefined without a rate. */
export function fxBetween(fx: readonly FxRate[], from: string, to: string, base: string, date: string): Dec | undefined {
  return ruleRateAt(ratePairs(fx, base), from, to, base, 'transaction_date', date, { from: date, to: date });
}

/** How a plan version converts credits in a period: its currency, its fxRule, the period's days. */
export interface Conversion {
  currency: string;
  rule: FxRule;
  period: { from: string; to: string };
}

/** True when credits need converting at all: another currency, or a rate other than crediting's. */
export const converts = (c: Pick<Conversion, 'currency' | 'rule'>, base: string): boolean => c.currency !== base || c.rule !== 'transaction_date';

/**
 * Converts credits for one plan version and period; rates are looked up once per currency and
 * day (or period). `undefined` for a credit means no rate: it is left out and reported.
 */
export function converter(fx: readonly FxRate[], base: string, conv: Conversion): (c: Credit) => Credit | undefined {
  const pairs = ratePairs(fx, base);
  const rates = new Map<string, Dec | undefined>();
  const rateOf = (from: string, day: string): Dec | undefined => {
    const key = conv.rule === 'transaction_date' ? `${from}|${day}` : from;
    if (!rates.has(key)) rates.set(key, ruleRateAt(pairs, from, conv.currency, base, conv.rule, day, conv.period));
    return rates.get(key);
  };
  return (c) => {
    const rate = rateOf(c.currency, c.date);
    return rate === undefined ? undefined : at(c, rate);
  };
}

/** The credit's amount and margin in `currency` at the transaction date; undefined when a rate is missing. */
export function creditIn(c: Credit, currency: string, base: string, fx: readonly FxRate[]): Credit | undefined {
  if (currency === base) return c;
  const rate = fxBetween(fx, c.currency, currency, base, c.date);
  return rate === undefined ? undefined : at(c, rate);
}

function at(c: Credit, rate: Dec): Credit {
  const hundred = 100n * ONE;
  if (c.sourcePct === null) return { ...c, amount: share(c.originalAmount, rate, c.pct), margin: share(c.originalMargin, rate, c.pct) };
  const level = div(c.pct, hundred);
  return { ...c, amount: mul(share(c.originalAmount, rate, c.sourcePct), level), margin: mul(share(c.originalMargin, rate, c.sourcePct), level) };
}
