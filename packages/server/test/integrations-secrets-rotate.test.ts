// `attain secrets rotate` reaches the integrations module: the inbound signing secret and every
// subscription's secret are sealed again with the first key of the ring, still the same secrets (a
// sender's signature keeps verifying over HTTP once the server holds that key), and a value no key
// of the ring opens refuses the tenant's rotation, naming it, with nothing changed.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pluginsFor, SecretKeys } from '@attain/plugins';
import { workflowFor } from '@attain/workflow';
import { rotateIntegrationSecrets } from '../src/index.ts';
import { integrationsTables } from '../src/modules/integrations/tables.ts';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'sealrot');
  admin = as(app, await login(app, t.name, t.users.admin.email));
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const stored = async () => {
  const port = await store.port(t.name, integrationsTables);
  const settings = (await port.table('settings').where({ id: 1 }).first('inbound_secret')) as { inbound_secret: string };
  const subs = (await port.table('subscription').select('id', 'secret')) as Array<{ id: string; secret: string }>;
  return { inbound: settings.inbound_secret, subs };
};

/** A sender's request signed with `key` (Stripe's scheme, as docs/integrations.md says). */
function send(key: string) {
  const body = JSON.stringify({ id: `evt_${randomBytes(4).toString('hex')}`, type: 'invoice.exploded', data: {} });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `t=${ts},v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}`;
  return app.inject({ method: 'POST', url: `/api/v1/integrations/${t.name}/events`, headers: { 'content-type': 'application/json', 'attain-signature': signature }, payload: body });
}

describe('attain secrets rotate: integrations', () => {
  it('seals the inbound secret and the subscription secrets again with the first key; the secrets stay the same', async () => {
    // Nothing sealed yet: nothing to do.
    expect(await rotateIntegrationSecrets(store, pluginsFor(store).secretKeys(), t.name)).toBe(0);
    const wf = workflowFor(store);
    await wf.core.saveSettings(await wf.tenant(t.name), { webhookAllowHosts: ['127.0.0.1'] });
    const made = await admin.post('/api/v1/integrations/subscriptions', { url: 'http://127.0.0.1:9/attain', objects: ['customer'] });
    expect(made.statusCode, made.body).toBe(201);
    const subSecret = made.json().data.secret as string;
    const rotated = await admin.post('/api/v1/integrations/inbound/secret', {});
    expect(rotated.statusCode, rotated.body).toBe(200);
    const inbound = rotated.json().data.secret as string;
    // Signed with the secret as shown: verified (an unknown type is 422, past the signature check).
    expect((await send(inbound)).json().error.code).toBe('unknown_event_type');

    const old = pluginsFor(store).secretKeys();
    const fresh = new SecretKeys([randomBytes(32)]);
    const before = await stored();
    expect(await rotateIntegrationSecrets(store, fresh.followedBy(old), t.name)).toBe(2);
    const after = await stored();
    expect(after.inbound).not.toBe(before.inbound);
    // The new key alone opens them, to the same secrets; the old key no longer does.
    expect(fresh.open(after.inbound, '/x')).toBe(inbound);
    expect(fresh.open(after.subs[0]!.secret, '/x')).toBe(subSecret);
    expect(() => old.open(after.inbound, '/x')).toThrow(/does not have/);

    // Back under the server's key (a rotation the other way): the sender's signature still verifies over HTTP.
    expect(await rotateIntegrationSecrets(store, old.followedBy(fresh), t.name)).toBe(2);
    expect((await send(inbound)).json().error.code).toBe('unknown_event_type');
    expect((await send('whsec_wrong')).statusCode).toBe(401);
  });

  it('a value no key of the ring opens refuses the rotation, naming it, and changes nothing', async () => {
    const before = await stored();
    const stranger = new SecretKeys([randomBytes(32)]);
    await expect(rotateIntegrationSecrets(store, stranger, t.name)).rejects.toMatchObject({ code: 'secrets_key_mismatch', details: [{ path: '/integrations/secret', rule: 'secrets_key' }] });
    expect(await stored()).toEqual(before);
  });
});
