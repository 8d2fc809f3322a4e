// Transactions in, credits out: transactions and inputs written, the org projected from the org
// service (members, units, the roll-up chain), set-based crediting in SQL, and the materialised
// measure totals kept in step with the credits.
import { quoteIdent } from '@attain/meta';
import type { Actor } from '@attain/store';
import { planCurrency } from '../currency.ts';
import type { InputValue } from '../calculate.ts';
import { FxRateService } from '../../fx/service.ts';
import { lintSplits } from '../linter.ts';
import { OrgHistory } from '../org.ts';
import { addDays } from '../periods.ts';
import type { IncentivePlanDoc, Membership, OrgUnit, Transaction } from '../types.ts';
import { listSummary } from './audit-notes.ts';
import { creditingSql } from './crediting-sql.ts';
import type { IncentiveEngine } from './engine.ts';
import { dateText, runSql, text, type EngineCore, type Knex, type Row } from './engine-core.ts';
import { IncentiveError } from './errors.ts';
import { syncOrdersFromRecords } from './order-map.ts';
import type { RunStats } from './period-flow.ts';
import { refreshCreditingProblems } from './problems-sql.ts';
import { rebuildDerived } from './role-store.ts';
import { TX_TYPES, insertJson, txRow } from './rows.ts';
import { deltaSql, materializeSql, scope as scopeOf, type Scope } from './totals-sql.ts';

