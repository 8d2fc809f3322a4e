import { createHash } from 'node:crypto';
import { periodRange, type DateRange, type FiscalCalendar } from '../periods.ts';
import { componentKey, creditComponents, creditMeasures, measureKey } from '../measures.ts';
import type { PlanVersionDef } from '../types.ts';
import { filterSql, perCreditSql, timingColumn, type Sql } from './sql.ts';
import { quoteIdent } from '@attain/meta';
import { ruleRateSql } from '../../fx/sql.ts';

/**
 * Measure totals per (scope, payee): a scope is one plan version, credit date range (a period,
 * the part of it the version was in effect, or a plan period to date), clawback mode and payout
 * currency, keyed by a hash of all of them so an edited plan never reads stale totals. Totals are
 * sums and counts, linear in the credits, so a changed transaction moves them by a delta (old
 * credits out, new in) and incremental runs never re-add a manager's rolled-up credits.
 */
export interface Scope {
  key: string;
  planId: string;
  version: PlanVersionDef;
  period: string;
  ignore: boolean;
  range: DateRange;
  /** Payout currency, and the base currency credits are kept in. */
  currency: string;
  base: string;
  /** The tenant's fiscal calendar: the months of the scope's period. */
  calendar: FiscalCalendar;
}

export function scope(planId: string, version: PlanVersionDef, period: string, ignore: boolean, range: DateRange, calendar: FiscalCalendar, currency = 'USD', base = 'USD'): Scope {
  const whole = periodRange(period, calendar);
  const extra = range.from === whole.from && range.to === whole.to && currency === base ? '' : JSON.stringify([range.from, range.to, currency, base]);
  const hash = createHash('sha1')
    .update(JSON.stringify(version) + extra)
    .digest('hex')
    .slice(0, 16);
  return { key: `${planId}|${version.version}|${period}|${ignore ? 1 : 0}|${hash}`, planId, version, period, ignore, range, currency, base, calendar };
}

const join = (...parts: Array<string | Sql>): Sql => ({
  text: parts.map((p) => (typeof p === 'string' ? p : p.text)).join(''),
  bindings: parts.flatMap((p) => (typeof p === 'string' ? [] : p.bindings)),
});

/** The aggregate of credits held: dated in the period, no payout date yet under the plan's timing (a hold line). */
export const HELD_KEY = 'held';

/** The aggregate keys of a scope, in the order of the totals arrays (same as `measuresSql`). */
export function totalKeys(version: PlanVersionDef): string[] {
  const keys: string[] = [];
  for (const m of creditMeasures(version)) keys.push(measureKey(m.name));
  for (const c of creditComponents(version)) keys.push(componentKey(c.name));
  keys.push(HELD_KEY);
  return keys;
}

/** `sum … filter` / `count … filter` pairs over alias `c`, with the arithmetic of `aggregateCredits`. */
function partialColumns(s: Scope): { cols: Sql; n: number } {
  const { version, ignore } = s;
  const b: unknown[] = [];
  const cols: string[] = [];
  const timing = timingColumn(version);
  const notClawed = !ignore && version.clawback ? `not (c.reversal_date is not null and c.reversal_date - c.date <= ${Math.trunc(version.clawback.days)})` : 'true';
  const counted = `${timing} is not null and ${notClawed}`;
  const pair = (value: (b: unknown[]) => string, where: (b: unknown[]) => string) => {
    const i = cols.length;
    const v = value(b);
    const w1 = where(b);
    const w2 = where(b);
    cols.push(`sum(${v}) filter (where ${w1}) as s${i}, count(*) filter (where ${w2}) as n${i}`);
  };
  for (const m of creditMeasures(version)) {
    const value = m.type === 'count' ? '1' : m.field === 'margin' ? 'c.margin' : m.field === 'quantity' ? 'c.quantity' : 'c.amount';
    pair(
      () => value,
      (bb) => `${counted} and ${filterSql(m.filter, 'c', bb)}`,
    );
  }
  for (const comp of creditComponents(version)) {
    pair(
      (bb) => perCreditSql(comp, bb),
      (bb) => `${counted} and ${filterSql(comp.filter, 'c', bb)}`,
    );
  }
  pair(
    () => 'c.amount',
    () => `${timing} is null`,
  );
  return { cols: { text: `${cols.join(', ')}, count(*) as r`, bindings: b }, n: cols.length };
}

