// The integrations module's tables in each tenant schema: the inbound signing secret (sealed),
// the inbound events received (their id is the idempotency key), the outbound subscriptions and
// their deliveries (a delivery that used up its attempts is a dead letter until replayed).
import type { DataPort, TenantModule } from '@attain/store';

export type IntegrationsPort = DataPort<'settings' | 'inbound' | 'subscription' | 'delivery'>;

export const integrationsTables: TenantModule<'settings' | 'inbound' | 'subscription' | 'delivery'> = {
  name: 'integrations',
  tables: ['settings', 'inbound', 'subscription', 'delivery'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        // A fresh builder per statement: knex's schema builder keeps what it was given.
        const s = () => trx.schema.withSchema(schema);
        if (!(await s().hasTable('attain_integrations_settings')))
          await s().createTable('attain_integrations_settings', (t) => {
            t.smallint('id').primary();
            // AES-256-GCM sealed with the server's key ring (SecretKeys); never returned after rotation.
            t.text('inbound_secret').nullable();
            t.text('secret_hint').nullable();
            t.timestamp('rotated_at', { useTz: true }).nullable();
            t.uuid('rotated_by').nullable();
          });
        if (!(await s().hasTable('attain_integrations_inbound')))
          await s().createTable('attain_integrations_inbound', (t) => {
            t.text('event_id').primary();
            t.text('type').notNullable();
            // processing | processed | failed
            t.text('status').notNullable();
            t.smallint('http_status').nullable();
            t.text('result').nullable();
            t.text('record_id').nullable();
            t.text('body_sha256').notNullable();
            t.integer('attempts').notNullable().defaultTo(1);
            t.timestamp('received_at', { useTz: true }).notNullable();
            t.timestamp('updated_at', { useTz: true }).notNullable();
            t.index(['received_at']);
          });
        if (!(await s().hasTable('attain_integrations_subscription')))
          await s().createTable('attain_integrations_subscription', (t) => {
            t.uuid('id').primary();
            t.text('url').notNullable();
            t.jsonb('objects').notNullable();
            t.text('secret').notNullable();
            t.boolean('active').notNullable().defaultTo(true);
            t.uuid('created_by').nullable();
            t.timestamp('created_at', { useTz: true }).notNullable();
          });
        if (!(await s().hasTable('attain_integrations_delivery')))
          await s().createTable('attain_integrations_delivery', (t) => {
            // The delivery id the receiver de-duplicates on; a replay sends the same one.
            t.uuid('id').primary();
            t.uuid('subscription_id').notNullable();
            // The record event job the delivery came from: a job run twice makes one delivery.
            t.text('source').notNullable();
            t.text('event_type').notNullable();
            t.text('object').notNullable();
            t.text('record_id').notNullable();
            // The exact JSON text sent, so a replay sends the same bytes.
            t.text('body').notNullable();
            // pending | delivered | dead
            t.text('status').notNullable();
            t.integer('attempts').notNullable().defaultTo(0);
            t.integer('replays').notNullable().defaultTo(0);
            t.text('last_error').nullable();
            t.timestamp('created_at', { useTz: true }).notNullable();
            t.timestamp('updated_at', { useTz: true }).notNullable();
            t.timestamp('delivered_at', { useTz: true }).nullable();
            t.timestamp('dead_at', { useTz: true }).nullable();
            t.unique(['subscription_id', 'source']);
            t.index(['status', 'dead_at']);
          });
      },
    },
  ],
};
