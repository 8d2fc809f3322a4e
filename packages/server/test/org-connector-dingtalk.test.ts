// The dingtalk-org connector as a customer runs it, against a local DingTalk fake: a sync builds
// the org with managers from dept_manager_userid_list; a person without an email fails alone;
// a second sync changes nothing; address-book callbacks, encrypted and signed as DingTalk sends
// them, are verified and decrypted by the host and answered with DingTalk's encrypted "success".
import { decryptMessage, encryptMessage, msgSignature } from '@attain/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeChart, seededChart } from './org-connectors/org-chart.ts';
import { DINGTALK_APP, dingtalkFake, type DingTalkFake } from './org-connectors/dingtalk-fake.ts';
import { connector, expectChanged, expectLeaverLockedOut, expectSeeded, leaverSession, readOrg, spans, syncCalls, syncNow, today, type Connector } from './org-connectors/support.ts';

const id = (n: number) => String(n + 100);
const chart = seededChart('1', id);
chart.people.push({ id: 'nina', name: 'Nina No-Mail', email: null, mobile: '13800000010', depts: [id(5)] });
const TOKEN = 'dt-callback-token';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
let fake: DingTalkFake;
let c: Connector;

beforeAll(async () => {
  fake = await dingtalkFake(chart);
  c = await connector('dingtalk-org', fake, () => ({ ...DINGTALK_APP, callbackToken: TOKEN, encodingAesKey: AES, ownerKey: DINGTALK_APP.appKey }));
});
afterAll(async () => {
  await c?.close();
  await fake?.close();
});

/** A callback as DingTalk sends it: signature, timestamp and nonce in the query, `{encrypt}` body. */
function deliver(event: unknown, opts: { signature?: string; tenant?: string; owner?: string } = {}) {
  const encrypt = encryptMessage(AES, opts.owner ?? DINGTALK_APP.appKey, JSON.stringify(event));
  const timestamp = String(Date.now());
  const nonce = 'nEXhMP4r';
  const signature = opts.signature ?? msgSignature(TOKEN, timestamp, nonce, encrypt);
  return c.app.inject({
    method: 'POST',
    url: `/api/v1/inbound/${opts.tenant ?? c.t.name}/dingtalk-org?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ encrypt }),
  });
}

describe('dingtalk-org connector', () => {
  it('a sync builds the org; a person without an email fails alone with the reason', async () => {
    await syncNow(c);
    const org = await readOrg(c);
    expectSeeded(org, '1', id);
    expect(org.people.has('nina')).toBe(false);
    const [last] = await syncCalls(c);
    expect(last?.counts).toMatchObject({ created: 15, failed: 1 });
    expect(fake.log.some((r) => r.path === '/topapi/v2/user/list' && Number(r.json.cursor) > 0)).toBe(true);
  });

  it('a second identical sync changes nothing; an expired token is fetched again', async () => {
    const before = await spans(c, (await readOrg(c)).people.get('sam')?.id ?? '');
    fake.expireTokens();
    await syncNow(c);
    const [last] = await syncCalls(c);
    expect(last?.counts).toEqual({ unchanged: 15, failed: 1 });
    expect(await spans(c, (await readOrg(c)).people.get('sam')?.id ?? '')).toEqual(before);
    expect(fake.log.filter((r) => r.path === '/gettoken')).toHaveLength(2);
  });

  it("answers check_url with DingTalk's encrypted, signed success", async () => {
    const res = await deliver({ EventType: 'check_url' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { msg_signature: string; timeStamp: string; nonce: string; encrypt: string };
    expect(body.msg_signature).toBe(msgSignature(TOKEN, body.timeStamp, body.nonce, body.encrypt));
    expect(decryptMessage(AES, DINGTALK_APP.appKey, body.encrypt)).toBe('success');
  });

  it('callbacks: the org follows with today as the effective date, and the leaver is locked out', async () => {
    const leoCall = await leaverSession(c, await readOrg(c));
    changeChart(chart, id(4));
    expect((await deliver({ EventType: 'user_modify_org', UserId: ['rita'], CorpId: 'dingcorp', TimeStamp: String(Date.now()) })).statusCode).toBe(200);
    expect((await deliver({ EventType: 'org_dept_modify', DeptId: [Number(id(4))], CorpId: 'dingcorp', TimeStamp: String(Date.now()) })).statusCode).toBe(200);
    expect((await deliver({ EventType: 'user_leave_org', UserId: ['leo'], CorpId: 'dingcorp', TimeStamp: String(Date.now()) })).statusCode).toBe(200);
    await c.drain();
    const org = await readOrg(c);
    expectChanged(org, id);
    const rita = await spans(c, org.people.get('rita')?.id ?? '');
    expect(rita.at(-1)).toMatchObject({ org_unit_id: org.units.get(id(4))?.id, valid_from: today(), valid_to: null });
    await expectLeaverLockedOut(c, leoCall, 'leo@acme.test');
  });

  it('refuses a bad signature or a message for another app (401), an unknown tenant (404)', async () => {
    const bad = await deliver({ EventType: 'user_modify_org', UserId: ['rita'] }, { signature: '0'.repeat(40) });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toMatchObject({ code: 'inbound_signature' });
    expect((await deliver({ EventType: 'user_modify_org' }, { owner: 'someone-else' })).statusCode).toBe(401);
    expect((await deliver({ EventType: 'user_modify_org' }, { tenant: 'nosuchtenant' })).statusCode).toBe(404);
    const noBody = await c.app.inject({
      method: 'POST',
      url: `/api/v1/inbound/${c.t.name}/dingtalk-org?signature=x&timestamp=1&nonce=n`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json().error.code).toBe('inbound_payload');
  });
});
