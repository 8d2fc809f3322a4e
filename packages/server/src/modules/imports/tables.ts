// The imports module's own table: one row per real import run (who, kind, counts and the failed
// rows with their reasons), so admins and the health report can list import errors later.
import type { DataPort, TenantModule } from '@attain/store';

export const IMPORT_RUN_TABLE = 'attain_imports_run';

export type ImportsPort = DataPort<'run'>;

export const importsTables: TenantModule<'run'> = {
  name: 'imports',
  tables: ['run'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (await trx.schema.withSchema(schema).hasTable(IMPORT_RUN_TABLE)) return;
        await trx.schema.withSchema(schema).createTable(IMPORT_RUN_TABLE, (t) => {
          t.uuid('id').primary();
          t.text('kind').notNullable();
          t.uuid('user_id').nullable();
          t.text('user_label').nullable();
          t.text('file_name').nullable();
          t.integer('rows').notNullable();
          t.integer('imported').notNullable();
          t.integer('failed').notNullable();
          // The first 200 failed rows: line and errors.
          t.jsonb('failures').notNullable();
          t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          t.index(['created_at']);
        });
      },
    },
  ],
};
