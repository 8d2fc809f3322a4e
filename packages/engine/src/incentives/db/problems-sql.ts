// Calculation problems found by the database, with the same meaning and wording as the pure
// calculation's (problems.ts): transactions without a rate for their currency and split rows not
// totalling 100% are found when they are credited; credits a plan paying in another currency
// leaves out for want of a rate are found when the payees reading them are computed.
import type { ModuleHandle } from '@attain/store';
import { dec } from '../decimal.ts';
import { periodEnd } from '../periods.ts';
import { fxMissingMessage, planFxMessage, sortProblems, splitTotalMessage } from '../problems.ts';
import type { CalcProblem, CreditingRuleDoc, IncentivePlanDoc } from '../types.ts';
import { insertJson } from './rows.ts';
import { filterSql } from './sql.ts';
import { convertSql, type Scope } from './totals-sql.ts';
import { quoteIdent } from '@attain/meta';
import { firstBaseRateSql, hasBaseRateSql } from '../../fx/sql.ts';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

const PROBLEM_TYPES = { code: 'text', tx_id: 'text', rule_id: 'text', plan_id: 'text', payee_id: 'text', rule: 'text', date: 'date', currency: 'text', message: 'text' } as const;
const CREDITING_CODES = ['fx_missing', 'split_total'];

const table = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${name}`)}`;

function problemRow(p: CalcProblem): Row {
  return { code: p.code, tx_id: p.txId, rule_id: p.ruleId, plan_id: p.planId ?? '', payee_id: p.payeeId ?? '', rule: p.rule, date: p.date, currency: p.currency ?? null, message: p.message };
}

async function write(trx: Knex, schema: string, problems: CalcProblem[]): Promise<void> {
  await insertJson(trx, table(schema, 'problems'), problems.map(problemRow), { ...PROBLEM_TYPES }, '(code, tx_id, rule_id, plan_id, payee_id) do nothing');
}

/**
 * Replaces the crediting problems of the given transactions (all when null): in the transaction
 * that recredits them, so problems and credits never disagree.
 */
export async function refreshCreditingProblems(trx: Knex, schema: string, rules: readonly CreditingRuleDoc[], base: string, txIds: readonly string[] | null): Promise<void> {
  const tx = table(schema, 'transactions');
  const has = hasBaseRateSql(schema, base, 't.currency', 't.date');
  const scope = txIds ? 't.id = any(?::text[])' : 'true';
  const scoped = txIds ? [txIds] : [];
  await trx.raw(`delete from ${table(schema, 'problems')} where code = any(?::text[]) ${txIds ? 'and tx_id = any(?::text[])' : ''}`, [CREDITING_CODES, ...scoped] as never[]);
  const rated = `(t.currency = ? or ${has.text})`;
  const ratedB = [base, ...has.bindings];
  const found: CalcProblem[] = [];
  const unrated = (await trx.raw(`select t.id, t.currency, t.date::text as date from ${tx} t where not ${rated} and ${scope}`, [...ratedB, ...scoped] as never[])).rows as Row[];
  for (const r of unrated)
    found.push({ code: 'fx_missing', txId: text(r.id), ruleId: '', rule: '', date: text(r.date), currency: text(r.currency), message: fxMissingMessage(text(r.currency), text(r.date), base) });
  // As crediting: a split rule in effect on the day whose filter matches, and a rate for the currency.
  for (const rule of rules.filter((r) => r.type === 'split')) {
    const whenB: unknown[] = [];
    const when = filterSql(rule.when, 't', whenB, false);
    const rows = (
      await trx.raw(
        `select s.id, s.date, s.total::text as total from (
         select t.id, t.date::text as date, (select coalesce(sum((e->>'pct')::numeric), 0) from jsonb_array_elements(t.splits) e where not coalesce((e->>'overlay')::boolean, false)) as total
           from ${tx} t where jsonb_typeof(t.splits) = 'array' and jsonb_array_length(t.splits) > 0 and ${rated} and ${scope}
             and t.date >= ?::date and (?::date is null or t.date <= ?::date) and ${when}) s
       where s.total <> 100`,
        [...ratedB, ...scoped, rule.effectiveFrom, rule.effectiveTo ?? null, rule.effectiveTo ?? null, ...whenB] as never[],
      )
    ).rows as Row[];
    for (const r of rows) found.push({ code: 'split_total', txId: text(r.id), ruleId: rule.id, rule: rule.name, date: text(r.date), message: splitTotalMessage(dec(text(r.total))) });
  }
  await write(trx, schema, found);
}

/**
 * Credits of the given payees in a scope whose plan pays in a currency without a rate on the
 * credit's date: their own credits and those rolled up to them, in the scope's date range.
 */
