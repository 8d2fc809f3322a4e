// The funnel's own tables in each tenant schema: every stage a record entered (with when it left
// it), a summary per record kept in step with it (so the funnel reads one row per record, never the
// whole history), stable small codes of stage values (bit positions and array slots of the summary),
// and the objects already backfilled; a histogram of completed time in stage per owner, kept in step
// with the summary (version 2: the stage times of the funnel read it instead of every record's arrays).
import type { TenantModule } from '@attain/store';

export type FunnelTable = 'stage_change' | 'stage_object' | 'stage_code' | 'stage_record' | 'stage_time';

export const funnelTables: TenantModule<FunnelTable> = {
  name: 'analytics',
  tables: ['stage_change', 'stage_object', 'stage_code', 'stage_record', 'stage_time'],
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
        // A stage value's code never changes, whatever the metadata does to the enum's order.
        await trx.schema.withSchema(schema).createTable('attain_analytics_stage_code', (t) => {
          t.text('object').notNullable();
          t.text('stage').notNullable();
          t.integer('code').notNullable();
          t.primary(['object', 'stage']);
          t.unique(['object', 'code']);
        });
        await trx.schema.withSchema(schema).createTable('attain_analytics_stage_record', (t) => {
          t.text('object').notNullable();
          t.uuid('record_id').notNullable();
          // Bit (code - 1) set when the record ever entered the stage of that code (codes 1..62).
          t.bigInteger('reached').notNullable();
          // By code: first entry, completed days in the stage (all visits), completed visits.
          t.specificType('first_at', 'timestamptz[]').notNullable();
          t.specificType('stay_days', 'float8[]').notNullable();
          t.specificType('stays', 'int[]').notNullable();
          t.text('cur_stage');
          t.timestamp('cur_since', { useTz: true });
          t.primary(['object', 'record_id']);
        });
      },
    },
    {
      version: 2,
      async up(trx, schema) {
        // The record's scope owner (owner_id, or created_by for an object without owners; '' for none)
        // and whether it is live, as of the last event handled for it: what the histogram is keyed by.
        await trx.schema.withSchema(schema).alterTable('attain_analytics_stage_record', (t) => {
          t.text('owner').notNullable().defaultTo('');
          t.boolean('live').notNullable().defaultTo(true);
        });
        // When the object's histogram was built; null (objects backfilled before version 2) until the
        // worker builds it, and the funnel reads the per-record path meanwhile.
        await trx.schema.withSchema(schema).alterTable('attain_analytics_stage_object', (t) => {
          t.timestamp('rolled_at', { useTz: true });
        });
        // Per owner, open or closed stage code and minute (a record's completed days in the stage,
        // rounded): how many live records, and the exact sum of their days. Rows at zero are removed.
        await trx.schema.withSchema(schema).createTable('attain_analytics_stage_time', (t) => {
          t.text('object').notNullable();
          t.text('owner').notNullable();
          t.integer('code').notNullable();
          t.integer('minute').notNullable();
          t.integer('n').notNullable();
          t.specificType('days', 'numeric').notNullable();
          t.primary(['object', 'owner', 'code', 'minute']);
        });
      },
    },
  ],
};
