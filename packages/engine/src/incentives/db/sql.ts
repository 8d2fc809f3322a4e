import { fmt } from '../decimal.ts';
import { periodEnd, periodStart } from '../periods.ts';
import type { ComponentDef, CreditFilter, PlanVersionDef } from '../types.ts';
import { componentKey, measureKey } from '../measures.ts';
import { quoteIdent } from '@attain/meta';

/** A SQL text with `?` placeholders and its bindings; only constants of ours are ever spliced in. */
export interface Sql {
  text: string;
  bindings: unknown[];
}

/** `filter` as a SQL condition over alias `c` (credits) or `t` (transactions). */
export function filterSql(filter: CreditFilter | undefined, alias: string, b: unknown[], withKinds = true): string {
  const parts: string[] = [];
  if (filter?.objects) { parts.push(`${alias}.object = any(?::text[])`); b.push(filter.objects); }
  if (withKinds && filter?.kinds) { parts.push(`${alias}.kind = any(?::text[])`); b.push(filter.kinds); }
  if (filter?.products) { parts.push(`${alias}.product_id = any(?::text[])`); b.push(filter.products); }
  if (filter?.categories) { parts.push(`${alias}.category = any(?::text[])`); b.push(filter.categories); }
  if (filter?.from) { parts.push(`${alias}.date >= ?::date`); b.push(filter.from); }
  if (filter?.to) { parts.push(`${alias}.date <= ?::date`); b.push(filter.to); }
  return parts.length ? parts.join(' and ') : 'true';
}

export function timingColumn(version: PlanVersionDef): string {
  return version.payoutTiming === 'invoice' ? 'c.invoice_date' : version.payoutTiming === 'payment' ? 'c.paid_date' : 'c.date';
}

/** Same arithmetic as `perCreditValue`: each product rounded at 10 decimals. */
export function perCreditSql(c: ComponentDef, b: unknown[]): string {
  const parts: string[] = [];
  if (c.perCredit) { parts.push('round(?::numeric * (c.pct / 100), 10)'); b.push(c.perCredit); }
  if (c.rate) { parts.push('round(c.amount * ?::numeric, 10)'); b.push(c.rate); }
  if (c.perAmount) { parts.push('floor(round(c.amount / ?::numeric, 10)) * ?::numeric'); b.push(c.perAmount.every, c.perAmount.value); }
  return parts.length ? parts.join(' + ') : '0';
}

/**
 * One pass over a period's credits (own and rolled-up) computing every aggregate a plan version
 * needs per payee, as `FILTER` clauses of one `GROUP BY payee_id`.
 */
export function measuresSql(schema: string, version: PlanVersionDef, period: string, ignoreClawback: boolean, payees: readonly string[] | null, planId: string): { sql: Sql; keys: string[] } {
  const b: unknown[] = [];
  const keys: string[] = [];
  const cols: string[] = [];
  const timing = timingColumn(version);
  const notClawed = !ignoreClawback && version.clawback ? `not (c.reversal_date is not null and c.reversal_date - c.date <= ${Math.trunc(version.clawback.days)})` : 'true';
  const counted = `${timing} is not null and ${notClawed}`;
  version.measures.forEach((m) => {
    if (m.type !== 'sum' && m.type !== 'count') return;
    const value = m.type === 'count' ? '1' : m.field === 'margin' ? 'c.margin' : m.field === 'quantity' ? 'c.quantity' : 'c.amount';
    keys.push(measureKey(m.name));
    const f1 = filterSql(m.filter, 'c', b);
    const sumCol = `coalesce(sum(${value}) filter (where ${counted} and ${f1}), 0)::text`;
    cols.push(`${sumCol} as a${cols.length}, count(*) filter (where ${counted} and ${filterSql(m.filter, 'c', b)}) as n${cols.length}`);
  });
  version.components.forEach((comp) => {
    if (comp.type !== 'spif' && comp.type !== 'points') return;
    keys.push(componentKey(comp.name));
    const v = perCreditSql(comp, b);
    const sumCol = `coalesce(sum(${v}) filter (where ${counted} and ${filterSql(comp.filter, 'c', b)}), 0)::text`;
    cols.push(`${sumCol} as a${cols.length}, count(*) filter (where ${counted} and ${filterSql(comp.filter, 'c', b)}) as n${cols.length}`);
  });
  keys.push('held');
  cols.push(`coalesce(sum(c.amount) filter (where ${timing} is null), 0)::text as a${cols.length}, count(*) filter (where ${timing} is null) as n${cols.length}`);
  const start = periodStart(period);
  const end = periodEnd(period);
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(t)}`;
  const inPeriod = `((${timing} between ?::date and ?::date) or (${timing} is null and c.date between ?::date and ?::date))`;
  const payeeFilter = payees ? 'and x.payee_id = any(?::text[])' : '';
  const own = `select c.payee_id, c.kind, c.object, c.product_id, c.category, c.date, c.invoice_date, c.paid_date, c.reversal_date, c.amount, c.margin, c.quantity, c.pct from ${q('attain_incentives_credits')} c`;
  const rolled = `select ch.manager_id, 'rollup', c.object, c.product_id, c.category, c.date, c.invoice_date, c.paid_date, c.reversal_date,
      round(c.amount * (ch.pct / 100), 10), round(c.margin * (ch.pct / 100), 10), round(c.quantity * (ch.pct / 100), 10), ch.pct
    from ${q('attain_incentives_credits')} c join ${q('attain_incentives_chain')} ch
      on ch.payee_id = c.payee_id and c.date >= ch.valid_from and (ch.valid_to is null or c.date <= ch.valid_to)
    where c.kind in ('direct', 'split', 'assignment')`;
  const rangeBinds = [start, end, start, end];
  const ownPayees = payees ? ' and c.payee_id = any(?::text[])' : '';
  const rolledPayees = payees ? ' and ch.manager_id = any(?::text[])' : '';
  const text = `with x as (${own} where ${inPeriod}${ownPayees} union all ${rolled} and ${inPeriod}${rolledPayees})
    select c.payee_id, ${cols.join(', ')} from x c where c.payee_id in (select a.payee_id from ${q('attain_incentives_assignments')} a where a.kind = 'plan' and a.key = ? and a.valid_from <= ?::date and (a.valid_to is null or a.valid_to >= ?::date))
      ${payeeFilter.replace('x.', 'c.')} group by c.payee_id`;
  // Bindings in text order: the period ranges (own, rolled), the aggregates, the plan's payees, the payee filter.
  return { sql: { text, bindings: [...rangeBinds, ...(payees ? [payees] : []), ...rangeBinds, ...(payees ? [payees] : []), ...b, planId, end, start, ...(payees ? [payees] : [])] }, keys };
}

export const decText = (v: bigint): string => fmt(v);
