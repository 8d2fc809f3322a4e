// Rates in SQL, read from the one rates table, by the rule resolve.ts states (and is tested to agree
// with): the pair as entered, else its inverse (1 ÷ rate rounded at 10 decimals, as `div`), the
// latest effective on or before the day, the pair as entered first on the same day; else through
// the base currency; else null (reported, never 1:1). Values are bound, never spliced.
import { quoteIdent } from '@attain/meta';
import { FX_TABLE } from './schema.ts';
import type { FxRule } from './resolve.ts';

export interface Sql {
  text: string;
  bindings: unknown[];
}

/** A currency: a column expression of ours (e.g. `t.currency`) or a value to bind. */
export type CurrencyExpr = { column: string } | { value: string };

export function fxTable(schema: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(FX_TABLE)}`;
}

/**
 * `(select …)`: units of `base` per unit of `currency` on `day` (a date expression of ours), or
 * null when no rate of the pair, either way round, is effective by then. Not 1 for the base itself:
 * callers test that first.
 */
export function toBaseRateSql(schema: string, base: string, currency: CurrencyExpr, day: string | Sql): Sql {
  const b: unknown[] = [];
  const dayP = (): string => {
    if (typeof day === 'string') return day;
    b.push(...day.bindings);
    return day.text;
  };
  const c = (): string => {
    if ('column' in currency) return currency.column;
    b.push(currency.value);
    return '?::text';
  };
  const baseP = (): string => {
    b.push(base);
    return '?::text';
  };
  // One probe of the (pair, effective_from) index: the newest rate of the pair either way round
  // (this runs once per transaction in a full crediting pass); on the same day the pair as entered wins.
  const text = `(select case when r.from_currency = ${c()} then r.rate else round(1 / r.rate, 10) end from ${fxTable(schema)} r
    where r.pair = least(${c()}, ${baseP()}) || '/' || greatest(${c()}, ${baseP()}) and r.effective_from <= ${dayP()}
    order by r.effective_from desc, r.from_currency = ${c()} desc limit 1)`;
  return { text, bindings: b };
}

/**
 * `(case …)`: units of `to` per unit of `from` on `day` (resolve.ts `crossRateAt`): 1 for the same
 * currency, the pair either way round, else both legs through the base, else null.
 */
export function crossRateSql(schema: string, base: string, from: CurrencyExpr, to: string, day: string | Sql): Sql {
  const is = (code: string): Sql => ('column' in from ? { text: `${from.column} = ?::text`, bindings: [code] } : { text: '?::text = ?::text', bindings: [from.value, code] });
  const same = is(to);
  const pair = toBaseRateSql(schema, to, from, day);
  const fromBase = is(base);
  const legFrom = toBaseRateSql(schema, base, from, day);
  const legTo: Sql = to === base ? { text: '1::numeric', bindings: [] } : toBaseRateSql(schema, base, { value: to }, day);
  return {
    text: `(case when ${same.text} then 1::numeric else coalesce(${pair.text}, round((case when ${fromBase.text} then 1::numeric else ${legFrom.text} end) / ${legTo.text}, 10)) end)`,
    bindings: [...same.bindings, ...pair.bindings, ...fromBase.bindings, ...legFrom.bindings, ...legTo.bindings],
  };
}

/**
 * The rate from `from` to `to` under a plan's fxRule for a credit over alias `cr` (resolve.ts
 * `ruleRateAt`): its transaction date's, the plan period's end's, or the average of the period's
 * daily rates (rounded at 10 decimals; null, so reported, when any day of the period lacks one).
 */
export function ruleRateSql(schema: string, base: string, from: CurrencyExpr, to: string, rule: FxRule, period: { from: string; to: string }): Sql {
  if (rule === 'transaction_date') return crossRateSql(schema, base, from, to, 'cr.date');
  if (rule === 'period_end') return crossRateSql(schema, base, from, to, { text: '?::date', bindings: [period.to] });
  const daily = crossRateSql(schema, base, from, to, 'gs.d::date');
  return {
    text: `(select case when count(g.x) = count(*) then round(avg(g.x), 10) end from (select ${daily.text} as x from generate_series(?::date, ?::date, interval '1 day') gs(d)) g)`,
    bindings: [...daily.bindings, period.from, period.to],
  };
}

/** `exists (…)`: some rate of the pair (currency, base), either way round, is effective on `day`. */
export function hasBaseRateSql(schema: string, base: string, currency: string, day: string): Sql {
  return {
    text: `exists (select 1 from ${fxTable(schema)} r where r.pair = least(${currency}, ?::text) || '/' || greatest(${currency}, ?::text) and r.effective_from <= ${day})`,
    bindings: [base, base],
  };
}

/** The first day a rate between the currency and the base takes effect, or null. */
export function firstBaseRateSql(schema: string, base: string, currency: string): Sql {
  return {
    text: `select min(effective_from)::text as d from ${fxTable(schema)} where (from_currency = ? and to_currency = ?) or (from_currency = ? and to_currency = ?)`,
    bindings: [currency, base, base, currency],
  };
}
