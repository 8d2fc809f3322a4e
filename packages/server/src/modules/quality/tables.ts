// The module's tables: one row per scan (run), the issues a run found (per rule and record, with
// the record's owner and team at scan time) and its counts per rule, owner and team, from which the
// scores per object, owner and team are summed.
import type { TenantModule } from '@attain/store';

export const qualityTables: TenantModule<'run' | 'issue' | 'count'> = {
  name: 'quality',
  tables: ['run', 'issue', 'count'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = () => trx.schema.withSchema(schema);
        if (!(await s().hasTable('attain_quality_run'))) {
          await s().createTable('attain_quality_run', (t) => {
            t.uuid('id').primary();
            t.text('trigger').notNullable();
            t.timestamp('started_at', { useTz: true }).notNullable();
            t.timestamp('finished_at', { useTz: true });
            t.integer('rules').notNullable().defaultTo(0);
            t.integer('issues').notNullable().defaultTo(0);
            t.integer('new_issues').notNullable().defaultTo(0);
            t.index(['started_at']);
          });
        }
        if (!(await s().hasTable('attain_quality_issue'))) {
          await s().createTable('attain_quality_issue', (t) => {
            t.uuid('run_id').notNullable();
            t.text('rule').notNullable();
            t.text('object').notNullable();
            t.uuid('record_id').notNullable();
            t.text('title');
            t.uuid('owner_id');
            t.uuid('team_id');
            t.text('detail');
            t.boolean('is_new').notNullable().defaultTo(false);
            t.primary(['run_id', 'rule', 'record_id']);
            t.index(['run_id', 'object', 'owner_id']);
          });
        }
        if (!(await s().hasTable('attain_quality_count'))) {
          await s().createTable('attain_quality_count', (t) => {
            t.uuid('run_id').notNullable();
            t.text('rule').notNullable();
            t.text('object').notNullable();
            t.uuid('owner_id');
            t.uuid('team_id');
            t.integer('checked').notNullable();
            t.integer('failed').notNullable();
            t.index(['run_id', 'rule']);
          });
        }
      },
    },
    {
      version: 2,
      async up(trx, schema) {
        // Issue #18 speed: the primary key (run_id, rule, record_id) cost more than the rest of
        // writing an issue (a text column compared under the database's collation, a uniqueness
        // probe per row), and nothing reads by it: new issues are found by a hash join with the
        // previous run, the views read by run, object and owner (the remaining index). A scan
        // statement yields each record at most once per rule (scan-rows.ts, scan-sql.ts).
        await trx.schema.withSchema(schema).alterTable('attain_quality_issue', (t) => {
          t.dropPrimary('attain_quality_issue_pkey');
        });
      },
    },
  ],
};