/**
 * Per payee: the scope's totals over own credits plus rolled-up ones. Rolled-up credit is
 * aggregated once per distinct (payee, pct, span) of the chain and only then fanned out to the
 * managers, so a 3-level roll-up costs one pass over the credits, not three.
 */
function totalsSelect(schema: string, s: Scope, txIds: readonly string[] | null, sign: '' | '-'): Sql {
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
  const { from: start, to: end } = s.range;
  const fx = convertSql(schema, s);
  const timing = timingColumn(s.version).replace('c.', 'cr.');
  const inPeriod: Sql = { text: `((${timing} between ?::date and ?::date) or (${timing} is null and cr.date between ?::date and ?::date))`, bindings: [start, end, start, end] };
  const scoped: Sql = txIds ? { text: ' and cr.tx_id = any(?::text[])', bindings: [txIds] } : { text: '', bindings: [] };
  const { cols, n } = partialColumns(s);
  const common = 'cr.object, cr.product_id, cr.category, cr.date, cr.invoice_date, cr.paid_date, cr.reversal_date';
  const amount = fx ? fx.amount : 'cr.amount';
  const margin = fx ? fx.margin : 'cr.margin';
  const lateral: Sql = fx ? fx.join : { text: '', bindings: [] };
  const rated = fx ? 'x.fxp is not null and ' : '';
  const own = join(`select cr.payee_id as g, cr.kind, ${common}, ${amount} as amount, ${margin} as margin, cr.quantity, cr.pct from ${q('credits')} cr`, lateral, ` where ${rated}`, inPeriod, scoped);
  // A delta reads the chain spans of the payees its transactions credit only: grouping the whole
  // chain (a row per payee and level) on every incremental run cost more than the rest of the run.
  const spans: Sql = txIds ? { text: ` where payee_id in (select payee_id from ${q('credits')} where tx_id = any(?::text[]))`, bindings: [txIds] } : { text: '', bindings: [] };
  const rolled = join(
    `select sp.payee_id as g, sp.pct as gp, sp.valid_from as gf, coalesce(sp.valid_to, 'infinity'::date) as gt, 'rollup'::text as kind, ${common},
       round(${amount} * (sp.pct / 100), 10) as amount, round(${margin} * (sp.pct / 100), 10) as margin, round(cr.quantity * (sp.pct / 100), 10) as quantity, sp.pct as pct
     from ${q('credits')} cr join (select distinct payee_id, pct, valid_from, valid_to from ${q('chain')}`,
    spans,
    `) sp
       on sp.payee_id = cr.payee_id and cr.date >= sp.valid_from and (sp.valid_to is null or cr.date <= sp.valid_to)`,
    lateral,
    ` where ${rated}cr.kind in ('direct', 'split', 'assignment') and `,
    inPeriod,
    scoped,
  );
  const idx = Array.from({ length: n }, (_, i) => i);
  const sums = idx.map((i) => `sum(p.s${i}) as s${i}, sum(p.n${i}) as n${i}`).join(', ');
  const ownPart = join('select c.g as payee_id, ', cols, ' from (', own, ') c group by c.g');
  const rolledPart = join(
    `select ch.manager_id as payee_id, ${sums}, sum(p.r) as r from (select c.g, c.gp, c.gf, c.gt, `,
    cols,
    ' from (',
    rolled,
    `) c group by 1, 2, 3, 4) p
    join ${q('chain')} ch on ch.payee_id = p.g and ch.pct = p.gp and ch.valid_from = p.gf and coalesce(ch.valid_to, 'infinity'::date) = p.gt group by ch.manager_id`,
  );
  const head: Sql = {
    text: `select ?::text as scope, u.payee_id, array[${idx.map((i) => `${sign}coalesce(sum(u.s${i}), 0)`).join(', ')}]::numeric[] as vals,
       array[${idx.map((i) => `${sign}coalesce(sum(u.n${i}), 0)`).join(', ')}]::bigint[] as cnts, ${sign}sum(u.r)::bigint as n from (`,
    bindings: [s.key],
  };
  return join(head, ownPart, ' union all ', rolledPart, ') u group by u.payee_id');
}

