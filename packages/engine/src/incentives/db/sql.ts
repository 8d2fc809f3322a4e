import { fmt } from '../decimal.ts';
import type { ComponentDef, CreditFilter, PlanVersionDef } from '../types.ts';

/** A SQL text with `?` placeholders and its bindings; only constants of ours are ever spliced in. */
export interface Sql {
  text: string;
  bindings: unknown[];
}

/** `filter` as a SQL condition over alias `c` (credits) or `t` (transactions). */
export function filterSql(filter: CreditFilter | undefined, alias: string, b: unknown[], withKinds = true): string {
  const parts: string[] = [];
  if (filter?.objects) {
    parts.push(`${alias}.object = any(?::text[])`);
    b.push(filter.objects);
  }
  if (withKinds && filter?.kinds) {
    parts.push(`${alias}.kind = any(?::text[])`);
    b.push(filter.kinds);
  }
  if (filter?.products) {
    parts.push(`${alias}.product_id = any(?::text[])`);
    b.push(filter.products);
  }
  if (filter?.categories) {
    parts.push(`${alias}.category = any(?::text[])`);
    b.push(filter.categories);
  }
  if (filter?.from) {
    parts.push(`${alias}.date >= ?::date`);
    b.push(filter.from);
  }
  if (filter?.to) {
    parts.push(`${alias}.date <= ?::date`);
    b.push(filter.to);
  }
  return parts.length ? parts.join(' and ') : 'true';
}

export function timingColumn(version: PlanVersionDef): string {
  return version.payoutTiming === 'invoice' ? 'c.invoice_date' : version.payoutTiming === 'payment' ? 'c.paid_date' : 'c.date';
}

/** Same arithmetic as `perCreditValue`: each product rounded at 10 decimals. */
export function perCreditSql(c: ComponentDef, b: unknown[]): string {
  const parts: string[] = [];
  if (c.perCredit) {
    parts.push('round(?::numeric * (c.pct / 100), 10)');
    b.push(c.perCredit);
  }
  if (c.rate) {
    parts.push('round(c.amount * ?::numeric, 10)');
    b.push(c.rate);
  }
  if (c.perAmount) {
    parts.push('floor(round(c.amount / ?::numeric, 10)) * ?::numeric');
    b.push(c.perAmount.every, c.perAmount.value);
  }
  return parts.length ? parts.join(' + ') : '0';
}

export const decText = (v: bigint): string => fmt(v);
