import type { TenantModule } from '@attain/store';
import { quoteIdent } from '@attain/meta';

type Trx = Parameters<TenantModule['migrations'][number]['up']>[0];

/** The incentive tables' short names (`docs` is `attain_incentives_docs`), as the module's data port names them. */
export type IncentiveTable =
  | 'docs'
  | 'transactions'
  | 'credits'
  | 'chain'
  | 'members'
  | 'units'
  | 'assignments'
  | 'role_assignments'
  | 'roles'
  | 'inputs'
  | 'periods'
  | 'lines'
  | 'payouts'
  | 'disputes'
  | 'totals'
  | 'total_scopes'
  | 'problems'
  | 'frozen_periods'
  | 'frozen_credits'
  | 'frozen_chain'
  | 'frozen_transactions'
  | 'frozen_rows';

/** Incentive tables in each tenant schema. Money columns are exact numerics. */
export const INCENTIVES_MODULE: TenantModule<IncentiveTable> = {
  name: 'incentives',
  tables: [
    'docs',
    'transactions',
    'credits',
    'chain',
    'members',
    'units',
    'assignments',
    'role_assignments',
    'roles',
    'inputs',
    'periods',
    'lines',
    'payouts',
    'disputes',
    'totals',
    'total_scopes',
    'problems',
    'frozen_periods',
    'frozen_credits',
    'frozen_chain',
    'frozen_transactions',
    'frozen_rows',
  ],
  migrations: [
    {
      version: 1,
      async up(trx: Trx, schema: string) {
        const has = (t: string) => trx.schema.withSchema(schema).hasTable(t);
        if (!(await has('attain_incentives_docs'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_docs', (t) => {
            t.text('id').primary();
            t.text('kind').notNullable();
            t.jsonb('doc').notNullable();
            t.timestamp('updated_at', { useTz: true }).notNullable();
          });
        }
        if (!(await has('attain_incentives_transactions'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_transactions', (t) => {
            t.text('id').primary();
            t.text('object').notNullable();
            t.text('owner_id');
            t.text('customer_id');
            t.text('product_id');
            t.text('category');
            t.date('date').notNullable();
            t.date('invoice_date');
            t.date('paid_date');
            t.date('reversal_date');
            t.decimal('amount', null).notNullable();
            t.text('currency').notNullable();
            t.decimal('margin', null);
            t.decimal('quantity', null);
            t.text('status');
            t.jsonb('splits');
          });
        }
        if (!(await has('attain_incentives_credits'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_credits', (t) => {
            t.text('id').primary();
            t.text('payee_id').notNullable();
            t.text('kind').notNullable();
            t.text('rule_id').notNullable();
            t.integer('level').notNullable();
            t.text('tx_id').notNullable();
            t.text('object').notNullable();
            t.decimal('pct', null).notNullable();
            t.decimal('amount', null).notNullable();
            t.decimal('margin', null).notNullable();
            t.decimal('quantity', null).notNullable();
            t.decimal('original_amount', null).notNullable();
            t.text('currency').notNullable();
            t.decimal('fx_rate', null).notNullable();
            t.date('date').notNullable();
            t.date('invoice_date');
            t.date('paid_date');
            t.date('reversal_date');
            t.text('product_id');
            t.text('category');
            t.index(['payee_id', 'date']);
            t.index(['tx_id']);
          });
        }
        if (!(await has('attain_incentives_chain'))) {
          // Roll-up spans: credits of payee_id dated within [valid_from, valid_to] roll up to manager_id at pct.
          await trx.schema.withSchema(schema).createTable('attain_incentives_chain', (t) => {
            t.text('payee_id').notNullable();
            t.integer('level').notNullable();
            t.text('manager_id').notNullable();
            t.text('rule_id').notNullable();
            t.decimal('pct', null).notNullable();
            t.date('valid_from').notNullable();
            t.date('valid_to');
            t.index(['payee_id']);
            t.index(['manager_id']);
          });
        }
        if (!(await has('attain_incentives_members'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_members', (t) => {
            t.text('user_id').notNullable();
            t.text('org_unit_id').notNullable();
            t.date('valid_from').notNullable();
            t.date('valid_to');
            t.index(['org_unit_id']);
          });
        }
        if (!(await has('attain_incentives_assignments'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_assignments', (t) => {
            t.text('id').primary();
            t.text('kind').notNullable();
            t.text('payee_id').notNullable();
            t.text('key').notNullable();
            t.date('valid_from').notNullable();
            t.date('valid_to');
          });
        }
        if (!(await has('attain_incentives_fx'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_fx', (t) => {
            t.text('currency').notNullable();
            t.date('date').notNullable();
            t.decimal('rate', null).notNullable();
            t.primary(['currency', 'date']);
          });
        }
        if (!(await has('attain_incentives_inputs'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_inputs', (t) => {
            t.text('payee_id').notNullable();
            t.text('period').notNullable();
            t.text('name').notNullable();
            t.decimal('value', null).notNullable();
            t.primary(['payee_id', 'period', 'name']);
          });
        }
        if (!(await has('attain_incentives_periods'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_periods', (t) => {
            t.text('period').primary();
            t.text('status').notNullable();
            t.text('updated_by');
            t.timestamp('updated_at', { useTz: true }).notNullable();
          });
        }
        if (!(await has('attain_incentives_lines'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_lines', (t) => {
            t.text('payee_id').notNullable();
            t.text('period').notNullable();
            t.text('key').notNullable();
            t.text('plan_id').notNullable();
            t.integer('plan_version').notNullable();
            t.text('component');
            t.text('kind').notNullable();
            t.decimal('amount', null).notNullable();
            t.decimal('points', null).notNullable();
            t.text('currency').notNullable();
            t.jsonb('trace').notNullable();
            t.text('run_id').notNullable();
            t.primary(['payee_id', 'period', 'key']);
          });
        }
        if (!(await has('attain_incentives_payouts'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_payouts', (t) => {
            t.text('payee_id').notNullable();
            t.text('period').notNullable();
            t.text('plan_id').notNullable();
            t.text('currency').notNullable();
            t.decimal('earned', null).notNullable();
            t.decimal('adjustments', null).notNullable();
            t.decimal('draw_advance', null).notNullable();
            t.decimal('recovery', null).notNullable();
            t.decimal('payout', null).notNullable();
            t.decimal('points', null).notNullable();
            t.decimal('balance_after', null).notNullable();
            t.text('run_id').notNullable();
            t.primary(['payee_id', 'period', 'plan_id']);
          });
        }
        if (!(await has('attain_incentives_disputes'))) {
          await trx.schema.withSchema(schema).createTable('attain_incentives_disputes', (t) => {
            t.text('id').primary();
            t.text('payee_id').notNullable();
            t.text('period').notNullable();
            t.text('line_key').notNullable();
            t.text('reason').notNullable();
            t.text('status').notNullable();
            t.text('resolution');
            t.decimal('amount', null);
            t.text('created_by');
            t.timestamp('created_at', { useTz: true }).notNullable();
            t.text('resolved_by');
            t.timestamp('resolved_at', { useTz: true });
          });
        }
      },
    },
    {
      version: 2,
      async up(trx: Trx, schema: string) {
        const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
        // Credits are looked up by transaction: the key leads with tx_id, so no second tx_id index.
        await trx.raw(`alter table ${q('credits')} drop constraint if exists attain_incentives_credits_pkey`);
        await trx.raw(`drop index if exists ${quoteIdent(schema)}."attain_incentives_credits_tx_id_index"`);
        await trx.raw(`alter table ${q('credits')} add constraint attain_incentives_credits_pkey primary key (tx_id, id)`);
        // Measure totals per scope (plan version, period, clawback mode) and payee; see totals-sql.ts.
        await trx.raw(
          `create table if not exists ${q('total_scopes')} (scope text primary key, plan_id text not null, version integer not null, period text not null, ignore_clawback boolean not null)`,
        );
        await trx.raw(
          `create table if not exists ${q('totals')} (scope text not null, payee_id text not null, vals numeric[] not null, cnts bigint[] not null, n bigint not null, primary key (scope, payee_id))`,
        );
      },
    },
    {
      version: 3,
      async up(trx: Trx, schema: string) {
        const q = `${quoteIdent(schema)}."attain_incentives_disputes"`;
        // The disputed line's plan, component and currency (kept: the line may be recomputed away),
        // the amount the rep claims, and the period an accepted amount is booked in (fixed once).
        for (const col of ['plan_id text', 'plan_version integer', 'component text', 'currency text', 'claimed_amount numeric', 'posted_period text']) {
          await trx.raw(`alter table ${q} add column if not exists ${col}`);
        }
      },
    },
    {
      version: 4,
      async up(trx: Trx, schema: string) {
        const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
        // Plan-currency conversion starts from the transaction's own margin.
        await trx.raw(`alter table ${q('credits')} add column if not exists original_margin numeric`);
        // A scope's credit date range: a period, one version's days of it, or a plan period to date.
        await trx.raw(`alter table ${q('total_scopes')} add column if not exists range_from date`);
        await trx.raw(`alter table ${q('total_scopes')} add column if not exists range_to date`);
        // Plan assignments derived from a role assignment carry it (null: the person is named).
        await trx.raw(`alter table ${q('assignments')} add column if not exists via jsonb`);
        await trx.raw(
          `create table if not exists ${q('role_assignments')} (id text primary key, plan_id text not null, role text not null, org_unit_id text, valid_from date not null, valid_to date)`,
        );
        // Who held which role when, as observed from the users' role field.
        await trx.raw(`create table if not exists ${q('roles')} (user_id text not null, role text not null, valid_from date not null, valid_to date, primary key (user_id, valid_from))`);
        await trx.raw(`create table if not exists ${q('units')} (id text primary key, parent_id text, head_id text)`);
      },
    },
    {
      version: 5,
      async up(trx: Trx, schema: string) {
        const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
        // A transaction mapped from an order record: the order (all its transactions are replaced
        // together), the order line it stands for, and whether its splits came from the order's split rows.
        await trx.raw(`alter table ${q('transactions')} add column if not exists record_id text`);
        await trx.raw(`alter table ${q('transactions')} add column if not exists line_id text`);
        await trx.raw(`alter table ${q('transactions')} add column if not exists mapped_splits boolean`);
        await trx.raw(`create index if not exists "attain_incentives_transactions_record_id_index" on ${q('transactions')} (record_id)`);
        await trx.raw(`create index if not exists "attain_incentives_transactions_customer_id_index" on ${q('transactions')} (customer_id)`);
        await trx.raw(`create index if not exists "attain_incentives_transactions_category_index" on ${q('transactions')} (category)`);
        // Calculation problems (see problems.ts): one row per transaction, rule, plan and payee.
        await trx.raw(`create table if not exists ${q('problems')} (code text not null, tx_id text not null, rule_id text not null, plan_id text not null, payee_id text not null,
          rule text not null, date date not null, currency text, message text not null, found_at timestamptz not null default now(), primary key (code, tx_id, rule_id, plan_id, payee_id))`);
        await trx.raw(`create index if not exists "attain_incentives_problems_tx_id_index" on ${q('problems')} (tx_id)`);
        await trx.raw(`create index if not exists "attain_incentives_problems_payee_id_index" on ${q('problems')} (payee_id)`);
      },
    },
    {
      version: 6,
      async up(trx: Trx, schema: string) {
        // Rates are owned by the fx module (attain_fx_rates). Its first migration moves the rates the
        // engine kept and drops this table; when it already ran, the table version 1 made is empty and goes.
        const moved = ((await trx.raw(`select to_regclass(?) as t`, [`${schema}.attain_fx_rates`])).rows as Array<{ t: unknown }>)[0]?.t;
        if (moved) await trx.raw(`drop table if exists ${quoteIdent(schema)}."attain_incentives_fx"`);
      },
    },
    {
      version: 7,
      async up(trx: Trx, schema: string) {
        const q = (t: string) => `${quoteIdent(schema)}.${quoteIdent(`attain_incentives_${t}`)}`;
        // What a frozen period's lines were made of, written when the period is approved (see
        // frozen-rows.ts): a copy of the credits its lines could count and of the roll-up chain, read
        // by the same drill-down SQL as the live tables; the orders behind those credits; and, for
        // lines that are changes (prior-period adjustments, clawbacks) or read records (KPIs, sources),
        // their drill-down rows with the value each added.
        await trx.raw(`create table if not exists ${q('frozen_credits')} (period text not null, id text not null, payee_id text not null, kind text not null, rule_id text not null, level integer not null,
          tx_id text not null, object text not null, pct numeric not null, amount numeric not null, margin numeric not null, quantity numeric not null, original_amount numeric not null,
          original_margin numeric, currency text not null, fx_rate numeric not null, date date not null, invoice_date date, paid_date date, reversal_date date, product_id text, category text,
          primary key (period, tx_id, id))`);
        await trx.raw(`create index if not exists "attain_incentives_frozen_credits_payee_index" on ${q('frozen_credits')} (period, payee_id, date)`);
        await trx.raw(`create table if not exists ${q('frozen_chain')} (period text not null, payee_id text not null, level integer not null, manager_id text not null, rule_id text not null,
          pct numeric not null, valid_from date not null, valid_to date)`);
        await trx.raw(`create index if not exists "attain_incentives_frozen_chain_index" on ${q('frozen_chain')} (period, manager_id)`);
        await trx.raw(`create table if not exists ${q('frozen_transactions')} (period text not null, id text not null, record_id text, line_id text, primary key (period, id))`);
        await trx.raw(`create table if not exists ${q('frozen_rows')} (payee_id text not null, period text not null, line_key text not null, source text not null, ord integer not null, item_id text not null, row jsonb not null,
          primary key (payee_id, period, line_key, source, ord))`);
        // The periods whose lines were snapshotted (periods frozen earlier have no rows and read live).
        await trx.raw(`create table if not exists ${q('frozen_periods')} (period text primary key, frozen_at timestamptz not null default now())`);
      },
    },
    {
      version: 8,
      async up(trx: Trx, schema: string) {
        // What a statement shows of each line's drill-down (the first credit and record ids and the
        // count), stored the first time the line is read and dropped with the line when a run
        // rewrites it (see line-drills.ts): a statement read does not re-run every line's drill-down.
        await trx.raw(`alter table ${quoteIdent(schema)}."attain_incentives_lines" add column if not exists drill jsonb`);
      },
    },
  ],
};
