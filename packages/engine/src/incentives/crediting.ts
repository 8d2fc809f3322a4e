import { apportionUnits, currencyScale } from '@attain/meta';
import { ONE, ZERO, dec, decFromUnits, decToUnits, div, mul, sum, type Dec } from './decimal.ts';
import { divRound } from '@attain/meta/decimal';
import type { OrgHistory } from './org.ts';
import { pairRateAt } from '../fx/resolve.ts';
import type { FxRateInput } from '../fx/rates.ts';
import { within } from './periods.ts';
import { fxMissingMessage, splitTotalMessage } from './problems.ts';
import type { Assignment, CalcProblem, Credit, CreditFilter, CreditKind, CreditingRuleDoc, FxRate, Transaction } from './types.ts';

const HUNDRED = dec(100);

export interface CreditingContext {
  org: OrgHistory;
  assignments: readonly Assignment[];
  fx: readonly FxRate[];
  baseCurrency: string;
}

/** A transaction crediting could not count: no rate for its currency, or splits not totalling 100%. */
export type CreditingProblem = CalcProblem;

/** The rates as entered pairs, once per rate list (crediting asks once per transaction). */
const pairsOf = new WeakMap<readonly FxRate[], Map<string, FxRateInput[]>>();

/**
 * Units of base currency per unit of `currency` on `date`: the one rule of fx/resolve.ts (the pair
 * as entered, else its inverse), as the SQL path's toBaseRateSql finds it.
 */
export function fxRateAt(fx: readonly FxRate[], currency: string, base: string, date: string): Dec | undefined {
  if (currency === base) return ONE;
  let byBase = pairsOf.get(fx);
  if (!byBase) pairsOf.set(fx, (byBase = new Map()));
  let pairs = byBase.get(base);
  if (!pairs) byBase.set(base, (pairs = fx.map((r) => ({ from: r.currency, to: r.to ?? base, rate: r.rate, effectiveFrom: r.date }))));
  return pairRateAt(pairs, currency, base, date);
}

export function matchesFilter(filter: CreditFilter | undefined, c: { object: string; kind?: CreditKind; productId?: string | null; category?: string | null; date: string }): boolean {
  if (!filter) return true;
  if (filter.objects && !filter.objects.includes(c.object)) return false;
  if (filter.kinds && (!c.kind || !filter.kinds.includes(c.kind))) return false;
  if (filter.products && !(c.productId && filter.products.includes(c.productId))) return false;
  if (filter.categories && !(c.category && filter.categories.includes(c.category))) return false;
  if (filter.from && c.date < filter.from) return false;
  if (filter.to && c.date > filter.to) return false;
  return true;
}

/**
 * Share of a value at `pct` without rounding to the cent: round(value × fx, 10) × pct ÷ 100. Only
 * for converting a credit into a plan's payout currency (currency.ts, convertSql do the same);
 * crediting into the base currency rounds the whole first (`convertedUnits`).
 */
export function share(value: Dec, fx: Dec, pct: Dec): Dec {
  return mul(mul(value, fx), div(pct, HUNDRED));
}

/**
 * A transaction's value in the base currency as integer minor units: round(value × fx, 10), rounded
 * half up to the base currency's cent once, on the whole. Every credit of the transaction is taken
 * from this rounded whole, so an order is worth the same split or not (one rounding, DESIGN §10).
 */
export function convertedUnits(value: Dec, fx: Dec, baseCurrency: string): bigint {
  return decToUnits(mul(value, fx), currencyScale(baseCurrency), 'half_up');
}

/**
 * One payee's credit at `pct` of the converted whole (owner, team, overlay, territory rules): the
 * whole itself at 100%, else whole × pct ÷ 100 rounded half up to the cent, so every credit is
 * whole cents. The SQL crediting computes round(round(round(v × fx, 10), s) × pct / 100, s), the same.
 */
export function baseShare(value: Dec, fx: Dec, pct: Dec, baseCurrency: string): Dec {
  const scale = currencyScale(baseCurrency);
  const whole = convertedUnits(value, fx, baseCurrency);
  // pct and HUNDRED are both Decs (10 decimals): whole × pct ÷ HUNDRED stays in minor units.
  return decFromUnits(pct === HUNDRED ? whole : divRound(whole * pct, HUNDRED, 'half_up'), scale);
}

/**
 * A transaction value split over primary split rows: the converted whole to the cent
 * (`convertedUnits`), apportioned by the rows' percentages with the one largest-remainder routine,
 * so the payees' credits sum to it exactly and match the unsplit owner's credit. The SQL crediting
 * computes the same cents.
 */
export function splitShares(value: Dec, fx: Dec, pcts: readonly Dec[], baseCurrency: string): Dec[] {
  const scale = currencyScale(baseCurrency);
  return apportionUnits(convertedUnits(value, fx, baseCurrency), pcts).map((u) => decFromUnits(u, scale));
}

/** Roll-up sources: the credits that make a person's own sale (not overlays or team pools). */
export const ROLLUP_SOURCE_KINDS: readonly CreditKind[] = ['direct', 'split', 'assignment'];

/**
 * Who gets credit for each transaction. Credits are in the base currency, converted at the rate of
 * the transaction's date and rounded to its cent once on the transaction's whole (see `baseShare`,
 * `splitShares`); roll-up credits are their source's share. Each names its rule.
 */
