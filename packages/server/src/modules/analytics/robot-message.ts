// A dashboard snapshot as group-robot messages, in each vendor's documented custom-robot format:
// - DingTalk: `msgtype: markdown` {title, text}; markdown shows an image by URL (`![](url)`), so a
//   PNG appears inline from its link. Signed ("加签") with timestamp + HMAC-SHA256 in the query.
// - WeCom: `msgtype: markdown` {content} with the link, then for a PNG under 2 MB a
//   `msgtype: image` {base64, md5} message (the image inline).
// - Feishu/Lark: `msg_type: post` rich text (zh_cn: title and lines of text and `a` links); an
//   inline image needs an image_key from the app API, which a custom bot lacks, so it is a link.
//   Signed with timestamp + sign in the body.
// - Generic JSON: the snapshot's facts, signed like workflow webhooks (x-attain-signature).
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { signBody } from '@attain/workflow';
import type { RobotFormat } from './subscription-store.ts';

export interface SnapshotNotice {
  subscriptionId: string;
  dashboard: string;
  title: string;
  format: 'png' | 'pdf';
  url: string;
  expiresAt: string;
  takenAt: string;
  /** The rendered file (a PNG may go inline). */
  bytes: Buffer;
  locale: string;
}

export interface RobotRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const WECOM_IMAGE_LIMIT = 2 * 1024 * 1024;

export function robotRequests(format: RobotFormat, url: string, secret: string | undefined, n: SnapshotNotice, now: Date): RobotRequest[] {
  const headers = { 'content-type': 'application/json', 'user-agent': 'Attain-Analytics/1' };
  const zh = n.locale === 'zh-CN';
  const open = zh ? '打开快照' : 'Open the snapshot';
  const until = zh ? `链接有效期至 ${n.expiresAt}` : `Link valid until ${n.expiresAt}`;
  switch (format) {
    case 'dingtalk': {
      let target = url;
      if (secret) {
        const ts = String(now.getTime());
        const sign = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
        target += `${url.includes('?') ? '&' : '?'}timestamp=${ts}&sign=${encodeURIComponent(sign)}`;
      }
      const image = n.format === 'png' ? `![${n.title}](${n.url})\n\n` : '';
      return [{ url: target, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: n.title, text: `#### ${n.title}\n\n${image}[${open}](${n.url})\n\n${until}` } }) }];
    }
    case 'wecom': {
      const out: RobotRequest[] = [{ url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: `**${n.title}**\n[${open}](${n.url})\n> ${until}` } }) }];
      if (n.format === 'png' && n.bytes.length <= WECOM_IMAGE_LIMIT) {
        out.push({ url, headers, body: JSON.stringify({ msgtype: 'image', image: { base64: n.bytes.toString('base64'), md5: createHash('md5').update(n.bytes).digest('hex') } }) });
      }
      return out;
    }
    case 'feishu': {
      const body: Record<string, unknown> = {
        msg_type: 'post',
        content: { post: { zh_cn: { title: n.title, content: [[{ tag: 'a', text: open, href: n.url }], [{ tag: 'text', text: until }]] } } },
      };
      if (secret) {
        const ts = String(Math.floor(now.getTime() / 1000));
        body.timestamp = ts;
        body.sign = createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64');
      }
      return [{ url, headers, body: JSON.stringify(body) }];
    }
    default: {
      const body = JSON.stringify({
        event: 'analytics.dashboard.snapshot',
        subscription: n.subscriptionId,
        dashboard: n.dashboard,
        title: n.title,
        format: n.format,
        url: n.url,
        expiresAt: n.expiresAt,
        takenAt: n.takenAt,
      });
      const ts = String(Math.floor(now.getTime() / 1000));
      const h: Record<string, string> = { ...headers, 'x-attain-delivery': randomUUID(), 'x-attain-timestamp': ts };
      if (secret) h['x-attain-signature'] = signBody(secret, ts, body);
      return [{ url, headers: h, body }];
    }
  }
}
