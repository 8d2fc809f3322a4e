// The host's checks of vendor callbacks, case by case: what each scheme accepts, and that every
// tampered, misaddressed or unconfigured callback is refused with a stable code (never a throw
// of another kind, which the route would turn into a 500).
import { describe, expect, it } from 'vitest';
import type { InboundSpec } from '@attain/sandbox';
import { decryptMessage, encryptMessage, feishuEncrypt, flatXml, InboundRefused, msgSignature } from '../src/inbound-crypto.ts';
import { verifyInbound, type InboundRequest } from '../src/inbound.ts';

const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const feishu: InboundSpec = { scheme: 'feishu', token: 'verificationToken', aesKey: 'encryptKey' };
const wecom: InboundSpec = { scheme: 'wecom', token: 'token', aesKey: 'aes', receiveId: 'corp' };
const req = (body: unknown, extra: Partial<InboundRequest> = {}): InboundRequest => ({
  method: 'POST',
  query: {},
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...extra,
});
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return error instanceof InboundRefused ? error.code : `other: ${String(error)}`;
  }
  return 'accepted';
};

describe('inbound callbacks', () => {
  it('Feishu without an Encrypt Key: plain events checked by their verification token (v2 header, v1 top level)', () => {
    const settings = { verificationToken: 'vt' };
    const v2 = verifyInbound(feishu, settings, req({ schema: '2.0', header: { event_id: 'e1', event_type: 'contact.user.updated_v3', token: 'vt' }, event: {} }));
    expect(v2).toMatchObject({ status: 200, key: 'e1' });
    expect(verifyInbound(feishu, settings, req({ uuid: 'u1', token: 'vt', event: { type: 'x' } }))).toMatchObject({ key: 'u1' });
    expect(verifyInbound(feishu, settings, req({ type: 'url_verification', token: 'vt', challenge: 'c' })).body).toBe('{"challenge":"c"}');
    expect(code(() => verifyInbound(feishu, settings, req({ schema: '2.0', header: { token: 'other' } })))).toBe('bad_signature');
  });

  it('Feishu with an Encrypt Key refuses plain bodies and bodies that do not decrypt', () => {
    const settings = { verificationToken: 'vt', encryptKey: 'ek' };
    expect(code(() => verifyInbound(feishu, settings, req({ type: 'url_verification', token: 'vt', challenge: 'c' })))).toBe('bad_signature');
    expect(code(() => verifyInbound(feishu, settings, req({ encrypt: 'AAAA' })))).toBe('bad_payload');
    expect(code(() => verifyInbound(feishu, settings, req({ encrypt: feishuEncrypt('other-key', '{"token":"vt"}') })))).not.toBe('accepted');
    expect(code(() => verifyInbound(feishu, { encryptKey: 'ek' }, req({})))).toBe('bad_signature');
  });

  it('DingTalk / WeCom messages: round trip, wrong receiver, bad key, bad padding', () => {
    const enc = encryptMessage(AES, 'corp1', 'hello 你好');
    expect(decryptMessage(AES, 'corp1', enc)).toBe('hello 你好');
    expect(code(() => decryptMessage(AES, 'corp2', enc))).toBe('bad_signature');
    expect(code(() => decryptMessage('short', 'corp1', enc))).toBe('bad_payload');
    expect(code(() => decryptMessage(AES, 'corp1', Buffer.alloc(32, 7).toString('base64')))).toBe('bad_payload');
    expect(code(() => decryptMessage(AES, 'corp1', 'not base64 at all'))).toBe('bad_payload');
  });

  it('WeCom: GET echo, POST XML, missing pieces', () => {
    const settings = { token: 't', aes: AES, corp: 'ww1' };
    const echo = encryptMessage(AES, 'ww1', '42');
    const get = { method: 'GET', query: { msg_signature: msgSignature('t', '1', 'n', echo), timestamp: '1', nonce: 'n', echostr: echo }, headers: {}, body: '' };
    expect(verifyInbound(wecom, settings, get).body).toBe('42');
    expect(code(() => verifyInbound(wecom, settings, { ...get, query: { timestamp: '1', nonce: 'n' } }))).toBe('bad_payload');
    expect(code(() => verifyInbound(wecom, settings, req('<xml><ToUserName>x</ToUserName></xml>')))).toBe('bad_payload');
    expect(code(() => verifyInbound(wecom, { token: 't' }, req('<xml/>')))).toBe('bad_signature');
    expect(flatXml('<xml><A><![CDATA[1]]></A><B>2</B><A>3</A></xml>')).toEqual({ A: '1', B: '2' });
  });
});