/**
 * Credits in a payout currency other than the base, or under a period fxRule: from the
 * transaction's own amount and margin at the rate from its currency to the plan's that the plan's
 * fxRule picks (fx/resolve.ts states the rule; currency.ts is the same in memory), over alias `cr`.
 */
export function convertSql(
  schema: string,
  s: Pick<Scope, 'currency' | 'base'> & { version?: Pick<PlanVersionDef, 'fxRule'>; period?: string; calendar: FiscalCalendar },
): { join: Sql; amount: string; margin: string } | null {
  const rule = s.version?.fxRule ?? 'transaction_date';
  if (s.currency === s.base && rule === 'transaction_date') return null;
  // The plan's rule decides the day (or days) of the rate; a period-based rule needs the plan period.
  const period = s.period ? periodRange(s.period, s.calendar) : null;
  const effective = period ? rule : 'transaction_date';
  const range = period ?? { from: '', to: '' };
  // From the one rates table by the one rule (fx/resolve.ts): the pair, its inverse, else via the base.
  const rate = ruleRateSql(schema, s.base, { column: 'cr.currency' }, s.currency, effective, range);
  return {
    join: {
      text: ` cross join lateral (select case when cr.currency = ? then 1::numeric else ${rate.text} end as fxp) x`,
      bindings: [s.currency, ...rate.bindings],
    },
    amount: 'round(round(cr.original_amount * x.fxp, 10) * (cr.pct / 100), 10)',
    margin: 'round(round(coalesce(cr.original_margin, 0) * x.fxp, 10) * (cr.pct / 100), 10)',
  };
}

/** A scope's totals per payee (optionally of some payees only), computed without storing them. */
export function selectTotalsSql(schema: string, s: Scope, payees: readonly string[] | null): Sql {
  return join(
    'select z.payee_id, z.vals::text[] as vals, z.cnts::text[] as cnts from (',
    totalsSelect(schema, s, null, ''),
    ') z',
    payees ? { text: ' where z.payee_id = any(?::text[])', bindings: [payees] } : '',
  );
}

/** Replaces a scope's totals with a full pass over the credits. */
export function materializeSql(schema: string, s: Scope): Sql {
  return join(`insert into ${quoteIdent(schema)}."attain_incentives_totals" (scope, payee_id, vals, cnts, n) `, totalsSelect(schema, s, null, ''));
}

/** Adds (or, with sign -1, takes out) the contribution of the given transactions' current credits. */
export function deltaSql(schema: string, s: Scope, txIds: readonly string[], sign: 1 | -1): Sql {
  const add = (col: string) => `array(select u.a + u.b from unnest(t.${col}, excluded.${col}) with ordinality as u(a, b, i) order by u.i)`;
  return join(
    `insert into ${quoteIdent(schema)}."attain_incentives_totals" as t (scope, payee_id, vals, cnts, n) `,
    totalsSelect(schema, s, txIds, sign === 1 ? '' : '-'),
    ` on conflict (scope, payee_id) do update set vals = ${add('vals')}, cnts = ${add('cnts')}, n = t.n + excluded.n`,
  );
}

/**
 * The credits behind one aggregate of a scope for one payee — its own credits and those rolled up
 * to it — selected exactly as the totals select them (range, payout timing, clawback, filter,
 * currency), each with the value it adds: a statement line's drill-down adds up to its measure.
 * `frozenPeriod`: read the copy of credits and roll-up chain taken when that period was approved
 * (frozen-rows.ts) instead of today's, so a frozen line lists what it was frozen with.
 */
