// The funnel's own tables in each tenant schema: every stage a record entered (with when it left
// it, so time in stage needs no window over the history), and the objects already backfilled.
import type { TenantModule } from '@attain/store';

export type FunnelTable = 'stage_change' | 'stage_object';

export const funnelTables: TenantModule<FunnelTable> = {
  name: 'analytics',
  tables: ['stage_change', 'stage_object'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        await trx.schema.withSchema(schema).createTable('attain_analytics_stage_change', (t) => {
          t.bigIncrements('id').primary();
          // The record event's job id (exactly once per event); `backfill:<record id>` for a backfilled row.
          t.text('event_id').notNullable().unique();
          t.text('object').notNullable();
          t.uuid('record_id').notNullable();
          t.text('from_stage');
          t.text('to_stage').notNullable();
          t.timestamp('at', { useTz: true }).notNullable();
          // When the record entered its next stage; null while it is still in this one.
          t.timestamp('left_at', { useTz: true });
          t.uuid('owner_id');
          t.specificType('amount', 'numeric');
          // The record's version this row reflects (events up to it are already in a backfilled row).
          t.integer('version');
          t.index(['object', 'record_id', 'at'], 'attain_analytics_stage_change_record');
        });
        await trx.schema.withSchema(schema).createTable('attain_analytics_stage_object', (t) => {
          t.text('object').primary();
          t.timestamp('backfilled_at', { useTz: true }).notNullable();
        });
      },
    },
  ],
};
