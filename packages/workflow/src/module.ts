import type { Knex } from 'knex';
import { quoteIdent, type TenantModule } from '@attain/store';

// Each statement is idempotent DDL: several nodes may race to migrate a tenant (the store holds
// an advisory lock, but a crash between statements must leave a re-runnable state).
const V1 = (s: string): string[] => [
  `create table if not exists ${s}.attain_workflow_flow_versions (
    id uuid primary key, flow_id text not null, flow_name text not null, version integer not null,
    hash text not null, definition jsonb not null, created_at timestamptz not null default now(),
    unique (flow_id, version), unique (flow_id, hash))`,
  `create table if not exists ${s}.attain_workflow_instances (
    id uuid primary key, flow_id text not null, flow_name text not null, version integer not null,
    version_id uuid not null, object text not null, record_id uuid not null, status text not null,
    submitter_id uuid, round integer not null default 1, step_index integer not null default -1,
    locked_fields jsonb not null default '[]', created_at timestamptz not null, updated_at timestamptz not null,
    finished_at timestamptz)`,
  `create unique index if not exists attain_workflow_instances_active on ${s}.attain_workflow_instances (object, record_id) where status in ('pending', 'returned')`,
  `create index if not exists attain_workflow_instances_record on ${s}.attain_workflow_instances (object, record_id)`,
  `create table if not exists ${s}.attain_workflow_tasks (
    id uuid primary key, instance_id uuid not null references ${s}.attain_workflow_instances(id), round integer not null,
    step_index integer not null, approver_id uuid not null, original_approver_id uuid, status text not null,
    due_at timestamptz, remind_at timestamptz, reminders integer not null default 0, escalated boolean not null default false,
    decided_by uuid, decided_at timestamptz, comment text, created_at timestamptz not null)`,
  `create index if not exists attain_workflow_tasks_open on ${s}.attain_workflow_tasks (approver_id) where status = 'open'`,
  `create index if not exists attain_workflow_tasks_instance on ${s}.attain_workflow_tasks (instance_id)`,
  `create index if not exists attain_workflow_tasks_due on ${s}.attain_workflow_tasks (due_at) where status = 'open'`,
  `create table if not exists ${s}.attain_workflow_history (
    id bigserial primary key, instance_id uuid not null, object text not null, record_id uuid not null,
    at timestamptz not null, actor_id uuid, actor_label text, action text not null, step_index integer,
    round integer, comment text, details jsonb)`,
  `create index if not exists attain_workflow_history_record on ${s}.attain_workflow_history (object, record_id, id)`,
  `create table if not exists ${s}.attain_workflow_delegations (
    id uuid primary key, from_user uuid not null, to_user uuid not null, starts_at timestamptz not null,
    ends_at timestamptz not null, created_by uuid, created_at timestamptz not null, revoked_at timestamptz)`,
  `create index if not exists attain_workflow_delegations_from on ${s}.attain_workflow_delegations (from_user)`,
  `create table if not exists ${s}.attain_workflow_runs (
    id uuid primary key, key text not null unique, source text not null, rule text not null, object text,
    record_id uuid, actions jsonb not null, context jsonb not null, progress integer not null default 0,
    status text not null, attempts integer not null default 0, last_error text, lease_until timestamptz,
    created_at timestamptz not null, finished_at timestamptz)`,
  `create index if not exists attain_workflow_runs_rule on ${s}.attain_workflow_runs (rule, created_at desc)`,
  `create table if not exists ${s}.attain_workflow_schedules (rule_id text primary key, cron text not null, last_at timestamptz not null)`,
  `create table if not exists ${s}.attain_workflow_inbox (
    id uuid primary key, user_id uuid not null, title text not null, body text, object text, record_id uuid,
    kind text not null, key text unique, created_at timestamptz not null, read_at timestamptz)`,
  `create index if not exists attain_workflow_inbox_user on ${s}.attain_workflow_inbox (user_id, created_at desc)`,
  `create table if not exists ${s}.attain_workflow_preferences (user_id uuid primary key, channels jsonb not null, locale text)`,
  `create table if not exists ${s}.attain_workflow_settings (key text primary key, value jsonb not null)`,
];

export const workflowModule: TenantModule = {
  name: 'workflow',
  migrations: [
    {
      version: 1,
      async up(trx: Knex.Transaction, schema: string) {
        for (const sql of V1(quoteIdent(schema))) await trx.raw(sql);
      },
    },
    {
      // Approvals on subjects other than records (target plan versions, periods, disputes).
      version: 2,
      async up(trx: Knex.Transaction, schema: string) {
        await trx.raw(`alter table ${quoteIdent(schema)}.attain_workflow_instances add column if not exists subject jsonb`);
      },
    },
  ],
};

export const T = {
  versions: 'attain_workflow_flow_versions',
  instances: 'attain_workflow_instances',
  tasks: 'attain_workflow_tasks',
  history: 'attain_workflow_history',
  delegations: 'attain_workflow_delegations',
  runs: 'attain_workflow_runs',
  schedules: 'attain_workflow_schedules',
  inbox: 'attain_workflow_inbox',
  preferences: 'attain_workflow_preferences',
  settings: 'attain_workflow_settings',
} as const;
