import { quoteIdent, type TenantModule } from '@attain/store';

export const VERSIONS_TABLE = 'attain_plugins_versions';
export const INSTALLS_TABLE = 'attain_plugins_installs';

/**
 * Per tenant: every bundled version a tenant installed (kept for rollback), and one install row
 * per plugin: the running version, the version awaiting consent, what the admin granted, settings.
 */
export const PLUGINS_MODULE: TenantModule = {
  name: 'plugins',
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = quoteIdent(schema);
        await trx.raw(`create table if not exists ${s}.${quoteIdent(VERSIONS_TABLE)} (
          name text not null,
          version text not null,
          manifest jsonb not null,
          code text not null,
          code_hash text not null,
          created_at timestamptz not null default now(),
          primary key (name, version))`);
        await trx.raw(`create table if not exists ${s}.${quoteIdent(INSTALLS_TABLE)} (
          name text primary key,
          version text,
          previous_version text,
          pending_version text,
          enabled boolean not null default false,
          granted jsonb,
          settings jsonb not null default '{}'::jsonb,
          installed_at timestamptz not null default now(),
          updated_at timestamptz not null default now())`);
      },
    },
  ],
};
