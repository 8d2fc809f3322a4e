import type { CreditingRuleDoc } from '../types.ts';
import { filterSql, type Sql } from './sql.ts';
import { currencyScale, fromUnits, quoteIdent } from '@attain/meta';

const COLUMNS = 'id, payee_id, kind, rule_id, level, tx_id, object, pct, amount, margin, quantity, original_amount, original_margin, currency, fx_rate, date, invoice_date, paid_date, reversal_date, product_id, category';

/**
 * Set-based crediting: one INSERT … SELECT per rule over the transactions in scope, with the same
 * arithmetic as `creditTransactions` (round(value × fx, 10) × pct ÷ 100, rounded at 10 decimals).
 * Roll-up credit is not materialised per transaction; it is joined from `attain_incentives_chain`.
 */
export function creditingSql(schema: string, rule: CreditingRuleDoc, baseCurrency: string, txIds: readonly string[] | null): Sql | null {
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(t)}`;
  const b: unknown[] = [];
  const fx = `(case when t.currency = ? then 1::numeric else (select r.rate from ${q('attain_incentives_fx')} r where r.currency = t.currency and r.date <= t.date order by r.date desc limit 1) end)`;
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
    case 'split':
      return splitCreditingSql(q, fx, rule, baseCurrency, txIds);
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
    bindings: [...b, baseCurrency, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null, ...whenB],
  };
}

/**
 * The split rule. Rows with splits credit each split row; rows without credit the owner. Primary
 * rows share round(value × fx, 10), rounded half up to the base currency's minor unit, by largest
 * remainder exactly as `splitShares` does in JS: with the percentages as integer weights
 * w = round(pct, 10) × 10^10, each row gets floor(total × w ÷ Σw) units, and the units left over
 * go one each to the rows with the largest remainders (then larger weight, then earlier row).
 * Integer div/mod keep the arithmetic exact (numeric division would round at its own scale).
 * An overlay row's credit id is tagged (as in creditTransactions): its payee may also hold a primary row.
 */
function splitCreditingSql(q: (t: string) => string, fx: string, rule: CreditingRuleDoc, baseCurrency: string, txIds: readonly string[] | null): Sql {
  const scale = currencyScale(baseCurrency);
  const perUnit = (10n ** BigInt(scale)).toString();
  const unit = fromUnits(1n, scale);
  const rulePct = rule.pct ?? '100';
  const scope = txIds ? 't.id = any(?::text[])' : 'true';
  const whenB: unknown[] = [];
  const when = filterSql(rule.when, 't', whenB, false);
  const window = (b: unknown[]) => [baseCurrency, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null, ...b];
  const total = (value: string) => `round(round(${value} * f.fx, 10), ?::int)`;
  const rows = `select t.id as tx_id, t.object, t.amount, coalesce(t.margin, 0) as margin, t.quantity, t.currency, f.fx, t.date, t.invoice_date, t.paid_date,
      t.reversal_date, t.product_id, t.category, e.v->>'payeeId' as payee, (e.v->>'pct')::numeric as pct, coalesce((e.v->>'overlay')::boolean, false) as overlay, e.ord,
      round((e.v->>'pct')::numeric, 10) * 10000000000 as w,
      abs(${total('t.amount')}) * ?::numeric as ta, sign(${total('t.amount')}) as sa,
      abs(${total('coalesce(t.margin, 0)')}) * ?::numeric as tm, sign(${total('coalesce(t.margin, 0)')}) as sm
    from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f
    cross join lateral jsonb_array_elements(t.splits) with ordinality as e(v, ord)
    where jsonb_typeof(t.splits) = 'array' and jsonb_array_length(t.splits) > 0
      and (select coalesce(sum((x->>'pct')::numeric), 0) from jsonb_array_elements(t.splits) x where not coalesce((x->>'overlay')::boolean, false)) = 100
      and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${when}`;
  const rowsB = [scale, perUnit, scale, scale, perUnit, scale];
  const quotients = `select r.*, div(r.ta * r.w, r.sw) as qa, mod(r.ta * r.w, r.sw) as ra, div(r.tm * r.w, r.sw) as qm, mod(r.tm * r.w, r.sw) as rm
    from (select r0.*, sum(case when r0.overlay then 0 else r0.w end) over (partition by r0.tx_id) as sw from (${rows}) r0) r`;
  const ranked = `select k.*,
      k.ta - sum(case when k.overlay then 0 else k.qa end) over (partition by k.tx_id) as la,
      k.tm - sum(case when k.overlay then 0 else k.qm end) over (partition by k.tx_id) as lm,
      row_number() over (partition by k.tx_id, k.overlay order by k.ra desc, k.w desc, k.ord) as ka,
      row_number() over (partition by k.tx_id, k.overlay order by k.rm desc, k.w desc, k.ord) as km
    from (${quotients}) k`;
  const part = (value: string, quotient: string, sign: string, rank: string, left: string) =>
    `case when s.overlay then round(round(s.${value} * s.fx, 10) * (s.pct / 100), 10) else s.${sign} * (s.${quotient} + case when s.${rank} <= s.${left} then 1 else 0 end) * ?::numeric end`;
  const withSplits = `select s.tx_id || ':' || ?::text || ':' || s.payee || case when s.overlay then ':overlay' else '' end || ':0', s.payee,
      case when s.overlay then 'overlay' else 'split' end, ?::text, 0, s.tx_id, s.object, s.pct,
      ${part('amount', 'qa', 'sa', 'ka', 'la')}, ${part('margin', 'qm', 'sm', 'km', 'lm')},
      round(coalesce(s.quantity, 0) * (s.pct / 100), 10), s.amount, s.margin, s.currency, s.fx, s.date, s.invoice_date, s.paid_date, s.reversal_date, s.product_id, s.category
    from (${ranked}) s`;
  const bSplit: unknown[] = [rule.id, rule.id, unit, unit, ...rowsB, ...window(whenB)];
  const share = (value: string) => `round(round(${value} * f.fx, 10) * (?::numeric / 100), 10)`;
  const owner = `select t.id || ':' || ?::text || ':' || t.owner_id || ':0', t.owner_id, 'direct', ?::text, 0, t.id, t.object, ?::numeric, ${share('t.amount')}, ${share('coalesce(t.margin, 0)')},
      round(coalesce(t.quantity, 0) * (?::numeric / 100), 10), t.amount, coalesce(t.margin, 0), t.currency, f.fx, t.date, t.invoice_date, t.paid_date, t.reversal_date, t.product_id, t.category
    from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f
    where (t.splits is null or jsonb_typeof(t.splits) <> 'array' or jsonb_array_length(t.splits) = 0) and t.owner_id is not null
      and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${filterSql(rule.when, 't', [], false)}`;
  const bOwner: unknown[] = [rule.id, rule.id, ...Array(4).fill(rulePct), ...window(whenB)];
  return { text: `insert into ${q('attain_incentives_credits')} (${COLUMNS}) ${withSplits} union all ${owner}`, bindings: [...bSplit, ...bOwner] };
}
