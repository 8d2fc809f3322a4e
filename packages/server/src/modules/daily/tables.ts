// The daily module's own table in each tenant schema: per role, whether its users get a daily
// report and at which hour of the tenant's day it is prepared. The reports themselves are
// `daily_report` records (core metadata), so lists, exports and points plans read them.
import type { DataPort, TenantModule } from '@attain/store';

export const DAILY_SETTINGS_TABLE = 'attain_daily_settings';

export type DailyPort = DataPort<'settings'>;

export const dailyTables: TenantModule<'settings'> = {
  name: 'daily',
  tables: ['settings'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (await trx.schema.withSchema(schema).hasTable(DAILY_SETTINGS_TABLE)) return;
        await trx.schema.withSchema(schema).createTable(DAILY_SETTINGS_TABLE, (t) => {
          t.text('role').primary();
          t.boolean('enabled').notNullable();
          t.smallint('hour').notNullable();
          t.uuid('updated_by').nullable();
          t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
        });
      },
    },
  ],
};
