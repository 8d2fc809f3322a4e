import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The vendors' callback security, on the host (the sandbox has no crypto):
 *
 * - DingTalk and WeCom (same scheme, "企业内部应用回调" / "接收消息服务器配置"): the signature is
 *   SHA-1 of the sorted concatenation of token, timestamp, nonce and the encrypted text; the text
 *   is AES-256-CBC with key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes, PKCS#7
 *   padding to 32 bytes, plaintext = 16 random bytes · 4-byte big-endian length · message ·
 *   receive id (the corp id, or the DingTalk app key).
 * - Feishu event subscription v2: the verification token inside the event; with an Encrypt Key,
 *   the body is `{"encrypt": base64(iv · AES-256-CBC(sha256(key), iv, json))}` and
 *   `X-Lark-Signature` = hex SHA-256 of timestamp · nonce · key · raw body.
 */
export class InboundRefused extends Error {
  readonly code: 'bad_signature' | 'bad_payload';
  constructor(code: 'bad_signature' | 'bad_payload', message: string) {
    super(message);
    this.code = code;
  }
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** DingTalk / WeCom message signature. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return sha1([token, timestamp, nonce, encrypted].sort().join(''));
}

function aesKeyOf(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (encodingAesKey.length !== 43 || key.length !== 32) throw new InboundRefused('bad_payload', 'the EncodingAESKey setting must be 43 characters');
  return key;
}

/** Decrypts a DingTalk / WeCom message and checks it is addressed to `receiveId`. */
export function decryptMessage(encodingAesKey: string, receiveId: string, encrypted: string): string {
  const key = aesKeyOf(encodingAesKey);
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    d.setAutoPadding(false);
    plain = Buffer.concat([d.update(Buffer.from(encrypted, 'base64')), d.final()]);
  } catch {
    throw new InboundRefused('bad_payload', 'the message does not decrypt with the EncodingAESKey');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 32 || plain.length < 20 + pad) throw new InboundRefused('bad_payload', 'the decrypted message has bad padding');
  const body = plain.subarray(16, plain.length - pad);
  const len = body.readUInt32BE(0);
  if (len > body.length - 4) throw new InboundRefused('bad_payload', 'the decrypted message has a bad length');
  const to = body.subarray(4 + len).toString('utf8');
  if (!sameText(to, receiveId)) throw new InboundRefused('bad_signature', 'the message is addressed to another corp or app');
  return body.subarray(4, 4 + len).toString('utf8');
}

/** Encrypts a DingTalk / WeCom message (the answer DingTalk expects, and the fakes' callbacks). */
export function encryptMessage(encodingAesKey: string, receiveId: string, message: string): string {
  const key = aesKeyOf(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const raw = Buffer.concat([randomBytes(16), len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (raw.length % 32);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([raw, Buffer.alloc(pad, pad)])), c.final()]).toString('base64');
}

/** Feishu: `{"encrypt": …}` → the event JSON text. */
export function feishuDecrypt(encryptKey: string, encrypted: string): string {
  try {
    const buf = Buffer.from(encrypted, 'base64');
    const key = createHash('sha256').update(encryptKey).digest();
    const d = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
    return Buffer.concat([d.update(buf.subarray(16)), d.final()]).toString('utf8');
  } catch {
    throw new InboundRefused('bad_payload', 'the event does not decrypt with the Encrypt Key');
  }
}

export function feishuEncrypt(encryptKey: string, json: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, c.update(json, 'utf8'), c.final()]).toString('base64');
}

/** Feishu's `X-Lark-Signature`. */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + body)
    .digest('hex');
}

/** WeCom's callback body: one level of `<Tag><![CDATA[value]]></Tag>` or `<Tag>value</Tag>`. */
export function flatXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inner = /<xml>([\s\S]*)<\/xml>/.exec(xml)?.[1];
  if (inner === undefined) throw new InboundRefused('bad_payload', 'the body is not a WeCom XML message');
  for (const m of inner.matchAll(/<([A-Za-z][A-Za-z0-9_]{0,63})>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    const tag = m[1] as string;
    if (!Object.hasOwn(out, tag)) out[tag] = m[2] ?? m[3] ?? '';
  }
  return out;
}
