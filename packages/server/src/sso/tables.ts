// The sso module's own tables in each tenant schema: the tenant's sign-in settings (one row: the
// OIDC provider, its client secret sealed, the roles that must use a second factor), each user's
// TOTP secret (sealed) with its last used step and hashed recovery codes, and the short-lived
// pending steps of a sign-in (an OIDC state waiting for its callback, a second factor waiting
// for its code). Being per tenant, a state or pending step can only ever resolve in its tenant.
import type { DataPort, TenantModule } from '@attain/store';

export type SsoTable = 'settings' | 'totp' | 'pending';
export type SsoPort = DataPort<SsoTable>;

export const ssoTables: TenantModule<SsoTable> = {
  name: 'sso',
  tables: ['settings', 'totp', 'pending'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = () => trx.schema.withSchema(schema);
        if (!(await s().hasTable('attain_sso_settings'))) {
          await s().createTable('attain_sso_settings', (t) => {
            t.smallint('id').primary();
            t.jsonb('oidc').nullable();
            t.text('client_secret').nullable();
            t.jsonb('totp_roles').nullable();
            t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          });
        }
        if (!(await s().hasTable('attain_sso_totp'))) {
          await s().createTable('attain_sso_totp', (t) => {
            t.uuid('user_id').primary();
            t.text('secret').notNullable();
            t.timestamp('confirmed_at', { useTz: true }).nullable();
            t.bigInteger('last_step').notNullable().defaultTo(0);
            t.jsonb('recovery').notNullable().defaultTo('[]');
            t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          });
        }
        if (!(await s().hasTable('attain_sso_pending'))) {
          await s().createTable('attain_sso_pending', (t) => {
            t.text('id').primary();
            t.text('kind').notNullable();
            t.jsonb('data').notNullable();
            t.integer('attempts').notNullable().defaultTo(0);
            t.timestamp('expires_at', { useTz: true }).notNullable();
          });
        }
      },
    },
  ],
};
