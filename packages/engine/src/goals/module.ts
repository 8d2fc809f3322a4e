import type { TenantModule } from '@attain/store';

/** The goals module's tables by short name (`target` is `attain_goals_target`); see the data port. */
export type GoalsTable = 'membership' | 'actual' | 'unit_actual' | 'plan_version' | 'target' | 'closed_period' | 'alert_rule' | 'alert' | 'notice';

/**
 * The goals module's tables in each tenant schema. `actual` holds the measure's sums per KPI,
 * person, the unit the person belonged to on the record's date, and month; `unit_actual` the
 * same rolled up to every ancestor unit. Both are derived: a full recompute rebuilds them.
 * The tenant schema goes in as a knex identifier binding (??), quoted by the driver.
 */
export const goalsModule: TenantModule<GoalsTable> = {
  name: 'goals',
  tables: ['membership', 'actual', 'unit_actual', 'plan_version', 'target', 'closed_period', 'alert_rule', 'alert', 'notice'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        await trx.raw(
          `create table if not exists ??.attain_goals_membership (
          id bigserial primary key, user_id uuid not null, org_unit_id uuid, manager_id uuid,
          valid_from date not null, valid_to date, source text not null default 'event', created_at timestamptz not null default now())`,
          [schema],
        );
        await trx.raw(`create index if not exists attain_goals_membership_user on ??.attain_goals_membership (user_id, valid_from)`, [schema]);
        await trx.raw(
          `create table if not exists ??.attain_goals_actual (
          kpi text not null, user_id uuid not null, org_unit_id uuid not null, month date not null,
          num numeric not null, den numeric not null, primary key (kpi, user_id, month, org_unit_id))`,
          [schema],
        );
        await trx.raw(
          `create table if not exists ??.attain_goals_unit_actual (
          kpi text not null, org_unit_id uuid not null, month date not null,
          num numeric not null, den numeric not null, primary key (kpi, org_unit_id, month))`,
          [schema],
        );
        await trx.raw(
          `create table if not exists ??.attain_goals_plan_version (
          id uuid primary key, plan text not null, version integer not null, status text not null,
          total numeric not null, settings jsonb not null, created_by uuid, created_at timestamptz not null default now(),
          submitted_at timestamptz, decided_by uuid, decided_at timestamptz, active_from timestamptz, note text,
          unique (plan, version))`,
          [schema],
        );
        await trx.raw(
          `create table if not exists ??.attain_goals_target (
          version_id uuid not null, node text not null, kind text not null, user_id uuid, org_unit_id uuid,
          month date not null, amount numeric not null, locked boolean not null default false,
          primary key (version_id, node, month))`,
          [schema],
        );
        await trx.raw(`create index if not exists attain_goals_target_user on ??.attain_goals_target (user_id, month)`, [schema]);
        await trx.raw(
          `create table if not exists ??.attain_goals_closed_period (
          month date primary key, closed_at timestamptz not null default now(), closed_by uuid)`,
          [schema],
        );
      },
    },
    {
      // Alerts: rules, the firings already notified (by key, so a re-run never notifies twice)
      // and the in-app notices of each recipient.
      version: 2,
      async up(trx, schema) {
        await trx.raw(
          `create table if not exists ??.attain_goals_alert_rule (
          name text primary key, rule jsonb not null, updated_at timestamptz not null default now())`,
          [schema],
        );
        await trx.raw(
          `create table if not exists ??.attain_goals_alert (
          key text primary key, rule text not null, kind text not null, subject_id uuid not null, params jsonb not null, fired_at timestamptz not null)`,
          [schema],
        );
        await trx.raw(
          `create table if not exists ??.attain_goals_notice (
          id uuid primary key default gen_random_uuid(), user_id uuid not null, kind text not null, rule text not null, subject_id uuid not null,
          params jsonb not null, key text not null unique, created_at timestamptz not null default now(), read_at timestamptz)`,
          [schema],
        );
        await trx.raw(`create index if not exists attain_goals_notice_user on ??.attain_goals_notice (user_id, created_at desc)`, [schema]);
      },
    },
    {
      // Who submitted a version: nobody decides their own (issue #12, finding 5).
      version: 3,
      async up(trx, schema) {
        await trx.raw(`alter table ??.attain_goals_plan_version add column if not exists submitted_by uuid`, [schema]);
      },
    },
  ],
};

/** Stands for "no unit" in keys: a person without a membership on that date. */
export const NO_UNIT = '00000000-0000-0000-0000-000000000000';
