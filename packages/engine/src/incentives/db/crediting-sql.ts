import type { CreditingRuleDoc } from '../types.ts';
import { filterSql, type Sql } from './sql.ts';
import { quoteIdent } from '@attain/meta';
import { toBaseRateSql } from '../../fx/sql.ts';

const COLUMNS = 'id, payee_id, kind, rule_id, level, tx_id, object, pct, amount, margin, quantity, original_amount, original_margin, currency, fx_rate, date, invoice_date, paid_date, reversal_date, product_id, category';

/**
 * Set-based crediting: one INSERT … SELECT per rule over the transactions in scope, with the same
 * arithmetic as `creditTransactions` (round(value × fx, 10) × pct ÷ 100, rounded at 10 decimals).
 * Roll-up credit is not materialised per transaction; it is joined from `attain_incentives_chain`.
 */
export function creditingSql(schema: string, rule: CreditingRuleDoc, baseCurrency: string, txIds: readonly string[] | null): Sql | null {
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(t)}`;
  const b: unknown[] = [];
  // Units of base per unit of the transaction's currency on its date, from the one rates table.
  const lookup = toBaseRateSql(schema, baseCurrency, { column: 't.currency' }, 't.date');
  const fx = `(case when t.currency = ? then 1::numeric else ${lookup.text} end)`;
  const fxB: unknown[] = [baseCurrency, ...lookup.bindings];
  const share = (value: string, pct: string) => `round(round(${value} * f.fx, 10) * (${pct} / 100), 10)`;
  const select = (payee: string, kind: string, pct: string, idPayee = payee) =>
    `t.id || ':' || ?::text || ':' || ${idPayee} || ':0', ${payee}, ${kind}, ?::text, 0, t.id, t.object, ${pct}, ${share('t.amount', pct)}, ${share('coalesce(t.margin, 0)', pct)},
     round(coalesce(t.quantity, 0) * (${pct} / 100), 10), t.amount, coalesce(t.margin, 0), t.currency, f.fx, t.date, t.invoice_date, t.paid_date, t.reversal_date, t.product_id, t.category`;
  const pct = '?::numeric';
  const rulePct = rule.pct ?? '100';
  let from: string;
  let cols: string;
  let extra = 'true';
  const scope = txIds ? 't.id = any(?::text[])' : 'true';
  const head = (kind: string, payee: string, p = pct) => select(payee, kind, p);
  switch (rule.type) {
    case 'owner':
      cols = head(`'direct'`, 't.owner_id');
      b.push(rule.id, rule.id, ...Array(4).fill(rulePct));
      from = '';
      extra = 't.owner_id is not null';
      break;
    case 'split': {
      // Rows with valid splits credit each split; rows without splits credit the owner.
      // An overlay row's credit id is tagged (as in creditTransactions): its payee may also hold a primary row.
      const sel = `select ${select('s."payeeId"', `case when coalesce(s.overlay, false) then 'overlay' else 'split' end`, 's.pct', `s."payeeId" || case when coalesce(s.overlay, false) then ':overlay' else '' end`)}`;
      b.push(rule.id, rule.id);
      const withSplits = `${sel} from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f
        cross join lateral jsonb_to_recordset(t.splits) as s("payeeId" text, pct numeric, overlay boolean)
        where jsonb_typeof(t.splits) = 'array' and jsonb_array_length(t.splits) > 0
          and (select coalesce(sum((e->>'pct')::numeric), 0) from jsonb_array_elements(t.splits) e where not coalesce((e->>'overlay')::boolean, false)) = 100
          and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${filterSql(rule.when, 't', [], false)}`;
      const bSplit: unknown[] = [rule.id, rule.id, ...fxB, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null];
      const whenB: unknown[] = [];
      filterSql(rule.when, 't', whenB, false);
      const owner = `select ${select('t.owner_id', `'direct'`, pct)} from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f
        where (t.splits is null or jsonb_typeof(t.splits) <> 'array' or jsonb_array_length(t.splits) = 0) and t.owner_id is not null
          and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${filterSql(rule.when, 't', [], false)}`;
      const bOwner: unknown[] = [rule.id, rule.id, ...Array(4).fill(rulePct), ...fxB, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null];
      return {
        text: `insert into ${q('attain_incentives_credits')} (${COLUMNS}) ${withSplits} union all ${owner}`,
        bindings: [...bSplit, ...whenB, ...bOwner, ...whenB],
      };
    }
    case 'team':
      cols = head(`'team'`, 'm2.user_id');
      b.push(rule.id, rule.id, ...Array(4).fill(rulePct));
      from = `join ${q('attain_incentives_members')} m1 on m1.user_id = t.owner_id and t.date >= m1.valid_from and (m1.valid_to is null or t.date <= m1.valid_to)
        join ${q('attain_incentives_members')} m2 on m2.org_unit_id = m1.org_unit_id and t.date >= m2.valid_from and (m2.valid_to is null or t.date <= m2.valid_to)`;
      break;
    case 'overlay':
    case 'assignment': {
      const kind = rule.type === 'overlay' ? 'specialist' : 'territory';
      const key = rule.type === 'overlay' ? 't.category' : 't.customer_id';
      cols = head(rule.type === 'overlay' ? `'overlay'` : `'assignment'`, 'a.payee_id');
      b.push(rule.id, rule.id, ...Array(4).fill(rulePct));
      from = `join (select distinct payee_id, key, valid_from, valid_to from ${q('attain_incentives_assignments')} where kind = '${kind}') a
        on a.key = ${key} and t.date >= a.valid_from and (a.valid_to is null or t.date <= a.valid_to)`;
      break;
    }
    default:
      return null;
  }
  const whenB: unknown[] = [];
  const when = filterSql(rule.when, 't', whenB, false);
  return {
    text: `insert into ${q('attain_incentives_credits')} (${COLUMNS})
      select ${rule.type === 'owner' ? '' : 'distinct on (1) '}${cols} from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f ${from}
      where f.fx is not null and ${extra} and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${when}`,
    bindings: [...b, ...fxB, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null, ...whenB],
  };
}