export function creditRowsSql(schema: string, s: Scope, key: string, payeeId: string, limit: number, frozenPeriod?: string): Sql | null {
  const { version, ignore } = s;
  const held = key === HELD_KEY;
  const measure = held ? undefined : creditMeasures(version).find((m) => measureKey(m.name) === key);
  const component = held || measure ? undefined : creditComponents(version).find((c) => componentKey(c.name) === key);
  if (!held && !measure && !component) return null;
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
  const { from: start, to: end } = s.range;
  const fx = convertSql(schema, s);
  const timing = timingColumn(version).replace('c.', 'cr.');
  const inPeriod: Sql = { text: `((${timing} between ?::date and ?::date) or (${timing} is null and cr.date between ?::date and ?::date))`, bindings: [start, end, start, end] };
  const amount = fx ? fx.amount : 'cr.amount';
  const margin = fx ? fx.margin : 'cr.margin';
  const rate = fx ? 'x.fxp' : 'cr.fx_rate';
  const lateral: Sql = fx ? fx.join : { text: '', bindings: [] };
  const rated = fx ? 'x.fxp is not null and ' : '';
  const common = `cr.tx_id, cr.object, cr.currency, cr.original_amount, ${rate} as fx_rate, cr.product_id, cr.category, cr.date, cr.invoice_date, cr.paid_date, cr.reversal_date`;
  const table = (name: 'credits' | 'chain'): Sql =>
    frozenPeriod === undefined ? { text: q(name), bindings: [] } : { text: `(select * from ${q(`frozen_${name}`)} where period = ?)`, bindings: [frozenPeriod] };
  const own = join(
    `select cr.id, cr.kind, cr.rule_id, cr.level, ${common}, ${amount} as amount, ${margin} as margin, cr.quantity, cr.pct, null::text as source_payee_id from `,
    table('credits'),
    ' cr',
    lateral,
    ` where ${rated}cr.payee_id = ? and `,
    { text: '', bindings: [payeeId] },
    inPeriod,
  );
  const rolled = join(
    `select cr.id || ':r' || ch.level, 'rollup'::text, ch.rule_id, ch.level, ${common}, round(${amount} * (ch.pct / 100), 10), round(${margin} * (ch.pct / 100), 10), round(cr.quantity * (ch.pct / 100), 10), ch.pct, cr.payee_id
     from `,
    table('credits'),
    ' cr join ',
    table('chain'),
    ` ch on ch.payee_id = cr.payee_id and cr.date >= ch.valid_from and (ch.valid_to is null or cr.date <= ch.valid_to)`,
    lateral,
    ` where ${rated}ch.manager_id = ? and cr.kind in ('direct', 'split', 'assignment') and `,
    { text: '', bindings: [payeeId] },
    inPeriod,
  );
  const vb: unknown[] = [];
  const value = held
    ? 'c.amount'
    : measure
      ? measure.type === 'count'
        ? '1::numeric'
        : measure.field === 'margin'
          ? 'c.margin'
          : measure.field === 'quantity'
            ? 'c.quantity'
            : 'c.amount'
      : perCreditSql(component!, vb);
  const time = timingColumn(version);
  const notClawed = !ignore && version.clawback ? `not (c.reversal_date is not null and c.reversal_date - c.date <= ${Math.trunc(version.clawback.days)})` : 'true';
  const wb: unknown[] = [];
  // Held credits are those of the period without a payout date (the `held` total of partialColumns).
  const where = held ? `${time} is null` : `${time} is not null and ${notClawed} and ${filterSql((measure ?? component)!.filter, 'c', wb)}`;
  const valueSql: Sql = { text: value, bindings: vb };
  const whereSql: Sql = { text: where, bindings: wb };
  return join(
    'select c.id, c.kind, c.rule_id, c.level, c.tx_id, c.object, c.pct::text as pct, c.amount::text as amount, c.currency, c.original_amount::text as original_amount, c.fx_rate::text as fx_rate, c.date, c.product_id, c.category, c.source_payee_id, (',
    valueSql,
    ')::text as value from (',
    own,
    ' union all ',
    rolled,
    ') c where ',
    whereSql,
    { text: ' order by c.date, c.id limit ?', bindings: [limit] },
  );
}
