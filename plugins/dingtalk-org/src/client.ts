import type { Attain } from 'attain:sdk';

export interface Settings {
  appKey: string;
  appSecret: string;
  callbackToken: string;
  encodingAesKey: string;
  ownerKey: string;
  apiBase?: string;
}

/** DingTalk's answer envelope: `{errcode, errmsg, result}`; errcode 0 is success. */
interface Envelope {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  result?: unknown;
  access_token?: string;
  expires_in?: number;
}

// An access_token that is not (or no longer) valid: fetch a new one and retry once.
const TOKEN_ERRORS = new Set(['40001', '40014', '42001']);

/** access_token per app, cached in the warm context (a cache only: a cold context asks again). */
const tokens = new Map<string, { token: string; until: number }>();

const base = (s: Settings): string => (s.apiBase ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '');

async function token(attain: Attain<Settings>, fresh: boolean): Promise<string> {
  const s = attain.settings;
  const key = `${base(s)} ${s.appKey}`;
  const known = tokens.get(key);
  if (!fresh && known && known.until > Date.now()) return known.token;
  // GET /gettoken?appkey=…&appsecret=… (enterprise internal app), valid for expires_in seconds.
  const res = await attain.fetch(`${base(s)}/gettoken?appkey=${encodeURIComponent(s.appKey)}&appsecret=${encodeURIComponent(s.appSecret)}`);
  const body = (res.json ?? {}) as Envelope;
  if (body.errcode !== 0 || typeof body.access_token !== 'string') throw new Error(`DingTalk refused the app credentials (errcode ${String(body.errcode)}: ${String(body.errmsg ?? res.status)})`);
  tokens.set(key, { token: body.access_token, until: Date.now() + Math.max(60, (body.expires_in ?? 7200) - 300) * 1000 });
  return body.access_token;
}

/** POST a topapi method with the access_token; one retry with a new token when DingTalk says it is invalid. */
export async function call(attain: Attain<Settings>, path: string, json: Record<string, unknown>): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const t = await token(attain, attempt > 0);
    const res = await attain.fetch(`${base(attain.settings)}${path}?access_token=${encodeURIComponent(t)}`, { method: 'POST', json });
    const body = (res.json ?? {}) as Envelope;
    if (body.errcode === 0) return body.result;
    if (attempt === 0 && (TOKEN_ERRORS.has(String(body.errcode)) || TOKEN_ERRORS.has(String(body.sub_code)))) continue;
    throw new Error(`DingTalk ${path} failed (errcode ${String(body.errcode)}: ${String(body.errmsg ?? res.status)})`);
  }
}
