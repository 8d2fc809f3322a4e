import type { CreditingRuleDoc } from '../types.ts';
import { filterSql, type Sql } from './sql.ts';
import { currencyScale, fromUnits, quoteIdent } from '@attain/meta';
import { toBaseRateSql } from '../../fx/sql.ts';

const COLUMNS =
  'id, payee_id, kind, rule_id, level, tx_id, object, pct, amount, margin, quantity, original_amount, original_margin, currency, fx_rate, date, invoice_date, paid_date, reversal_date, product_id, category';

/**
 * Set-based crediting: one INSERT … SELECT per rule over the transactions in scope, with the same
 * arithmetic as `creditTransactions`: the converted whole round(round(value × fx, 10), s) to the
 * base currency's cent once, then a payee's share of it at pct (`baseShare`): the whole at 100%,
 * else whole × pct ÷ 100 rounded half up to the cent.
 * Roll-up credit is not materialised per transaction; it is joined from `attain_incentives_chain`.
 */
export function creditingSql(schema: string, rule: CreditingRuleDoc, baseCurrency: string, txIds: readonly string[] | null): Sql | null {
  const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(t)}`;
  const b: unknown[] = [];
  // Units of base per unit of the transaction's currency on its date, from the one rates table.
  const lookup = toBaseRateSql(schema, baseCurrency, { column: 't.currency' }, 't.date');
  const fx = `(case when t.currency = ? then 1::numeric else ${lookup.text} end)`;
  const fxB: unknown[] = [baseCurrency, ...lookup.bindings];
  const scale = currencyScale(baseCurrency);
  const rulePct = rule.pct ?? '100';
  // The select list and its bindings, in order: id, rule id, pct, amount, margin, quantity.
  const select = (payee: string, kind: string, idPayee = payee) => {
    b.push(rule.id, rule.id, rulePct, ...shareBindings(scale, rulePct), ...shareBindings(scale, rulePct), rulePct);
    return `t.id || ':' || ?::text || ':' || ${idPayee} || ':0', ${payee}, ${kind}, ?::text, 0, t.id, t.object, ?::numeric, ${baseShareSql('t.amount')}, ${baseShareSql('coalesce(t.margin, 0)')},
     round(coalesce(t.quantity, 0) * (?::numeric / 100), 10), t.amount, coalesce(t.margin, 0), t.currency, f.fx, t.date, t.invoice_date, t.paid_date, t.reversal_date, t.product_id, t.category`;
  };
  let from: string;
  let cols: string;
  let extra = 'true';
  const scope = txIds ? 't.id = any(?::text[])' : 'true';
  const head = (kind: string, payee: string) => select(payee, kind);
  switch (rule.type) {
    case 'owner':
      cols = head(`'direct'`, 't.owner_id');
      from = '';
      extra = 't.owner_id is not null';
      break;
    case 'split':
      return splitCreditingSql(q, fx, fxB, rule, baseCurrency, txIds);
    case 'team':
      cols = head(`'team'`, 'm2.user_id');
      from = `join ${q('attain_incentives_members')} m1 on m1.user_id = t.owner_id and t.date >= m1.valid_from and (m1.valid_to is null or t.date <= m1.valid_to)
        join ${q('attain_incentives_members')} m2 on m2.org_unit_id = m1.org_unit_id and t.date >= m2.valid_from and (m2.valid_to is null or t.date <= m2.valid_to)`;
      break;
    case 'overlay':
    case 'assignment': {
      const kind = rule.type === 'overlay' ? 'specialist' : 'territory';
      const key = rule.type === 'overlay' ? 't.category' : 't.customer_id';
      cols = head(rule.type === 'overlay' ? `'overlay'` : `'assignment'`, 'a.payee_id');
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

/**
 * A payee's share at pct of the converted whole rounded to the cent (`baseShare`), over `f.fx`:
 * bindings (scale, pct, scale) from `shareBindings`. At 100% it is the whole exactly.
 */
function baseShareSql(value: string, pct = '?::numeric'): string {
  return `round(round(round(${value} * f.fx, 10), ?::int) * ${pct} / 100, ?::int)`;
}
const shareBindings = (scale: number, pct: string): unknown[] => [scale, pct, scale];

/**
 * The split rule. Rows with splits credit each split row; rows without credit the owner their
 * share of the converted whole (`baseShareSql`), as an unsplit order. Primary
 * rows share round(value × fx, 10), rounded half up to the base currency's minor unit, by largest
 * remainder exactly as `splitShares` does in JS: with the percentages as integer weights
 * w = round(pct, 10) × 10^10, each row gets floor(total × w ÷ Σw) units, and the units left over
 * go one each to the rows with the largest remainders (then larger weight, then earlier row).
 * Integer div/mod keep the arithmetic exact (numeric division would round at its own scale).
 * An overlay row's credit id is tagged (as in creditTransactions): its payee may also hold a primary row.
 */
function splitCreditingSql(q: (t: string) => string, fx: string, fxB: readonly unknown[], rule: CreditingRuleDoc, baseCurrency: string, txIds: readonly string[] | null): Sql {
  const scale = currencyScale(baseCurrency);
  const perUnit = (10n ** BigInt(scale)).toString();
  const unit = fromUnits(1n, scale);
  const rulePct = rule.pct ?? '100';
  const scope = txIds ? 't.id = any(?::text[])' : 'true';
  const whenB: unknown[] = [];
  const when = filterSql(rule.when, 't', whenB, false);
  // The rate lookup's bindings (in the lateral join), then the scope, the rule's dates and its filter.
  const window = (b: unknown[]) => [...fxB, ...(txIds ? [txIds] : []), rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null, ...b];
  const afterFx = (b: unknown[]) => window(b).slice(fxB.length);
  const total = (value: string) => `round(round(${value} * f.fx, 10), ?::int)`;
  // Per transaction (a lateral subquery over its own few split rows, so no table-wide sort):
  // weights, the floors and remainders, and the leftover units to the largest remainders.
  const parts = `select r.*,
        r.qa + case when row_number() over (partition by r.overlay order by r.ra desc, r.w desc, r.ord) <= r.ta - sum(case when r.overlay then 0 else r.qa end) over () then 1 else 0 end as pa,
        r.qm + case when row_number() over (partition by r.overlay order by r.rm desc, r.w desc, r.ord) <= r.tm - sum(case when r.overlay then 0 else r.qm end) over () then 1 else 0 end as pm
      from (select p.*, div(p.ta * p.w, p.sw) as qa, mod(p.ta * p.w, p.sw) as ra, div(p.tm * p.w, p.sw) as qm, mod(p.tm * p.w, p.sw) as rm
        from (select e.ord, e.v->>'payeeId' as payee, (e.v->>'pct')::numeric as pct, coalesce((e.v->>'overlay')::boolean, false) as overlay,
            round((e.v->>'pct')::numeric, 10) * 10000000000 as w,
            sum(case when coalesce((e.v->>'overlay')::boolean, false) then 0 else round((e.v->>'pct')::numeric, 10) * 10000000000 end) over () as sw,
            abs(${total('t.amount')}) * ?::numeric as ta, abs(${total('coalesce(t.margin, 0)')}) * ?::numeric as tm
          from jsonb_array_elements(t.splits) with ordinality as e(v, ord)) p) r`;
  // An overlay row comes on top of the whole: its own share of the rounded whole, as `baseShare`.
  const part = (value: string, units: string) =>
    `case when s.overlay then round(round(round(${value} * f.fx, 10), ?::int) * s.pct / 100, ?::int) else sign(${total(value)}) * s.${units} * ?::numeric end`;
  const withSplits = `select t.id || ':' || ?::text || ':' || s.payee || case when s.overlay then ':overlay' else '' end || ':0', s.payee,
      case when s.overlay then 'overlay' else 'split' end, ?::text, 0, t.id, t.object, s.pct,
      ${part('t.amount', 'pa')}, ${part('coalesce(t.margin, 0)', 'pm')},
      round(coalesce(t.quantity, 0) * (s.pct / 100), 10), t.amount, coalesce(t.margin, 0), t.currency, f.fx, t.date, t.invoice_date, t.paid_date, t.reversal_date, t.product_id, t.category
    from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f cross join lateral (${parts}) s
    where jsonb_typeof(t.splits) = 'array' and jsonb_array_length(t.splits) > 0
      and (select coalesce(sum((x->>'pct')::numeric), 0) from jsonb_array_elements(t.splits) x where not coalesce((x->>'overlay')::boolean, false)) = 100
      and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${when}`;
  const bSplit: unknown[] = [rule.id, rule.id, scale, scale, scale, unit, scale, scale, scale, unit, ...fxB, scale, perUnit, scale, perUnit, ...afterFx(whenB)];
  const owner = `select t.id || ':' || ?::text || ':' || t.owner_id || ':0', t.owner_id, 'direct', ?::text, 0, t.id, t.object, ?::numeric, ${baseShareSql('t.amount')}, ${baseShareSql('coalesce(t.margin, 0)')},
      round(coalesce(t.quantity, 0) * (?::numeric / 100), 10), t.amount, coalesce(t.margin, 0), t.currency, f.fx, t.date, t.invoice_date, t.paid_date, t.reversal_date, t.product_id, t.category
    from ${q('attain_incentives_transactions')} t cross join lateral (select ${fx} as fx) f
    where (t.splits is null or jsonb_typeof(t.splits) <> 'array' or jsonb_array_length(t.splits) = 0) and t.owner_id is not null
      and f.fx is not null and ${scope} and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${filterSql(rule.when, 't', [], false)}`;
  const bOwner: unknown[] = [rule.id, rule.id, rulePct, ...shareBindings(scale, rulePct), ...shareBindings(scale, rulePct), rulePct, ...window(whenB)];
  return { text: `insert into ${q('attain_incentives_credits')} (${COLUMNS}) ${withSplits} union all ${owner}`, bindings: [...bSplit, ...bOwner] };
}
