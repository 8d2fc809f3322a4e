import { createHash } from 'node:crypto';
import type { InboundSpec } from '@attain/sandbox';
import { StoreError, type Job } from '@attain/store';
import { decryptMessage, encryptMessage, feishuDecrypt, feishuSignature, flatXml, InboundRefused, msgSignature, sameText } from './inbound-crypto.ts';
import type { PluginRuntime } from './runtime.ts';

export const INBOUND_QUEUE = 'plugins.inbound';

/** A vendor's callback as it arrived (the raw body: signatures are over its exact bytes). */
export interface InboundRequest {
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: string;
}

/** What to answer the vendor, and the verified event to hand the plugin (none for a URL check). */
export interface InboundAnswer {
  status: number;
  contentType: string;
  body: string;
  event?: unknown;
  /** The vendor's event id (or the message signature): a redelivery runs the plugin once. */
  key?: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const refuse = (message: string): never => {
  throw new InboundRefused('bad_signature', message);
};

function setting(settings: Record<string, unknown>, name: string | undefined): string {
  const v = name === undefined ? undefined : settings[name];
  if (typeof v !== 'string' || v.length === 0) throw new InboundRefused('bad_signature', `the plugin's "${name}" setting is empty: callbacks cannot be verified`);
  return v;
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new InboundRefused('bad_payload', 'the body must be a JSON object');
}

const json = (status: number, v: unknown): InboundAnswer => ({ status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(v) });

function feishu(spec: InboundSpec, settings: Record<string, unknown>, req: InboundRequest): InboundAnswer {
  const token = setting(settings, spec.token);
  let body = parseJson(req.body);
  if (spec.aesKey !== undefined && typeof settings[spec.aesKey] === 'string' && settings[spec.aesKey] !== '') {
    const key = settings[spec.aesKey] as string;
    if (typeof body.encrypt !== 'string') refuse('events must be encrypted with the Encrypt Key');
    const sig = text(req.headers['x-lark-signature']);
    // Feishu signs every event but not the URL check; the token inside is checked either way.
    if (sig && !sameText(sig, feishuSignature(text(req.headers['x-lark-request-timestamp']), text(req.headers['x-lark-request-nonce']), key, req.body))) refuse('X-Lark-Signature does not match');
    body = parseJson(feishuDecrypt(key, body.encrypt as string));
  }
  const header = (body.header ?? {}) as Record<string, unknown>;
  const given = body.type === 'url_verification' || body.schema === undefined ? body.token : header.token;
  if (typeof given !== 'string' || !sameText(given, token)) refuse('the verification token does not match');
  if (body.type === 'url_verification') return json(200, { challenge: body.challenge });
  const id = typeof header.event_id === 'string' ? header.event_id : typeof body.uuid === 'string' ? body.uuid : undefined;
  return { ...json(200, { code: 0 }), event: body, ...(id ? { key: id } : {}) };
}

function dingtalk(spec: InboundSpec, settings: Record<string, unknown>, req: InboundRequest): InboundAnswer {
  const [token, aesKey, receiveId] = [setting(settings, spec.token), setting(settings, spec.aesKey), setting(settings, spec.receiveId)];
  // DingTalk's own samples read `timeStamp` or `timestamp`, `msg_signature` or `signature`.
  const { timestamp, nonce } = { timestamp: text(req.query.timestamp) || text(req.query.timeStamp), nonce: text(req.query.nonce) };
  const sig = text(req.query.msg_signature) || text(req.query.signature);
  const encrypted = parseJson(req.body).encrypt;
  if (typeof encrypted !== 'string') throw new InboundRefused('bad_payload', 'the body must be {"encrypt": …}');
  if (!sig || !sameText(sig, msgSignature(token, timestamp, nonce, encrypted))) refuse('the signature does not match');
  const event = parseJson(decryptMessage(aesKey, receiveId, encrypted));
  // DingTalk wants "success", encrypted and signed, or it retries (and a URL check fails).
  const ts = String(Date.now());
  const n = createHash('sha256').update(sig).digest('hex').slice(0, 8);
  const answer = encryptMessage(aesKey, receiveId, 'success');
  const reply = json(200, { msg_signature: msgSignature(token, ts, n, answer), timeStamp: ts, nonce: n, encrypt: answer });
  return event.EventType === 'check_url' ? reply : { ...reply, event, key: sig };
}

function wecom(spec: InboundSpec, settings: Record<string, unknown>, req: InboundRequest): InboundAnswer {
  const [token, aesKey, receiveId] = [setting(settings, spec.token), setting(settings, spec.aesKey), setting(settings, spec.receiveId)];
  const { timestamp, nonce, sig } = { timestamp: text(req.query.timestamp), nonce: text(req.query.nonce), sig: text(req.query.msg_signature) };
  // The URL check: GET with `echostr`, answered with its decrypted text.
  const encrypted = req.method === 'GET' ? text(req.query.echostr) : flatXml(req.body).Encrypt;
  if (!encrypted) throw new InboundRefused('bad_payload', req.method === 'GET' ? 'echostr is missing' : 'the XML has no <Encrypt>');
  if (!sig || !sameText(sig, msgSignature(token, timestamp, nonce, encrypted))) refuse('the signature does not match');
  const plain = decryptMessage(aesKey, receiveId, encrypted);
  if (req.method === 'GET') return { status: 200, contentType: 'text/plain; charset=utf-8', body: plain };
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success', event: flatXml(plain), key: sig };
}

/** Verifies (and decrypts) one callback by the plugin's declared scheme. Throws InboundRefused. */
export function verifyInbound(spec: InboundSpec, settings: Record<string, unknown>, req: InboundRequest): InboundAnswer {
  if (spec.scheme === 'feishu') return feishu(spec, settings, req);
  if (spec.scheme === 'dingtalk') return dingtalk(spec, settings, req);
  return wecom(spec, settings, req);
}

const notFound = (): StoreError =>
  new StoreError('not_found', 'no enabled plugin of this tenant receives callbacks here', [
    { path: '/plugin', rule: 'inbound', message: 'unknown tenant or plugin, or it declares no inbound callbacks' },
  ]);

/**
 * A callback for a tenant's plugin: verified and answered here; the event runs the plugin's
 * `inbound` hook as a durable job (vendors wait a few seconds at most; a sync takes longer).
 */
export async function receiveInbound(runtime: PluginRuntime, tenant: string, plugin: string, req: InboundRequest): Promise<InboundAnswer> {
  const snapshot = await runtime.store.snapshot(tenant).catch(() => null);
  if (!snapshot) throw notFound();
  const p = (await runtime.enabled(tenant)).find((x) => x.name === plugin);
  const spec = p?.plugin.manifest.inbound;
  if (!p || !spec || !p.plugin.manifest.hooks.includes('inbound')) throw notFound();
  const answer = verifyInbound(spec, p.settings, req);
  if (answer.event !== undefined) {
    const key = createHash('sha256')
      .update(`${tenant}\n${plugin}\n${answer.key ?? req.body}`)
      .digest('hex');
    await runtime.store.jobs.enqueue({
      queue: INBOUND_QUEUE,
      tenant,
      key: `inbound:${key}`,
      payload: { tenant, plugin, event: { scheme: spec.scheme, payload: answer.event, receivedAt: new Date().toISOString() } },
      maxAttempts: 3,
    });
  }
  return answer;
}

/** The durable job: the plugin's `inbound` hook with the verified event. */
export async function runInbound(runtime: PluginRuntime, job: Job): Promise<unknown> {
  const { tenant, plugin, event } = job.payload as { tenant: string; plugin: string; event: unknown };
  const p = (await runtime.enabled(tenant)).find((x) => x.name === plugin);
  if (!p?.plugin.manifest.hooks.includes('inbound')) return { skipped: true };
  const { result } = await runtime.run(tenant, p, 'inbound', { event }, BACKGROUND_LIMITS);
  return { result };
}

/** Scheduled jobs and callbacks may page through a vendor's whole org: more time and SDK calls than a save's hook. */
export const BACKGROUND_LIMITS = { wallMs: 120_000, cpuMs: 10_000, maxHostCalls: 5_000 } as const;
