import { base64, hmacSha256 } from './hmac.ts';

export type Platform = 'dingtalk' | 'feishu' | 'wecom';

export interface WonDeal {
  name: string;
  amount: string;
  customer: string;
  owner: string;
}

/**
 * The robots' own message formats (custom robot / custom bot / group robot webhooks) and their
 * signatures: DingTalk signs `${timestampMs}\n${secret}` with the secret as key and puts it in the
 * URL; Feishu signs an empty message with `${timestampSeconds}\n${secret}` as key, in the body.
 */
export function robotRequest(platform: Platform, url: string, deal: WonDeal, secret: string | undefined, now: number): { url: string; body: unknown } {
  const title = `🎉 Won: ${deal.name}`;
  const lines = [`Amount: ${deal.amount}`, `Customer: ${deal.customer}`, `Owner: ${deal.owner}`];
  switch (platform) {
    case 'dingtalk': {
      let target = url;
      if (secret) {
        const ts = String(now);
        const sign = base64(hmacSha256(secret, `${ts}\n${secret}`));
        target += `${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${encodeURIComponent(sign)}`;
      }
      return { url: target, body: { msgtype: 'markdown', markdown: { title, text: `#### ${title}\n\n${lines.map((l) => `- ${l}`).join('\n')}` } } };
    }
    case 'feishu': {
      const body: Record<string, unknown> = { msg_type: 'text', content: { text: `${title}\n${lines.join('\n')}` } };
      if (secret) {
        const ts = String(Math.floor(now / 1000));
        body.timestamp = ts;
        body.sign = base64(hmacSha256(`${ts}\n${secret}`, ''));
      }
      return { url, body };
    }
    default:
      return { url, body: { msgtype: 'markdown', markdown: { content: `**${title}**\n${lines.map((l) => `> ${l}`).join('\n')}` } } };
  }
}

/** DingTalk and WeCom answer `{errcode: 0}`, Feishu `{code: 0}` (older bots: `{StatusCode: 0}`). */
export function robotAccepted(json: unknown): boolean {
  if (json === null || typeof json !== 'object') return false;
  const r = json as Record<string, unknown>;
  const code = r.errcode ?? r.code ?? r.StatusCode;
  return code === 0;
}
