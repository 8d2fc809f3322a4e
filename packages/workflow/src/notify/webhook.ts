// Outbound webhooks: generic JSON signed with HMAC-SHA256, and the group robots of DingTalk,
// WeCom and Feishu in the message formats of their documentation.
import { createHmac } from 'node:crypto';
import { guardedRequest, type OutboundOptions } from './outbound.ts';

export type WebhookFormat = 'json' | 'dingtalk' | 'wecom' | 'feishu';

export interface WebhookMessage {
  /** Generic JSON payload (format json). */
  payload: unknown;
  /** Text for the robots. */
  title: string;
  text: string;
}

export interface PreparedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Header value `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function prepareWebhook(format: WebhookFormat, url: string, msg: WebhookMessage, opts: { secret?: string; now: Date; deliveryId: string }): PreparedRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Attain-Workflow/1' };
  switch (format) {
    case 'dingtalk': {
      // DingTalk custom robot, "加签": sign = urlencode(base64(HmacSHA256(secret, `${timestamp}\n${secret}`))), timestamp in ms.
      let target = url;
      if (opts.secret) {
        const ts = String(opts.now.getTime());
        const sign = createHmac('sha256', opts.secret).update(`${ts}\n${opts.secret}`).digest('base64');
        target += `${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${encodeURIComponent(sign)}`;
      }
      return { url: target, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: msg.title, text: `#### ${msg.title}\n\n${msg.text}` } }) };
    }
    case 'wecom':
      // WeCom group robot: POST …/webhook/send?key=…; markdown content up to 4096 bytes.
      return { url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: `**${msg.title}**\n${msg.text}`.slice(0, 4000) } }) };
    case 'feishu': {
      // Feishu custom bot: sign = base64(HmacSHA256(key = `${timestamp}\n${secret}`, message = "")), timestamp in seconds.
      const body: Record<string, unknown> = { msg_type: 'text', content: { text: `${msg.title}\n${msg.text}` } };
      if (opts.secret) {
        const ts = String(Math.floor(opts.now.getTime() / 1000));
        body.timestamp = ts;
        body.sign = createHmac('sha256', `${ts}\n${opts.secret}`).update('').digest('base64');
      }
      return { url, headers, body: JSON.stringify(body) };
    }
    default: {
      const body = JSON.stringify(msg.payload);
      const ts = String(Math.floor(opts.now.getTime() / 1000));
      headers['x-attain-delivery'] = opts.deliveryId;
      headers['x-attain-timestamp'] = ts;
      if (opts.secret) headers['x-attain-signature'] = signBody(opts.secret, ts, body);
      return { url, headers, body };
    }
  }
}

/**
 * Sends and checks the answer: a 2xx, and for robots a zero errcode/code in the JSON reply. The
 * request goes through the SSRF guard (`./outbound.ts`); a bare number is the timeout, with no
 * host allowed past the guard.
 */
export async function sendWebhook(format: WebhookFormat, req: PreparedRequest, options: number | OutboundOptions): Promise<void> {
  const opts: OutboundOptions = typeof options === 'number' ? { timeoutMs: options } : options;
  const res = await guardedRequest(req.url, { method: 'POST', headers: req.headers, body: req.body }, opts);
  const text = res.text;
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
  if (format === 'json') return;
  let reply: Record<string, unknown> = {};
  try {
    reply = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${format} robot answered something that is not JSON`);
  }
  const code = format === 'feishu' ? (reply.code ?? reply.StatusCode) : reply.errcode;
  if (code !== undefined && code !== 0) throw new Error(`${format} robot refused the message: ${String(reply.errmsg ?? reply.msg ?? code).slice(0, 200)}`);
}
