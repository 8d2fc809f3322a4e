// The wecom-org connector as a customer runs it, against a local WeCom fake: a sync builds the
// org with managers from department_leader; a second sync changes nothing; the URL check (GET
// with echostr) is answered with the decrypted echo; change_contact callbacks, encrypted and
// signed as WeCom sends them (XML), move people, change leaders and deactivate a leaver at once.
import { encryptMessage, msgSignature } from '@attain/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeChart, seededChart } from './org-connectors/org-chart.ts';
import { WECOM_CORP, wecomFake, type WecomFake } from './org-connectors/wecom-fake.ts';
import { connector, expectChanged, expectLeaverLockedOut, expectSeeded, leaverSession, readOrg, spans, syncCalls, syncNow, today, type Connector } from './org-connectors/support.ts';

const id = (n: number) => String(n + 1);
const chart = seededChart('1', id);
const TOKEN = 'wecom-callback-token';
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
let fake: WecomFake;
let c: Connector;

beforeAll(async () => {
  fake = await wecomFake(chart);
  c = await connector('wecom-org', fake, () => ({ ...WECOM_CORP, callbackToken: TOKEN, encodingAesKey: AES }));
});
afterAll(async () => {
  await c?.close();
  await fake?.close();
});

const signed = (encrypted: string) => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = '1372623149';
  return { timestamp, nonce, msg_signature: msgSignature(TOKEN, timestamp, nonce, encrypted) };
};

/** A change_contact callback as WeCom sends it: XML with <Encrypt>, signature in the query. */
function deliver(fields: Record<string, string>, opts: { signature?: string; corp?: string } = {}) {
  const inner = `<xml><ToUserName><![CDATA[${WECOM_CORP.corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>${Object.entries(
    fields,
  )
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
  const encrypted = encryptMessage(AES, opts.corp ?? WECOM_CORP.corpId, inner);
  const q = signed(encrypted);
  return c.app.inject({
    method: 'POST',
    url: `/api/v1/inbound/${c.t.name}/wecom-org?msg_signature=${opts.signature ?? q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}`,
    headers: { 'content-type': 'text/xml' },
    payload: `<xml><ToUserName><![CDATA[${WECOM_CORP.corpId}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  });
}

describe('wecom-org connector', () => {
  it('a sync builds units, people and managers from department_leader', async () => {
    await syncNow(c);
    expectSeeded(await readOrg(c), '1', id);
    const [last] = await syncCalls(c);
    expect(last?.counts).toEqual({ created: 15 });
  });

  it('a second identical sync changes nothing; an expired token is fetched again', async () => {
    fake.expireTokens();
    await syncNow(c);
    const [last] = await syncCalls(c);
    expect(last?.counts).toEqual({ unchanged: 15 });
    expect(fake.log.filter((r) => r.path === '/cgi-bin/gettoken')).toHaveLength(2);
  });

  it('answers the URL check with the decrypted echostr', async () => {
    const echostr = encryptMessage(AES, WECOM_CORP.corpId, '1616140317555161061');
    const q = signed(echostr);
    const res = await c.app.inject({
      method: 'GET',
      url: `/api/v1/inbound/${c.t.name}/wecom-org?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${encodeURIComponent(echostr)}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe('1616140317555161061');
  });

  it('change_contact callbacks: the org follows with today as the effective date, and the leaver is locked out', async () => {
    const leoCall = await leaverSession(c, await readOrg(c));
    changeChart(chart, id(4));
    const moved = await deliver({ ChangeType: 'update_user', UserID: 'rita', Department: id(4), MainDepartment: id(4) });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.body).toBe('success');
    expect((await deliver({ ChangeType: 'update_party', Id: id(4) })).statusCode).toBe(200);
    expect((await deliver({ ChangeType: 'delete_user', UserID: 'leo' })).statusCode).toBe(200);
    await c.drain();
    const org = await readOrg(c);
    expectChanged(org, id);
    const rita = await spans(c, org.people.get('rita')?.id ?? '');
    expect(rita.at(-1)).toMatchObject({ org_unit_id: org.units.get(id(4))?.id, valid_from: today(), valid_to: null });
    await expectLeaverLockedOut(c, leoCall, 'leo@acme.test');
  });

  it('refuses a bad signature or a message for another corp (401)', async () => {
    const bad = await deliver({ ChangeType: 'update_user', UserID: 'rita' }, { signature: 'a'.repeat(40) });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toMatchObject({ code: 'inbound_signature' });
    expect((await deliver({ ChangeType: 'update_user', UserID: 'rita' }, { corp: 'wwother' })).statusCode).toBe(401);
    const noXml = await c.app.inject({ method: 'POST', url: `/api/v1/inbound/${c.t.name}/wecom-org?msg_signature=x&timestamp=1&nonce=n`, headers: { 'content-type': 'text/xml' }, payload: 'hello' });
    expect(noXml.statusCode).toBe(400);
  });
});
