import type { Knex } from 'knex';
import { quoteIdent } from './sql.ts';

/**
 * The control schema's own migrations, in order. Each runs once, recorded in schema_migrations;
 * all of them run under a transaction-scoped advisory lock so that several nodes starting at
 * once do not race. `C` is the quoted control schema name (a fixed, validated identifier).
 */
const MIGRATIONS: Array<{ name: string; sql: (C: string) => string[] }> = [
  {
    name: '001_control',
    sql: (C) => [
      `create table if not exists ${C}.tenants (
        id uuid primary key,
        name text not null unique,
        label text,
        schema_name text not null unique,
        revision integer not null default 0,
        physical jsonb not null default '{"objects":{}}'::jsonb,
        created_at timestamptz not null default now())`,
      `create table if not exists ${C}.metadata_revisions (
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        revision integer not null,
        docs json not null, -- json, not jsonb: keeps the authored key (field) order
        hash text not null,
        plan jsonb not null default '[]'::jsonb,
        actor_id text,
        actor_label text,
        created_at timestamptz not null default now(),
        primary key (tenant_id, revision))`,
      `create table if not exists ${C}.audit_log (
        id bigserial primary key,
        tenant_id uuid not null,
        at timestamptz not null default now(),
        actor_id text,
        actor_label text,
        action text not null,
        object text,
        record_id uuid,
        before jsonb,
        after jsonb,
        revision integer)`,
      `create index if not exists audit_log_record on ${C}.audit_log (tenant_id, record_id, id)`,
      `create index if not exists audit_log_object on ${C}.audit_log (tenant_id, object, id)`,
      `create or replace function ${C}.audit_log_append_only() returns trigger language plpgsql as $$
        begin raise exception 'the audit log is append-only' using errcode = '42501'; end $$`,
      `drop trigger if exists audit_log_no_change on ${C}.audit_log`,
      `create trigger audit_log_no_change before update or delete on ${C}.audit_log
        for each row execute function ${C}.audit_log_append_only()`,
      `drop trigger if exists audit_log_no_truncate on ${C}.audit_log`,
      `create trigger audit_log_no_truncate before truncate on ${C}.audit_log
        for each statement execute function ${C}.audit_log_append_only()`,
      `create table if not exists ${C}.credentials (
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        user_id text not null,
        email text not null,
        password_hash text not null,
        active boolean not null default true,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (tenant_id, user_id))`,
      `create unique index if not exists credentials_email on ${C}.credentials (tenant_id, lower(email))`,
      `create table if not exists ${C}.api_tokens (
        id uuid primary key,
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        user_id text not null,
        name text not null,
        token_hash text not null unique,
        created_at timestamptz not null default now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz)`,
      `create index if not exists api_tokens_user on ${C}.api_tokens (tenant_id, user_id)`,
      `create table if not exists ${C}.sessions (
        jti text primary key,
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        user_id text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz)`,
      `create index if not exists sessions_user on ${C}.sessions (tenant_id, user_id)`,
    ],
  },
  {
    name: '002_jobs_modules',
    sql: (C) => [
      // Durable work shared by every node: claimed with FOR UPDATE SKIP LOCKED and a lease.
      `create table if not exists ${C}.jobs (
        id uuid primary key,
        queue text not null,
        tenant text,
        key text,
        payload jsonb not null default '{}'::jsonb,
        status text not null default 'ready' check (status in ('ready', 'running', 'done', 'failed')),
        attempts integer not null default 0,
        max_attempts integer not null default 5,
        run_at timestamptz not null default now(),
        locked_by text,
        locked_until timestamptz,
        last_error text,
        result jsonb,
        created_at timestamptz not null default now(),
        finished_at timestamptz)`,
      `create unique index if not exists jobs_queue_key on ${C}.jobs (queue, key) where key is not null`,
      `create index if not exists jobs_ready on ${C}.jobs (queue, run_at) where status in ('ready', 'running')`,
      `create table if not exists ${C}.module_versions (
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        module text not null,
        version integer not null,
        applied_at timestamptz not null default now(),
        primary key (tenant_id, module))`,
    ],
  },
  {
    name: '003_change_notify',
    // Push invalidation for caches on every node (see ChangeFeed): a statement trigger on each
    // object table and a row trigger on the tenant row notify after commit, whoever wrote.
    sql: (C) => [
      `create or replace function ${C}.notify_data_change() returns trigger language plpgsql as $$
        begin perform pg_notify('attain_changes', 'd:' || tg_table_schema); return null; end $$`,
      `create or replace function ${C}.notify_tenant_change() returns trigger language plpgsql as $$
        begin perform pg_notify('attain_changes', 'm:' || old.schema_name); return null; end $$`,
      `drop trigger if exists tenants_notify_change on ${C}.tenants`,
      `create trigger tenants_notify_change after update or delete on ${C}.tenants
        for each row execute function ${C}.notify_tenant_change()`,
      // Guarded and idempotent: run after every metadata apply for the tenant's tables.
      `create or replace function ${C}.ensure_change_triggers(s text, tables text[]) returns void language plpgsql as $$
        declare t text;
        begin
          foreach t in array tables loop
            if to_regclass(format('%I.%I', s, t)) is not null and not exists (
                select 1 from pg_trigger where tgrelid = format('%I.%I', s, t)::regclass and tgname = 'attain_notify_change') then
              execute format('create trigger attain_notify_change after insert or update or delete or truncate on %I.%I
                for each statement execute function ${C}.notify_data_change()', s, t);
            end if;
          end loop;
        end $$`,
      `do $$ declare r record; begin
        for r in select schema_name, physical from ${C}.tenants loop
          perform ${C}.ensure_change_triggers(r.schema_name, array(select e.value->>'table' from jsonb_each(r.physical->'objects') as e));
        end loop;
      end $$`,
    ],
  },
  {
    name: '004_auth_throttle',
    // Failed-login counters shared by every node: one row per (scope, hashed key, fixed window),
    // bumped with an upsert so concurrent attempts on several nodes are all counted.
    sql: (C) => [
      `create table if not exists ${C}.auth_throttle (
        scope text not null,
        key text not null,
        window_start timestamptz not null,
        failures integer not null default 0,
        primary key (scope, key, window_start))`,
      `create index if not exists auth_throttle_window on ${C}.auth_throttle (window_start)`,
    ],
  },
  {
    // What a tenant's reads still wait for (jobs.backlog): its unfinished jobs, by id.
    name: '010_jobs_backlog',
    sql: (C) => [`create index if not exists jobs_tenant_open on ${C}.jobs (tenant, id) where status <> 'done'`],
  },
  {
    name: '011_tenant_settings',
    // One truth for money and time: the base currency amounts are converted to, the time zone that
    // decides a moment's day, the fiscal year's first month, and when the first incentive
    // calculation ran (after which they are fixed). Existing tenants keep what was hard-coded.
    sql: (C) => [
      `alter table ${C}.tenants add column if not exists base_currency text not null default 'USD'`,
      `alter table ${C}.tenants add column if not exists time_zone text not null default 'UTC'`,
      `alter table ${C}.tenants add column if not exists fiscal_year_start_month integer not null default 1 check (fiscal_year_start_month between 1 and 12)`,
      `alter table ${C}.tenants add column if not exists calculated_at timestamptz`,
    ],
  },
  {
    name: '012_api_token_scopes',
    // A token limited to named scopes (e.g. `scim`) reaches only the routes of those scopes; an
    // empty list is the whole API, as every token minted before scopes existed.
    sql: (C) => [`alter table ${C}.api_tokens add column if not exists scopes text[] not null default '{}'`],
  },
  {
    name: '013_idempotency_keys',
    // Bulk writes replayed with the same Idempotency-Key answer the stored result and change
    // nothing. `result` is null while the first request still runs. Kept 24 h (idempotency.ts).
    sql: (C) => [
      `create table if not exists ${C}.idempotency_keys (
        tenant_id uuid not null references ${C}.tenants(id) on delete cascade,
        key text not null,
        scope text not null,
        body_hash text not null,
        result jsonb,
        created_at timestamptz not null default now(),
        primary key (tenant_id, key))`,
      `create index if not exists idempotency_keys_created on ${C}.idempotency_keys (created_at)`,
    ],
  },
];

export async function migrateControlSchema(knex: Knex, schema: string): Promise<void> {
  const C = quoteIdent(schema);
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`attain-control:${schema}`]);
    await trx.raw(`create schema if not exists ${C}`);
    await trx.raw(`create table if not exists ${C}.schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await trx.withSchema(schema).table('schema_migrations').select('name')).map((r: { name: string }) => r.name));
    for (const m of MIGRATIONS) {
      if (done.has(m.name)) continue;
      for (const statement of m.sql(C)) await trx.raw(statement);
      await trx.withSchema(schema).table('schema_migrations').insert({ name: m.name });
    }
  });
}

/**
 * The control migrations this build knows that the database has not recorded (readiness: a node
 * whose code is newer than the schema it sees is not ready). Empty once `createStore` has run.
 */
export async function pendingControlMigrations(knex: Knex, schema: string): Promise<string[]> {
  const done = new Set((await knex.withSchema(schema).table('schema_migrations').select('name')).map((r: { name: string }) => r.name));
  return MIGRATIONS.map((m) => m.name).filter((name) => !done.has(name));
}
