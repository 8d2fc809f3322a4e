import type { Attain } from 'attain:sdk';

export interface Settings {
  corpId: string;
  corpSecret: string;
  callbackToken: string;
  encodingAesKey: string;
  apiBase?: string;
}

/** WeCom's answer envelope: `{errcode, errmsg, …}`; errcode 0 is success. */
type Envelope = Record<string, unknown> & { errcode?: number; errmsg?: string; access_token?: string; expires_in?: number };

// 40014 invalid access_token, 42001 expired: fetch a new one and retry once.
const TOKEN_ERRORS = new Set([40014, 42001]);

/** access_token per corp and secret, cached in the warm context (a cache only). */
const tokens = new Map<string, { token: string; until: number }>();

const base = (s: Settings): string => (s.apiBase ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');

async function token(attain: Attain<Settings>, fresh: boolean): Promise<string> {
  const s = attain.settings;
  const key = `${base(s)} ${s.corpId} ${s.corpSecret.slice(0, 6)}`;
  const known = tokens.get(key);
  if (!fresh && known && known.until > Date.now()) return known.token;
  // GET /cgi-bin/gettoken?corpid=…&corpsecret=…, valid for expires_in seconds.
  const res = await attain.fetch(`${base(s)}/cgi-bin/gettoken?corpid=${encodeURIComponent(s.corpId)}&corpsecret=${encodeURIComponent(s.corpSecret)}`);
  const body = (res.json ?? {}) as Envelope;
  if (body.errcode !== 0 || typeof body.access_token !== 'string') throw new Error(`WeCom refused the corp credentials (errcode ${String(body.errcode)}: ${String(body.errmsg ?? res.status)})`);
  tokens.set(key, { token: body.access_token, until: Date.now() + Math.max(60, (body.expires_in ?? 7200) - 300) * 1000 });
  return body.access_token;
}

/** GET a cgi-bin method with the access_token; one retry with a new token when WeCom says it is invalid or expired. */
export async function get(attain: Attain<Settings>, path: string, query: Record<string, string>): Promise<Envelope> {
  const qs = Object.entries(query)
    .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('');
  for (let attempt = 0; ; attempt++) {
    const t = await token(attain, attempt > 0);
    const res = await attain.fetch(`${base(attain.settings)}${path}?access_token=${encodeURIComponent(t)}${qs}`);
    const body = (res.json ?? {}) as Envelope;
    if (body.errcode === 0) return body;
    if (attempt === 0 && TOKEN_ERRORS.has(Number(body.errcode))) continue;
    throw new Error(`WeCom ${path} failed (errcode ${String(body.errcode)}: ${String(body.errmsg ?? res.status)})`);
  }
}
