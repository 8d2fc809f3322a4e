// The feishu-org connector as a customer runs it: installed, granted and configured through the
// plugins API against a local Feishu fake; a sync now builds the org (units, people, managers
// from department leaders); a second sync changes nothing; contact change events (encrypted and
// signed as Feishu sends them) move people, change leaders and deactivate a leaver at once.
import { feishuEncrypt, feishuSignature } from '@attain/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeChart, seededChart } from './org-connectors/org-chart.ts';
import { FEISHU_APP, feishuFake, type FeishuFake } from './org-connectors/feishu-fake.ts';
import { connector, expectChanged, expectLeaverLockedOut, expectSeeded, leaverSession, readOrg, spans, syncCalls, syncNow, today, type Connector } from './org-connectors/support.ts';

const id = (n: number) => `od-${n}`;
const chart = seededChart('0', id);
const VERIFY = 'v-token-123';
const ENCRYPT = 'e-key-456';
let fake: FeishuFake;
let c: Connector;

beforeAll(async () => {
  fake = await feishuFake(chart);
  c = await connector('feishu-org', fake, () => ({ ...FEISHU_APP, verificationToken: VERIFY, encryptKey: ENCRYPT, rootName: 'Acme Corp' }));
});
afterAll(async () => {
  await c?.close();
  await fake?.close();
});

/** A callback as Feishu sends it with an Encrypt Key: `{encrypt}` body, X-Lark-* signature headers. */
function deliver(tenant: string, event: unknown, opts: { signature?: string; plugin?: string } = {}) {
  const body = JSON.stringify({ encrypt: feishuEncrypt(ENCRYPT, JSON.stringify(event)) });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = 'n0nce';
  return c.app.inject({
    method: 'POST',
    url: `/api/v1/inbound/${tenant}/${opts.plugin ?? 'feishu-org'}`,
    headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': opts.signature ?? feishuSignature(ts, nonce, ENCRYPT, body) },
    payload: body,
  });
}
const v2 = (type: string, object: Record<string, unknown>, eventId: string) => ({
  schema: '2.0',
  header: { event_id: eventId, event_type: type, create_time: String(Date.now()), token: VERIFY, app_id: FEISHU_APP.appId, tenant_key: 'tk-1' },
  event: { object },
});

describe('feishu-org connector', () => {
  it('keeps its secrets masked', async () => {
    const view = (await c.admin.get('/api/v1/plugins/feishu-org')).json().data;
    expect(view.settings).toMatchObject({ appId: FEISHU_APP.appId, appSecret: '••••', verificationToken: '••••', encryptKey: '••••' });
    expect(view.granted.org).toEqual(['sync']);
  });

  it('a sync builds units, people and managers from department leaders, paging as Feishu does', async () => {
    await syncNow(c);
    const org = await readOrg(c);
    expectSeeded(org, '0', id);
    expect(org.people.get('rita')?.phone).toBe('+8613800000005');
    expect(fake.log.filter((r) => r.path.endsWith('tenant_access_token/internal'))).toHaveLength(1);
    expect(fake.log.some((r) => r.path.endsWith('/children') && r.query.get('page_token'))).toBe(true);
  });

  it('a second identical sync changes nothing; an expired token is fetched again', async () => {
    const before = await spans(c, (await readOrg(c)).people.get('ray')?.id ?? '');
    fake.expireTokens();
    await syncNow(c);
    const [last] = await syncCalls(c);
    expect(last?.counts).toEqual({ unchanged: 15 });
    expect(await spans(c, (await readOrg(c)).people.get('ray')?.id ?? '')).toEqual(before);
    expect(fake.log.filter((r) => r.path.endsWith('tenant_access_token/internal'))).toHaveLength(2);
  });

  it('answers the url_verification challenge', async () => {
    const res = await deliver(c.t.name, { challenge: 'ch-789', token: VERIFY, type: 'url_verification' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ challenge: 'ch-789' });
  });

  it('change events: the org follows with today as the effective date, and the leaver is locked out', async () => {
    const leoCall = await leaverSession(c, await readOrg(c));
    changeChart(chart, id(4));
    expect((await deliver(c.t.name, v2('contact.user.updated_v3', { open_id: 'rita', department_ids: [id(4)] }, 'ev-1'))).statusCode).toBe(200);
    expect((await deliver(c.t.name, v2('contact.department.updated_v3', { open_department_id: id(4), leader_user_id: 'ray' }, 'ev-2'))).statusCode).toBe(200);
    expect((await deliver(c.t.name, v2('contact.user.deleted_v3', { open_id: 'leo' }, 'ev-3'))).statusCode).toBe(200);
    await c.drain();
    const org = await readOrg(c);
    expectChanged(org, id);
    const rita = await spans(c, org.people.get('rita')?.id ?? '');
    expect(rita.at(-1)).toMatchObject({ org_unit_id: org.units.get(id(4))?.id, manager_id: org.people.get('ray')?.id, valid_from: today(), valid_to: null });
    expect(rita.at(-2)).toMatchObject({ org_unit_id: org.units.get(id(3))?.id, valid_to: today() });
    await expectLeaverLockedOut(c, leoCall, 'leo@acme.test');
    // The same event delivered again runs nothing new.
    const calls = (await syncCalls(c)).length;
    await deliver(c.t.name, v2('contact.user.deleted_v3', { open_id: 'leo' }, 'ev-3'));
    await c.drain();
    expect((await syncCalls(c)).length).toBe(calls);
  });

  it('refuses a bad signature or token (401), an unknown tenant or plugin (404)', async () => {
    const bad = await deliver(c.t.name, v2('contact.user.updated_v3', { open_id: 'rita' }, 'ev-9'), { signature: 'f'.repeat(64) });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toMatchObject({ code: 'inbound_signature' });
    const wrongToken = await deliver(c.t.name, { ...v2('contact.user.updated_v3', {}, 'ev-10'), header: { event_id: 'ev-10', event_type: 'contact.user.updated_v3', token: 'nope' } });
    expect(wrongToken.statusCode).toBe(401);
    expect((await deliver('nosuchtenant', v2('x', {}, 'ev-11'))).statusCode).toBe(404);
    expect((await deliver(c.t.name, v2('x', {}, 'ev-12'), { plugin: 'deal-robot' })).statusCode).toBe(404);
    const garbage = await c.app.inject({ method: 'POST', url: `/api/v1/inbound/${c.t.name}/feishu-org`, headers: { 'content-type': 'application/json' }, payload: 'not json' });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe('inbound_payload');
  });
});
