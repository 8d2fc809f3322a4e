// The signature of an inbound event, in the scheme Stripe documents for its webhooks: a header
// `Attain-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (several v1
// values may be sent, e.g. while a sender moves to a new secret). The timestamp must be within
// five minutes of the server's clock, so a captured request cannot be replayed later; the
// comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../http/errors.ts';

export const SIGNATURE_HEADER = 'attain-signature';
/** Seconds a signed request stays valid (either side of the server's clock). */
export const TOLERANCE_SECONDS = 300;

export function hmacHex(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value a sender computes (also what tests and the docs' example send). */
export function signatureHeader(secret: string, body: string, now: Date = new Date()): string {
  const t = String(Math.floor(now.getTime() / 1000));
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

export type SignatureRule = 'missing' | 'format' | 'expired' | 'mismatch' | 'no_secret';

export const badSignature = (rule: SignatureRule, message: string) => new ApiError(401, 'invalid_signature', message, [{ path: `/headers/${SIGNATURE_HEADER}`, rule, message }]);

/** Throws 401 `invalid_signature` (rule: missing, format, expired, mismatch) unless the header signs `body` with `secret`. */
export function verifySignature(header: unknown, body: string, secret: string, now: Date = new Date()): void {
  if (typeof header !== 'string' || header === '') throw badSignature('missing', `send the ${SIGNATURE_HEADER} header (t=…,v1=…)`);
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const [k, v] = eq > 0 ? [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] : ['', ''];
    if (k === 't') t = v;
    else if (k === 'v1') v1.push(v);
  }
  if (!t || !/^\d{1,12}$/.test(t) || v1.length === 0 || v1.length > 8) throw badSignature('format', `${SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex>`);
  if (Math.abs(now.getTime() / 1000 - Number(t)) > TOLERANCE_SECONDS) throw badSignature('expired', `the signature's timestamp is more than ${TOLERANCE_SECONDS} s from the server's clock`);
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  const ok = v1.some((v) => {
    const given = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.alloc(0);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw badSignature('mismatch', 'the signature does not match the body and the tenant secret');
}
