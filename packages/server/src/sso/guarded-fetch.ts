// The fetch openid-client uses for the identity provider: node's http(s) with the outbound
// guard's DNS lookup, so the address actually connected to is checked (a name that resolved to a
// public address when the issuer was saved cannot later resolve to a private one: DNS rebinding).
// Hosts the operator allows skip the address check, as for webhooks. Answers are capped in size.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkUrl, guardedLookup } from '@attain/workflow';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;

function isAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((a) => a.toLowerCase() === host || a.toLowerCase() === `${host}:${port}`);
}

function responseHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new Error('unsupported request body for the identity provider');
}

export type GuardedFetch = (url: string, options: { method: string; headers: Record<string, string>; body?: unknown; signal?: AbortSignal }) => Promise<Response>;

export function guardedFetch(allowHosts: readonly string[]): GuardedFetch {
  return (raw, options) =>
    new Promise<Response>((resolve, reject) => {
      let url: URL;
      try {
        url = checkUrl(raw, allowHosts);
      } catch (error) {
        reject(error);
        return;
      }
      const body = bodyText(options.body);
      const headers = body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(body)) };
      const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS);
      // A literal address never reaches `lookup`: checkUrl judged it. No pooled socket (agent: false):
      // every request resolves and is judged again.
      const lookup = guardedLookup(isAllowed(url, allowHosts));
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: options.method, headers, lookup, signal, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BYTES) {
            req.destroy(new Error(`the identity provider's answer is larger than ${MAX_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          // A Response cannot carry a body with these statuses.
          const empty = status === 204 || status === 304 || (status >= 100 && status < 200);
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders(res.headers) }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
}