export function creditTransactions(txs: readonly Transaction[], rules: readonly CreditingRuleDoc[], ctx: CreditingContext): { credits: Credit[]; problems: CreditingProblem[] } {
  const credits: Credit[] = [];
  const problems: CreditingProblem[] = [];
  const ordered = [...rules].sort((a, b) => Number(a.type === 'rollup') - Number(b.type === 'rollup') || a.id.localeCompare(b.id));
  for (const tx of [...txs].sort((a, b) => a.id.localeCompare(b.id))) {
    const fx = fxRateAt(ctx.fx, tx.currency, ctx.baseCurrency, tx.date);
    if (fx === undefined) {
      problems.push({
        code: 'fx_missing',
        txId: tx.id,
        ruleId: '',
        rule: '',
        date: tx.date,
        currency: tx.currency,
        toCurrency: ctx.baseCurrency,
        message: fxMissingMessage(tx.currency, tx.date, ctx.baseCurrency),
      });
      continue;
    }
    const own: Credit[] = [];
    const amount = dec(tx.amount);
    const margin = tx.margin ? dec(tx.margin) : ZERO;
    const quantity = tx.quantity ? dec(tx.quantity) : ZERO;
    // An overlay split row has its own id: the same payee may also hold a primary row.
    const make = (rule: CreditingRuleDoc, payeeId: string, kind: CreditKind, pct: Dec, level = 0, source: Credit | null = null, tag = '', parts?: { amount: Dec; margin: Dec }): Credit => ({
      id: `${tx.id}:${rule.id}:${payeeId}${tag}:${level}${source ? `:${source.payeeId}` : ''}`,
      payeeId,
      kind,
      ruleId: rule.id,
      level,
      txId: tx.id,
      object: tx.object,
      sourcePayeeId: source?.payeeId ?? null,
      pct,
      amount: parts ? parts.amount : source ? mul(source.amount, div(pct, HUNDRED)) : baseShare(amount, fx, pct, ctx.baseCurrency),
      margin: parts ? parts.margin : source ? mul(source.margin, div(pct, HUNDRED)) : baseShare(margin, fx, pct, ctx.baseCurrency),
      quantity: source ? mul(source.quantity, div(pct, HUNDRED)) : mul(quantity, div(pct, HUNDRED)),
      originalAmount: amount,
      originalMargin: margin,
      sourcePct: source ? source.pct : null,
      currency: tx.currency,
      fxRate: fx,
      date: tx.date,
      invoiceDate: tx.invoiceDate ?? null,
      paidDate: tx.paidDate ?? null,
      reversalDate: tx.reversalDate ?? null,
      productId: tx.productId ?? null,
      category: tx.category ?? null,
    });
    for (const rule of ordered) {
      if (!within(tx.date, rule.effectiveFrom, rule.effectiveTo)) continue;
      if (!matchesFilter(rule.when, { object: tx.object, productId: tx.productId ?? null, category: tx.category ?? null, date: tx.date })) continue;
      const pct = dec(rule.pct ?? '100');
      const problem = (message: string) => problems.push({ code: 'split_total', txId: tx.id, ruleId: rule.id, rule: rule.name, date: tx.date, message });
      switch (rule.type) {
        case 'owner':
          if (tx.ownerId) own.push(make(rule, tx.ownerId, 'direct', pct));
          break;
        case 'split': {
          if (!tx.splits?.length) {
            if (tx.ownerId) own.push(make(rule, tx.ownerId, 'direct', pct));
            break;
          }
          const primary = sum(tx.splits.filter((s) => !s.overlay).map((s) => dec(s.pct)));
          if (primary !== HUNDRED) {
            problem(splitTotalMessage(primary));
            break;
          }
          // Primary rows share the whole to the cent; overlay rows come on top, each its own share.
          const pcts = tx.splits.filter((s) => !s.overlay).map((s) => dec(s.pct));
          const amounts = splitShares(amount, fx, pcts, ctx.baseCurrency);
          const margins = splitShares(margin, fx, pcts, ctx.baseCurrency);
          let k = 0;
          for (const s of tx.splits) {
            if (s.overlay) own.push(make(rule, s.payeeId, 'overlay', dec(s.pct), 0, null, ':overlay'));
            else {
              const i = k++;
              own.push(make(rule, s.payeeId, 'split', dec(s.pct), 0, null, '', { amount: amounts[i]!, margin: margins[i]! }));
            }
          }
          break;
        }
        case 'team': {
          const unit = tx.ownerId ? ctx.org.membershipAt(tx.ownerId, tx.date)?.orgUnitId : undefined;
          if (!unit) break;
          for (const member of ctx.org.membersAt(unit, tx.date)) own.push(make(rule, member, 'team', pct));
          break;
        }
        case 'overlay':
        case 'assignment': {
          const kind = rule.type === 'overlay' ? 'specialist' : 'territory';
          const key = rule.type === 'overlay' ? tx.category : tx.customerId;
          if (!key) break;
          const payees = ctx.assignments.filter((a) => a.kind === kind && a.key === key && within(tx.date, a.from, a.to)).map((a) => a.payeeId);
          for (const payee of [...new Set(payees)].sort()) own.push(make(rule, payee, rule.type === 'overlay' ? 'overlay' : 'assignment', pct));
          break;
        }
        case 'rollup': {
          const levels = rule.levels ?? [];
          for (const base of own.filter((c) => ROLLUP_SOURCE_KINDS.includes(c.kind))) {
            ctx.org.chainAt(base.payeeId, tx.date, levels.length).forEach((manager, i) => {
              own.push(make(rule, manager, 'rollup', dec(levels[i]?.pct ?? '0'), i + 1, base));
            });
          }
          break;
        }
      }
    }
    credits.push(...own);
  }
  return { credits, problems };
}