export async function planFxProblems(knex: Knex, schema: string, plan: IncentivePlanDoc, s: Scope, payees: readonly string[]): Promise<CalcProblem[]> {
  const fx = convertSql(schema, s);
  if (!fx || !payees.length) return [];
  const rule = s.version.fxRule ?? 'transaction_date';
  // Rates hold from their date on: at transaction-date rates only credits dated before the
  // currency's first rate can lack one (a period rule reads other days: no shortcut).
  const firstSql = firstBaseRateSql(schema, s.base, s.currency);
  const first = rule === 'transaction_date' && s.currency !== s.base ? ((await knex.raw(firstSql.text, firstSql.bindings as never[])).rows as Row[])[0]?.d : undefined;
  const before = first ? { text: ' and cr.date < ?::date', bindings: [text(first)] } : { text: '', bindings: [] as unknown[] };
  const credits = table(schema, 'credits');
  const chain = table(schema, 'chain');
  const timing = s.version.payoutTiming === 'invoice' ? 'cr.invoice_date' : s.version.payoutTiming === 'payment' ? 'cr.paid_date' : 'cr.date';
  const inRange = `((${timing} between ?::date and ?::date) or (${timing} is null and cr.date between ?::date and ?::date))`;
  const range = [s.range.from, s.range.to, s.range.from, s.range.to];
  const rows = (
    await knex.raw(
      `select distinct u.payee_id, u.tx_id, u.date::text as date, u.currency from (
       select cr.payee_id, cr.tx_id, cr.date, cr.currency from ${credits} cr${fx.join.text} where x.fxp is null${before.text} and ${inRange} and cr.payee_id = any(?::text[])
       union all
       select ch.manager_id, cr.tx_id, cr.date, cr.currency from ${credits} cr join ${chain} ch on ch.payee_id = cr.payee_id and cr.date >= ch.valid_from and (ch.valid_to is null or cr.date <= ch.valid_to)${fx.join.text}
         where x.fxp is null${before.text} and cr.kind in ('direct', 'split', 'assignment') and ${inRange} and ch.manager_id = any(?::text[])) u`,
      [...fx.join.bindings, ...before.bindings, ...range, payees, ...fx.join.bindings, ...before.bindings, ...range, payees] as never[],
    )
  ).rows as Row[];
  if (s.currency === s.base) {
    // A plan in the base currency converting at a period rate: the transaction's currency lacks a rate on the period's days.
    const day = rule === 'period_end' ? periodEnd(s.period, s.calendar) : '';
    return rows.map((r) => ({
      code: 'plan_fx_missing',
      txId: text(r.tx_id),
      ruleId: '',
      rule: '',
      date: text(r.date),
      currency: text(r.currency),
      planId: plan.id,
      payeeId: text(r.payee_id),
      message: `${fxMissingMessage(text(r.currency), day || (rule === 'period_average' ? `every day of ${s.period}` : text(r.date)), s.base)}: plan "${plan.name}" converts at the ${rule.replace('_', ' ')} rate, so this credit is left out of it`,
    }));
  }
  return rows.map((r) => ({
    code: 'plan_fx_missing',
    txId: text(r.tx_id),
    ruleId: '',
    rule: '',
    date: text(r.date),
    currency: s.currency,
    planId: plan.id,
    payeeId: text(r.payee_id),
    message: planFxMessage(plan, s.currency, text(r.date)),
  }));
}

/** Replaces the per-payee problems of a run (plan currency, plans not computable for a payee) of its payees (all when null), in one transaction. */
export async function replacePayeeProblems(knex: Knex, schema: string, payees: readonly string[] | null, problems: CalcProblem[]): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(
      `delete from ${table(schema, 'problems')} where code in ('plan_fx_missing', 'plan_calc_failed') ${payees ? 'and payee_id = any(?::text[])' : ''}`,
      (payees ? [payees] : []) as never[],
    );
    if (problems.length) await write(trx, schema, problems);
  });
}

/** Stored problems, optionally of some transactions or payees (a payee sees the plan-currency ones naming them). */
export async function readProblems(knex: Knex, schema: string, filter: { txIds?: readonly string[]; codes?: readonly string[] } = {}): Promise<CalcProblem[]> {
  const where: string[] = [];
  const b: unknown[] = [];
  if (filter.txIds) {
    where.push('tx_id = any(?::text[])');
    b.push(filter.txIds);
  }
  if (filter.codes) {
    where.push('code = any(?::text[])');
    b.push(filter.codes);
  }
  const rows = (
    await knex.raw(
      `select code, tx_id, rule_id, plan_id, payee_id, rule, date::text as date, currency, message from ${table(schema, 'problems')} ${where.length ? `where ${where.join(' and ')}` : ''}`,
      b as never[],
    )
  ).rows as Row[];
  return sortProblems(
    rows.map((r) => ({
      code: text(r.code) as CalcProblem['code'],
      txId: text(r.tx_id),
      ruleId: text(r.rule_id),
      rule: text(r.rule),
      date: text(r.date),
      ...(r.currency === null ? {} : { currency: text(r.currency) }),
      ...(r.plan_id ? { planId: text(r.plan_id) } : {}),
      ...(r.payee_id ? { payeeId: text(r.payee_id) } : {}),
      message: text(r.message),
    })),
  );
}

/** Replaces the stored plan_invalid problems: one per plan the last run had to set aside. */
export async function replacePlanProblems(knex: Knex, schema: string, problems: CalcProblem[]): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`delete from ${table(schema, 'problems')} where code = 'plan_invalid'`);
    if (problems.length) await write(trx, schema, problems);
  });
}
