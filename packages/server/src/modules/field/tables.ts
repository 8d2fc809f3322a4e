// The field module's own tables in each tenant schema: its settings (one row), the customers'
// coordinates an admin sets, and what each check-in and check-out carried beyond the visit
// record's fields (accuracy, device, distance, flag), which the speed check and the team's list read.
import type { DataPort, TenantModule } from '@attain/store';

export const SETTINGS_TABLE = 'attain_field_settings';
export const PLACE_TABLE = 'attain_field_place';
export const CHECKIN_TABLE = 'attain_field_checkin';

export const INBOUND_MAIL_TABLE = 'attain_field_inbound_mail';
export const PLAN_TABLE = 'attain_field_plan';

export type FieldTable = 'settings' | 'place' | 'checkin' | 'inbound_mail' | 'plan';
/** The field module's data port: its tables by short name, and the audit log. */
export type FieldPort = DataPort<FieldTable>;

export const fieldTables: TenantModule<FieldTable> = {
  name: 'field',
  tables: ['settings', 'place', 'checkin', 'inbound_mail', 'plan'],
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
    {
      version: 2,
      async up(trx, schema) {
        const s = () => trx.schema.withSchema(schema);
        // Every email the receiver accepted for the tenant: logged as activities, or quarantined
        // (an unknown sender, no contact) until an admin assigns it to a contact.
        if (!(await s().hasTable(INBOUND_MAIL_TABLE))) {
          await s().createTable(INBOUND_MAIL_TABLE, (t) => {
            t.uuid('id').primary();
            t.text('message_id').nullable().unique();
            t.text('status').notNullable();
            t.text('reason').nullable();
            t.text('from_address').notNullable();
            t.jsonb('recipients').notNullable();
            t.text('subject').notNullable();
            t.text('body').notNullable();
            t.timestamp('sent_at', { useTz: true }).notNullable();
            t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
            t.jsonb('activity_ids').notNullable();
            t.uuid('assigned_by').nullable();
            t.index(['status', 'received_at']);
          });
        }
        // A planned visit: a rep, a customer, a day (the tenant's calendar day), its place in the route.
        if (!(await s().hasTable(PLAN_TABLE))) {
          await s().createTable(PLAN_TABLE, (t) => {
            t.uuid('id').primary();
            t.uuid('user_id').notNullable();
            t.uuid('customer_id').notNullable();
            t.date('day').notNullable();
            t.integer('seq').nullable();
            t.uuid('created_by').nullable();
            t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
            t.timestamp('missed_notified_at', { useTz: true }).nullable();
            t.unique(['user_id', 'day', 'customer_id']);
          });
        }
      },
    },
  ],
};
