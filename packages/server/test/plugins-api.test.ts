// Tenant plugins through the HTTP API: install, consent, configure (secrets masked), a rep's save
// refused by the hook with its message (REST and GraphQL), disable, upgrade asking for more
// (consent again), rollback, uninstall; every step in the audit log.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bundlePlugin } from '@attain/plugins';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

const fixtures = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));
let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let customerId: string;
let n = 0;

beforeAll(async () => {
  ({ app, store } = await testServer(undefined, { plugins: { dir: fixtures } }));
  t = await coreTenant(app, store, 'plg');
  const c = await t.call.rep1.post('/api/v1/objects/customer', { name: 'Acme' });
  expect(c.statusCode).toBe(201);
  customerId = (c.json() as { id: string }).id;
});
afterAll(async () => {
  await app.close();
});

const order = (amount: string) => ({ order_number: `N-${++n}`, customer_id: customerId, order_date: '2026-03-02', amount, currency: 'CNY' });

describe('plugins API', () => {
  it('is for admins only', async () => {
    expect((await t.call.rep1.get('/api/v1/plugins')).statusCode).toBe(403);
    expect((await t.call.rep1.post('/api/v1/plugins', { package: 'order-guard' })).statusCode).toBe(403);
  });

  it('lists the first-party catalog', async () => {
    const res = await t.call.admin.get('/api/v1/plugins/catalog');
    expect(res.statusCode).toBe(200);
    expect((res.json() as { data: Array<{ name: string }> }).data.map((p) => p.name)).toEqual(expect.arrayContaining(['order-guard']));
  });

  it('refuses unknown packages and bad manifests with field-level codes', async () => {
    const unknown = await t.call.admin.post('/api/v1/plugins', { package: 'nope' });
    expect(unknown.statusCode).toBe(404);
    const bad = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'X', version: '1', hooks: ['onBoot:x'], attain: 'soon' }, code: 'x' });
    expect(bad.statusCode).toBe(422);
    const paths = (bad.json() as { error: { details: Array<{ path: string; rule: string }> } }).error.details.map((d) => `${d.path} ${d.rule}`);
    expect(paths).toEqual(expect.arrayContaining(['/manifest/name pattern', '/manifest/version semver', '/manifest/attain semverRange', '/manifest/hooks[0] format']));
    const incompatible = await t.call.admin.post('/api/v1/plugins', { manifest: { name: 'old', version: '1.0.0', attain: '^9.0.0' }, code: 'x' });
    expect(incompatible.statusCode).toBe(422);
    expect(incompatible.json().error.details[0]).toMatchObject({ path: '/manifest/attain', rule: 'compatible' });
  });

  it('installs awaiting consent; nothing runs until the admin accepts', async () => {
    const res = await t.call.admin.post('/api/v1/plugins', { package: 'order-guard' });
    expect(res.statusCode).toBe(201);
    const view = res.json().data;
    expect(view).toMatchObject({ name: 'order-guard', status: 'awaiting_consent', version: null, pendingVersion: '1.0.0' });
    expect(view.needsConsent).toEqual(['hooks:beforeCreate:order', 'hooks:beforeUpdate:order']);
    expect(view.description).toEqual({ en: 'Refuses orders above a maximum', 'zh-CN': '拒绝超过上限的订单' });
    expect((await t.call.rep1.post('/api/v1/objects/order', order('5000'))).statusCode).toBe(201);
    expect((await t.call.admin.post('/api/v1/plugins/order-guard/enable')).statusCode).toBe(409);
  });

  it("after consent and settings, refuses a rep's save with the plugin's message and sets fields", async () => {
    const consent = await t.call.admin.post('/api/v1/plugins/order-guard/consent');
    expect(consent.statusCode).toBe(200);
    expect(consent.json().data).toMatchObject({ status: 'enabled', version: '1.0.0', needsConsent: [] });
    const saved = await t.call.admin.put('/api/v1/plugins/order-guard/settings', { settings: { maxAmount: 2000, token: 'hunter2' } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().data.settings).toEqual({ maxAmount: 2000, token: '••••' });
    expect(saved.body).not.toContain('hunter2');
    // The mask sent back keeps the secret; a wrong type names the field.
    expect((await t.call.admin.put('/api/v1/plugins/order-guard/settings', { settings: { maxAmount: 3000, token: '••••' } })).json().data.settings.token).toBe('••••');
    const wrong = await t.call.admin.put('/api/v1/plugins/order-guard/settings', { settings: { maxAmount: 'lots' } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details[0]).toMatchObject({ path: '/settings/maxAmount', rule: 'type' });

    const refused = await t.call.rep1.post('/api/v1/objects/order', order('5000'));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'plugin_refused', message: 'Orders above 3000 need a credit check first.' });
    const gql = await t.call.rep1.gql(`mutation { createOrder(data: {order_number: "G-1", customer_id: "${customerId}", order_date: "2026-03-02", amount: "9000", currency: "CNY"}) { id } }`);
    expect(JSON.stringify(gql.body)).toContain('Orders above 3000 need a credit check first.');
    const ok = await t.call.rep1.post('/api/v1/objects/order', order('100'));
    expect(ok.statusCode).toBe(201);
    expect(ok.json().status).toBe('draft');
  });

  it('disabling lets the save through; enabling brings the hook back', async () => {
    expect((await t.call.admin.post('/api/v1/plugins/order-guard/disable')).json().data.status).toBe('disabled');
    expect((await t.call.rep1.post('/api/v1/objects/order', order('5000'))).statusCode).toBe(201);
    expect((await t.call.admin.post('/api/v1/plugins/order-guard/enable')).json().data.status).toBe('enabled');
    expect((await t.call.rep1.post('/api/v1/objects/order', order('5000'))).statusCode).toBe(422);
  });

  it('an upgrade asking for more waits for consent; the old version keeps running; rollback returns to it', async () => {
    const v2 = await bundlePlugin(`${fixtures}/order-guard-v2`);
    const up = await t.call.admin.post('/api/v1/plugins', { manifest: v2.manifest, code: v2.code });
    expect(up.statusCode).toBe(201);
    expect(up.json().data).toMatchObject({ status: 'awaiting_consent', version: '1.0.0', pendingVersion: '2.0.0', needsConsent: ['read:customer'] });
    expect((await t.call.rep1.post('/api/v1/objects/order', order('5000'))).statusCode).toBe(422);
    const c = await t.call.admin.post('/api/v1/plugins/order-guard/consent');
    expect(c.json().data).toMatchObject({ status: 'enabled', version: '2.0.0', previousVersion: '1.0.0', versions: ['1.0.0', '2.0.0'] });
    const back = await t.call.admin.post('/api/v1/plugins/order-guard/rollback');
    expect(back.json().data).toMatchObject({ version: '1.0.0', previousVersion: '2.0.0' });
    // Same version, different code: refused, a new build needs a new version.
    const clash = await t.call.admin.post('/api/v1/plugins', { manifest: v2.manifest, code: `${v2.code}\n;` });
    expect(clash.statusCode).toBe(409);
  });

  it('uninstalls, and the audit log has every step', async () => {
    expect((await t.call.admin.del('/api/v1/plugins/order-guard')).statusCode).toBe(204);
    expect((await t.call.admin.get('/api/v1/plugins')).json().data).toEqual([]);
    expect((await t.call.admin.get('/api/v1/plugins/order-guard')).statusCode).toBe(404);
    expect((await t.call.rep1.post('/api/v1/objects/order', order('5000'))).statusCode).toBe(201);
    const actions = (await store.audit.list(t.name, { object: 'plugin', limit: 100 })).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'plugin.install',
        'plugin.consent',
        'plugin.configure',
        'plugin.refused',
        'plugin.disable',
        'plugin.enable',
        'plugin.upgrade_requested',
        'plugin.rollback',
        'plugin.uninstall',
      ]),
    );
    const configure = (await store.audit.list(t.name, { object: 'plugin', limit: 100 })).find((a) => a.action === 'plugin.configure');
    expect(JSON.stringify(configure)).not.toContain('hunter2');
  });
});
