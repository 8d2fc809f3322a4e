import type { Attain } from 'attain:sdk';

export interface Settings {
  appId: string;
  appSecret: string;
  verificationToken: string;
  encryptKey?: string;
  rootName?: string;
  apiBase?: string;
}

/** Feishu's answer envelope: `{code, msg, data}`; code 0 is success. */
interface Envelope {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
  tenant_access_token?: string;
  expire?: number;
}

// Token error codes: invalid or expired tenant_access_token → fetch a new one and retry once.
const TOKEN_ERRORS = new Set([99991661, 99991663, 99991664, 99991665, 99991668]);

/** tenant_access_token per app, cached in the warm context (a cache only: a cold context asks again). */
const tokens = new Map<string, { token: string; until: number }>();

const base = (s: Settings): string => (s.apiBase ?? 'https://open.feishu.cn').replace(/\/+$/, '');

async function token(attain: Attain<Settings>, fresh: boolean): Promise<string> {
  const s = attain.settings;
  const key = `${base(s)} ${s.appId}`;
  const known = tokens.get(key);
  if (!fresh && known && known.until > Date.now()) return known.token;
  // POST /open-apis/auth/v3/tenant_access_token/internal (self-built app): {app_id, app_secret}.
  const res = await attain.fetch(`${base(s)}/open-apis/auth/v3/tenant_access_token/internal`, { method: 'POST', json: { app_id: s.appId, app_secret: s.appSecret } });
  const body = (res.json ?? {}) as Envelope;
  if (body.code !== 0 || typeof body.tenant_access_token !== 'string') throw new Error(`Feishu refused the app credentials (code ${String(body.code)}: ${String(body.msg ?? res.status)})`);
  // Renew five minutes before Feishu's `expire` (seconds).
  tokens.set(key, { token: body.tenant_access_token, until: Date.now() + Math.max(60, (body.expire ?? 7200) - 300) * 1000 });
  return body.tenant_access_token;
}

/** GET an Open API path with the tenant token; one retry with a new token when Feishu says it expired. */
export async function get(attain: Attain<Settings>, path: string, query: Record<string, string>): Promise<Record<string, unknown>> {
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  for (let attempt = 0; ; attempt++) {
    const t = await token(attain, attempt > 0);
    const res = await attain.fetch(`${base(attain.settings)}${path}?${qs}`, { headers: { authorization: `Bearer ${t}` } });
    const body = (res.json ?? {}) as Envelope;
    if (body.code === 0) return body.data ?? {};
    if (attempt === 0 && TOKEN_ERRORS.has(Number(body.code))) continue;
    throw new Error(`Feishu ${path} failed (code ${String(body.code)}: ${String(body.msg ?? res.status)})`);
  }
}

/** Every item of a paged list (`has_more` / `page_token`). */
export async function all(attain: Attain<Settings>, path: string, query: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let pageToken = '';
  for (let page = 0; page < 1000; page++) {
    const data = await get(attain, path, { ...query, page_size: '50', ...(pageToken ? { page_token: pageToken } : {}) });
    if (Array.isArray(data.items)) out.push(...(data.items as Array<Record<string, unknown>>));
    if (data.has_more !== true || typeof data.page_token !== 'string' || data.page_token === '') break;
    pageToken = data.page_token;
  }
  return out;
}
