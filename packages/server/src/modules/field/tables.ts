// The field module's own tables in each tenant schema: its settings (one row), the customers'
// coordinates an admin sets, and what each check-in and check-out carried beyond the visit
// record's fields (accuracy, device, distance, flag), which the speed check and the team's list read.
import type { DataPort, TenantModule } from '@attain/store';

export const SETTINGS_TABLE = 'attain_field_settings';
export const PLACE_TABLE = 'attain_field_place';
export const CHECKIN_TABLE = 'attain_field_checkin';

export type FieldTable = 'settings' | 'place' | 'checkin';
/** The field module's data port: its tables by short name, and the audit log. */
export type FieldPort = DataPort<FieldTable>;

export const fieldTables: TenantModule<FieldTable> = {
  name: 'field',
  tables: ['settings', 'place', 'checkin'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = () => trx.schema.withSchema(schema);
        if (!(await s().hasTable(SETTINGS_TABLE))) {
          await s().createTable(SETTINGS_TABLE, (t) => {
            // One row: the key keeps it one.
            t.smallint('id').primary();
            t.integer('radius_meters').notNullable();
            t.text('outside_radius').notNullable();
            t.integer('max_age_minutes').notNullable();
            t.uuid('updated_by').nullable();
            t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          });
        }
        if (!(await s().hasTable(PLACE_TABLE))) {
          await s().createTable(PLACE_TABLE, (t) => {
            t.uuid('customer_id').primary();
            t.double('lat').notNullable();
            t.double('lng').notNullable();
            t.uuid('updated_by').nullable();
            t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          });
        }
        if (!(await s().hasTable(CHECKIN_TABLE))) {
          await s().createTable(CHECKIN_TABLE, (t) => {
            t.uuid('visit_id').primary();
            t.uuid('user_id').notNullable();
            t.uuid('customer_id').notNullable();
            t.timestamp('check_in_at', { useTz: true }).notNullable();
            t.double('lat').notNullable();
            t.double('lng').notNullable();
            t.double('accuracy').notNullable();
            t.text('device').notNullable();
            t.double('distance_meters').nullable();
            t.boolean('flagged').notNullable();
            t.timestamp('check_out_at', { useTz: true }).nullable();
            t.double('out_lat').nullable();
            t.double('out_lng').nullable();
            t.double('out_accuracy').nullable();
            t.double('out_distance_meters').nullable();
            t.integer('duration_minutes').nullable();
            t.index(['user_id', 'check_in_at']);
          });
        }
      },
    },
  ],
};
