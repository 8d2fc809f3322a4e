// The module's tables in each tenant schema: request histograms per route and time bucket (one
// row per grain — minute, hour, day — so older data is already rolled up and each grain has its own
// retention), the alert thresholds, and the state of each threshold's alert per route.
import type { TenantModule } from '@attain/store';
import { BUCKET_COLUMNS } from './buckets.ts';

export const monitoringTables: TenantModule<'latency' | 'threshold' | 'alert'> = {
  name: 'monitoring',
  tables: ['latency', 'threshold', 'alert'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = () => trx.schema.withSchema(schema);
        if (!(await s().hasTable('attain_monitoring_latency'))) {
          await s().createTable('attain_monitoring_latency', (t) => {
            t.text('grain').notNullable(); // minute | hour | day
            t.timestamp('at', { useTz: true }).notNullable(); // start of the bucket, UTC
            t.text('method').notNullable();
            t.text('route').notNullable(); // the route pattern, never the raw URL
            t.bigInteger('count').notNullable().defaultTo(0);
            t.bigInteger('errors_4xx').notNullable().defaultTo(0);
            t.bigInteger('errors_5xx').notNullable().defaultTo(0);
            t.double('sum_ms').notNullable().defaultTo(0);
            for (const c of BUCKET_COLUMNS) t.bigInteger(c).notNullable().defaultTo(0);
            t.primary(['grain', 'at', 'method', 'route']);
          });
        }
        if (!(await s().hasTable('attain_monitoring_threshold'))) {
          await s().createTable('attain_monitoring_threshold', (t) => {
            t.uuid('id').primary();
            t.text('route'); // null: every route
            t.text('method'); // null: every method
            t.text('percentile').notNullable(); // p95 | p99
            t.integer('limit_ms').notNullable();
            t.integer('min_requests').notNullable();
            t.integer('window_minutes').notNullable();
            t.integer('position').notNullable();
          });
        }
        if (!(await s().hasTable('attain_monitoring_alert'))) {
          await s().createTable('attain_monitoring_alert', (t) => {
            t.uuid('threshold_id').notNullable();
            t.text('method').notNullable();
            t.text('route').notNullable();
            t.timestamp('since', { useTz: true }).notNullable();
            t.double('value_ms').notNullable();
            t.bigInteger('count').notNullable();
            t.timestamp('checked_at', { useTz: true }).notNullable();
            t.primary(['threshold_id', 'method', 'route']);
          });
        }
      },
    },
  ],
};