export class CreditingService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /** Enters rates to the base currency (units of base per unit of `currency` from `date` on) in the tenant's rates table. */
  async setFx(rates: Array<{ currency: string; date: string; rate: string; to?: string }>, actor: { userId: string | null; label?: string } = { userId: null, label: 'system' }): Promise<void> {
    await this.core.ensure();
    const base = this.core.baseCurrency;
    const list = rates.filter((r) => r.currency !== (r.to ?? base)).map((r, i) => ({ row: i + 1, values: { from: r.currency, to: r.to ?? base, rate: r.rate, effectiveFrom: r.date } }));
    if (list.length) await new FxRateService(this.core.store, this.core.tenant).importRows(list, actor);
  }

  /**
   * Rates changed (entered, replaced, removed, imported): the transactions in those currencies from
   * the first day changed are recredited and their payees recomputed, so a credit never keeps a rate
   * that is gone and a transaction left out for want of one comes back; totals of plans paying in
   * another currency convert at read time, so they are rebuilt.
   */
  async onRatesChanged(change: { currencies: readonly string[]; from: string }): Promise<RunStats | null> {
    await this.core.ensure();
    const { knex, t, port } = await this.core.db();
    const base = this.core.baseCurrency;
    const currencies = change.currencies.filter((c) => c !== base);
    const converted = (await this.engine.plans()).filter((p) => planCurrency(p, base) !== base).map((p) => p.id);
    if (converted.length) {
      await knex.transaction(async (trx) => {
        await this.core.lock(trx);
        const scopes = port.table('total_scopes', trx).whereIn('plan_id', converted).select('scope');
        await port.table('totals', trx).whereIn('scope', scopes).delete();
        await port.table('total_scopes', trx).whereIn('plan_id', converted).delete();
      });
    }
    // A rate between two currencies neither of which is the base changes nothing here (cross rates go via the base).
    const involvesBase = change.currencies.includes(base);
    const txIds =
      involvesBase && currencies.length
        ? ((await knex.raw(`select id from ${t('transactions')} where currency = any(?::text[]) and date >= ?::date order by id`, [currencies, change.from])).rows as Row[]).map((r) => text(r.id))
        : [];
    if (txIds.length) return this.engine.recomputeTransactions(txIds);
    return converted.length ? this.engine.recompute({}) : null;
  }

  /** Upserts per-person inputs (targets, scores); `by`: who puts them (audited in the same transaction). */
  async setInputs(values: InputValue[], by?: Actor): Promise<void> {
    const { knex, t } = await this.core.db();
    await knex.transaction(async (trx) => {
      await insertJson(
        trx,
        t('inputs'),
        values.map((v) => ({ payee_id: v.payeeId, period: v.period, name: v.name, value: v.value })),
        { payee_id: 'text', period: 'text', name: 'text', value: 'numeric' },
        '(payee_id, period, name) do update set value = excluded.value',
      );
      await this.core.audit(by, { action: 'incentives.inputs.update', object: 'incentive_input', after: listSummary(values) }, trx);
    });
  }

  /** Stores the effective-dated org and rebuilds the roll-up chain spans of every roll-up rule. */
  async setOrg(memberships: Membership[], units: OrgUnit[]): Promise<void> {
    const { knex, t, schema } = await this.core.db();
    // An org given by hand is no longer the org service's version.
    await knex.raw(`delete from ${t('docs')} where id = '#org_sync' and kind = 'org_sync'`);
    const org = new OrgHistory(memberships, units);
    const rules = (await this.engine.rules()).filter((r) => r.type === 'rollup');
    const chain: Row[] = [];
    for (const rule of rules) {
      const levels = rule.levels ?? [];
      for (const span of org.chainSpans(levels.length)) {
        const from = span.from > rule.effectiveFrom ? span.from : rule.effectiveFrom;
        const to = !rule.effectiveTo ? span.to : !span.to || span.to > rule.effectiveTo ? rule.effectiveTo : span.to;
        if (to && to < from) continue;
        chain.push({ payee_id: span.userId, level: span.level, manager_id: span.managerId, rule_id: rule.id, pct: levels[span.level - 1]?.pct ?? '0', valid_from: from, valid_to: to });
      }
    }
    await knex.transaction(async (trx) => {
      await this.core.lock(trx);
      await trx.raw(`delete from ${t('members')}`);
      await trx.raw(`delete from ${t('units')}`);
      await trx.raw(`delete from ${t('chain')}`);
      // Roll-up totals depend on the chain: they are rebuilt on the next run.
      await trx.raw(`delete from ${t('totals')}`);
      await trx.raw(`delete from ${t('total_scopes')}`);
      // Someone in no unit is nobody's teammate (their manager still gets the roll-up).
      await insertJson(
        trx,
        t('members'),
        memberships.filter((m) => m.orgUnitId).map((m) => ({ user_id: m.userId, org_unit_id: m.orgUnitId, valid_from: m.from, valid_to: m.to ?? null })),
        { user_id: 'text', org_unit_id: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await insertJson(trx, t('chain'), chain, { payee_id: 'text', level: 'integer', manager_id: 'text', rule_id: 'text', pct: 'numeric', valid_from: 'date', valid_to: 'date' });
      // Role assignments by subtree read one tree: the units as they stand today (the chain above is dated).
      await insertJson(
        trx,
        t('units'),
        currentUnits(units).map((u) => ({ id: u.id, parent_id: u.parentId ?? null, head_id: u.headId ?? null })),
        { id: 'text', parent_id: 'text', head_id: 'text' },
      );
      // Role assignments restricted to a subtree follow the org.
      await rebuildDerived(trx, schema);
    });
    await knex.raw(`analyze ${t('chain')}`);
    await knex.raw(`analyze ${t('members')}`);
  }

  /**
   * Takes the org from the tenant's effective-dated org service (memberships with their managers,
   * units with their parents and heads over time) and rebuilds the roll-up chain from it. The
   * engine's member, unit and chain tables are a projection of the service, rebuilt on every org
   * change event and before every full recalculation; a tenant without a user object keeps the
   * org it was given with `setOrg`.
   */
  async syncOrg(opts: { force?: boolean } = {}): Promise<boolean> {
    const registry = await this.core.store.registry(this.core.tenant);
    if (!registry.object('user')) return false;
    const org = await this.core.store.org(this.core.tenant);
    // The projection records the org version it was built from; unchanged, there is nothing to do.
    const { knex, t } = await this.core.db();
    const version = await org.version();
    const synced = ((await knex.raw(`select doc from ${t('docs')} where id = '#org_sync' and kind = 'org_sync'`)).rows as Array<{ doc: { version?: number } }>)[0]?.doc.version;
    if (!opts.force && synced === version) return true;
    const last = (to: string | null) => (to ? addDays(to, -1) : null);
    const memberships = (await org.memberships()).map((m) => ({ userId: m.user_id, orgUnitId: m.org_unit_id ?? '', managerId: m.manager_id, from: m.valid_from, to: last(m.valid_to) }));
    const units = (await org.unitHistory()).map((u) => ({ id: u.unit_id, parentId: u.parent_id, headId: u.head_id, from: u.valid_from, to: last(u.valid_to) }));
    await this.setOrg(
      memberships.filter((m) => m.to === null || m.to >= m.from),
      units.filter((u) => u.to === null || u.to >= u.from),
    );
    await knex.raw(`insert into ${t('docs')} (id, kind, doc, updated_at) values ('#org_sync', 'org_sync', ?::jsonb, now()) on conflict (id) do update set doc = excluded.doc, updated_at = now()`, [
      JSON.stringify({ version }),
    ]);
    return true;
  }

  /** See order-map.ts: every live order record mapped to transactions, as record events would. */
  async syncOrdersFromRecords(today?: string): Promise<string[]> {
    return syncOrdersFromRecords(this.engine, today);
  }

  async upsertTransactions(txs: Transaction[]): Promise<void> {
    for (const tx of txs) {
      if (tx.splits) {
        const issues = lintSplits(tx.splits);
        if (issues.length) throw new IncentiveError(422, 'split_invalid', `transaction ${tx.id}: ${issues[0]?.message}`, issues);
      }
    }
    const { knex, t } = await this.core.db();
    await insertJson(
      knex,
      t('transactions'),
      txs.map(txRow),
      TX_TYPES,
      `(id) do update set ${Object.keys(TX_TYPES)
        .filter((k) => k !== 'id')
        .map((k) => `${k} = excluded.${k}`)
        .join(', ')}`,
    );
  }

  /**
   * (Re)credits all transactions, or only the given ones. A partial recredit moves the measure
   * totals by the delta of the old and new credits in the same transaction; a full one drops them.
   */
  async credit(txIds: readonly string[] | null = null): Promise<void> {
    await this.core.ensure();
    const { knex, t, schema } = await this.core.db();
    const rules = await this.engine.rules();
    const plans = txIds ? await this.engine.plans() : [];
    await knex.transaction(async (trx) => {
      await this.core.lock(trx);
      const scopes = txIds ? await this.liveScopes(trx, plans) : [];
      if (txIds) {
        for (const s of scopes) await runSql(trx, deltaSql(schema, s, txIds, -1));
        await trx.raw(`delete from ${t('credits')} where tx_id = any(?::text[])`, [txIds as string[]]);
      } else {
        // Bulk path: the table is emptied and its indexes are built once after the load instead
        // of row by row (a killed run rolls all of it back, the old credits included).
        await trx.raw(`set local maintenance_work_mem = '256MB'`);
        await trx.raw(`truncate ${t('credits')}, ${t('totals')}, ${t('total_scopes')}`);
        await trx.raw(`alter table ${t('credits')} drop constraint if exists attain_incentives_credits_pkey`);
        await trx.raw(`drop index if exists ${quoteIdent(schema)}."attain_incentives_credits_payee_id_date_index"`);
      }
      for (const rule of [...rules].sort((a, b) => a.id.localeCompare(b.id))) {
        const sql = creditingSql(schema, rule, this.core.baseCurrency, txIds);
        if (sql) await runSql(trx, sql);
      }
      await refreshCreditingProblems(trx, schema, rules, this.core.baseCurrency, txIds);
      if (txIds) for (const s of scopes) await runSql(trx, deltaSql(schema, s, txIds, 1));
      else {
        await trx.raw(`alter table ${t('credits')} add constraint attain_incentives_credits_pkey primary key (tx_id, id)`);
        await trx.raw(`create index "attain_incentives_credits_payee_id_date_index" on ${t('credits')} (payee_id, date)`);
      }
    });
    // A full recredit rewrites the table: fresh statistics keep the measure joins on hash plans.
    if (!txIds) await knex.raw(`analyze ${t('credits')}`);
  }

  /** The materialised total scopes that still match their plan version; stale ones are dropped. */
  private async liveScopes(trx: Knex, plans: readonly IncentivePlanDoc[]): Promise<Scope[]> {
    const { t } = await this.core.db();
    const { calendar, baseCurrency } = this.core;
    const rows = (await trx.raw(`select scope, plan_id, version, period, ignore_clawback, range_from, range_to from ${t('total_scopes')} order by scope`)).rows as Row[];
    const live: Scope[] = [];
    const stale: string[] = [];
    for (const r of rows) {
      const plan = plans.find((p) => p.id === r.plan_id);
      const version = plan?.versions.find((v) => v.version === Number(r.version));
      const range = r.range_from && r.range_to ? { from: dateText(r.range_from) ?? '', to: dateText(r.range_to) ?? '' } : undefined;
      const s = plan && version && range ? scopeOf(text(r.plan_id), version, text(r.period), r.ignore_clawback === true, range, calendar, planCurrency(plan, baseCurrency), baseCurrency) : null;
      if (s && s.key === r.scope) live.push(s);
      else stale.push(text(r.scope));
    }
    if (stale.length) {
      await trx.raw(`delete from ${t('totals')} where scope = any(?::text[])`, [stale]);
      await trx.raw(`delete from ${t('total_scopes')} where scope = any(?::text[])`, [stale]);
    }
    return live;
  }

  /** Builds the totals of scopes not materialised yet (after a full recredit, an org or plan change). */
  async materialize(scopes: readonly Scope[]): Promise<void> {
    const { knex, t, schema } = await this.core.db();
    const have = new Set(((await knex.raw(`select scope from ${t('total_scopes')} where scope = any(?::text[])`, [scopes.map((s) => s.key)])).rows as Row[]).map((r) => text(r.scope)));
    for (const s of scopes) {
      if (have.has(s.key)) continue;
      await knex.transaction(async (trx) => {
        await this.core.lock(trx);
        if (((await trx.raw(`select 1 from ${t('total_scopes')} where scope = ?`, [s.key])).rows as Row[]).length) return;
        await trx.raw(`delete from ${t('totals')} where scope = ?`, [s.key]);
        await runSql(trx, materializeSql(schema, s));
        await trx.raw(`insert into ${t('total_scopes')} (scope, plan_id, version, period, ignore_clawback, range_from, range_to) values (?, ?, ?, ?, ?, ?, ?)`, [
          s.key,
          s.planId,
          s.version.version,
          s.period,
          s.ignore,
          s.range.from,
          s.range.to,
        ]);
      });
      have.add(s.key);
    }
  }
}

/** One span per unit: the one holding today, else the latest. */
function currentUnits(units: readonly OrgUnit[]): OrgUnit[] {
  const today = new Date().toISOString().slice(0, 10);
  const by = new Map<string, OrgUnit>();
  for (const u of [...units].sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''))) {
    const held = by.get(u.id);
    if (!held || (u.from ?? '') <= today) by.set(u.id, u);
  }
  return [...by.values()];
}
