import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;

beforeAll(async () => {
  ({ app, store } = await testServer());
});

afterAll(async () => {
  await app.close();
  await store.close();
});

describe('liveness and readiness', () => {
  it('answers /livez and /readyz (database, migrations, draining) without a login, and /healthz as before', async () => {
    expect((await app.inject('/livez')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ok',
      checks: [
        { name: 'draining', ok: true },
        { name: 'database', ok: true },
        { name: 'migrations', ok: true },
      ],
    });
    expect(await store.pendingMigrations()).toEqual([]);
  });

  it('is not ready once draining, while still alive', async () => {
    const { app: draining, store: own } = await testServer();
    try {
      draining.lifecycle.beginDrain();
      const res = await draining.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'unavailable', details: [{ path: '/draining', rule: 'draining' }] });
      expect((await draining.inject('/livez')).statusCode).toBe(200);
    } finally {
      await draining.close();
      await own.close();
    }
  });

  it('is not ready when the control schema misses a migration this build expects', async () => {
    const { app: behind, store: own } = await testServer();
    try {
      await own.db.knex.withSchema(own.controlSchema).table('schema_migrations').where({ name: '011_tenant_settings' }).delete();
      const res = await behind.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json().error.details).toEqual([{ path: '/migrations', rule: 'migrations', message: 'not applied: 011_tenant_settings' }]);
    } finally {
      await behind.close();
      await own.close();
    }
  });
});
