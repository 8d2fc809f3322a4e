// Outbound HTTP for webhooks and group robots, guarded against SSRF: only http(s); every address
// the host resolves to must be public (no private, loopback, link-local, CGNAT, multicast or
// cloud-metadata address), checked in the socket's own DNS lookup so the address that is checked
// is the address that is connected to (no rebinding between check and connect); redirects are
// followed only a few times and each hop is checked again; a deadline and a response size cap.
// A tenant or the platform may allow named hosts explicitly (e.g. an on-premises receiver).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface OutboundOptions {
  timeoutMs: number;
  /** Hosts (`name` or `name:port`, lower case) exempt from the address check; deny by default. */
  allowHosts?: readonly string[];
  /** Largest response body read, in bytes. */
  maxBytes?: number;
  /** Redirects followed (each re-checked); more is an error. */
  maxRedirects?: number;
  /** Extra trusted certificate authorities (PEM). Only tests set it, for a local HTTPS server with a self-signed certificate. */
  ca?: string;
}

export interface OutboundResponse {
  status: number;
  text: string;
}

/** Why a URL was refused; its message names the rule, never the resolved address list in full. */
export class OutboundRefused extends Error {
  readonly rule: 'scheme' | 'address' | 'host' | 'redirect' | 'size' | 'url';
  constructor(rule: OutboundRefused['rule'], message: string) {
    super(message);
    this.name = 'OutboundRefused';
    this.rule = rule;
  }
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
  ['2001::', 23],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** Names that reach cloud metadata services whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** An IPv4 address embedded in an IPv6 one (mapped, compatible, NAT64, 6to4), else undefined. */
function embeddedV4(addr: string): string | undefined {
  const a = addr.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const hi = parseInt(hex[1] as string, 16);
    const lo = parseInt(hex[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(a);
  if (sixToFour) {
    const hi = parseInt(sixToFour[1] as string, 16);
    const lo = parseInt(sixToFour[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** True when an address is not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return blocked.check(address, 'ipv4');
  const v4 = embeddedV4(address);
  if (v4 !== undefined) return isIP(v4) !== 4 || blocked.check(v4, 'ipv4');
  // IPv4-mapped ranges that the regexes above did not normalise are refused outright.
  if (/^::ffff:/i.test(address)) return true;
  return blocked.check(address, 'ipv6');
}

function hostKey(url: URL): { host: string; hostPort: string } {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { host, hostPort: `${host}:${port}` };
}

function allowed(url: URL, allow: readonly string[] | undefined): boolean {
  if (!allow?.length) return false;
  const { host, hostPort } = hostKey(url);
  return allow.some((a) => {
    const x = a.toLowerCase();
    return x === host || x === hostPort;
  });
}

/** Checks a URL before anything is sent: scheme, metadata names and literal addresses. */
export function checkUrl(raw: string, allow?: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused('url', 'the webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused('scheme', 'webhook url must be http(s)');
  if (url.username || url.password) throw new OutboundRefused('url', 'webhook URLs may not carry credentials');
  if (allowed(url, allow)) return url;
  const { host } = hostKey(url);
  // Other names (`localhost` included) are judged by what they resolve to, in guardedLookup.
  if (METADATA_HOSTS.has(host) || host.endsWith('.internal')) {
    throw new OutboundRefused('host', `webhooks to "${host}" are not allowed`);
  }
  if (isIP(host) && isPrivateAddress(host)) throw new OutboundRefused('address', `webhooks to private, loopback, link-local or metadata addresses are not allowed (${host})`);
  return url;
}

/**
 * The socket's DNS lookup: resolves every address of the host and refuses the connection when
 * any of them is not public, so the connection never starts.
 */
export function guardedLookup(allow: boolean): LookupFunction {
  return ((hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    const opts = (typeof options === 'object' && options ? options : {}) as { all?: boolean; family?: number };
    dnsLookup(hostname, { all: true, verbatim: true, ...(opts.family ? { family: opts.family } : {}) }, (err, addresses) => {
      if (err) return callback(err, opts.all ? [] : '', 0);
      if (!addresses.length) return callback(new OutboundRefused('address', `"${hostname}" did not resolve`), opts.all ? [] : '', 0);
      if (!allow) {
        const bad = addresses.find((a) => isPrivateAddress(a.address));
        if (bad)
          return callback(
            new OutboundRefused('address', `"${hostname}" resolves to a private, loopback, link-local or metadata address (${bad.address}); webhooks there are not allowed`),
            opts.all ? [] : '',
            0,
          );
      }
      const first = addresses[0] as LookupAddress;
      if (opts.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

function once(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
  allow: boolean,
  maxBytes: number,
  signal: AbortSignal,
  ca?: string,
): Promise<{ res: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions & { ca?: string } = {
      method: init.method,
      headers: init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
      lookup: guardedLookup(allow),
      signal,
    };
    if (ca !== undefined) options.ca = ca;
    // A literal IP never reaches `lookup`: it was checked by checkUrl.
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          reject(new OutboundRefused('size', `the webhook answer is larger than ${maxBytes} bytes`));
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ res, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('close', () => reject(new Error('the webhook answer was cut short')));
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Sends one request with the guard; follows redirects (re-checked) up to `maxRedirects`. */
export async function guardedRequest(raw: string, init: { method: string; headers: Record<string, string>; body?: string }, opts: OutboundOptions): Promise<OutboundResponse> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  let url = checkUrl(raw, opts.allowHosts);
  let current = init;
  for (let hop = 0; ; hop++) {
    const { res, text } = await once(url, current, allowed(url, opts.allowHosts), maxBytes, signal, opts.ca);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status < 300 || status >= 400 || !location) return { status, text };
    if (hop >= (opts.maxRedirects ?? 3)) throw new OutboundRefused('redirect', 'the webhook redirected too many times');
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new OutboundRefused('redirect', 'the webhook redirected to an invalid URL');
    }
    try {
      url = checkUrl(next.toString(), opts.allowHosts);
    } catch (error) {
      throw new OutboundRefused('redirect', `refused a redirect: ${(error as Error).message}`);
    }
    // 303 (and 301/302 by browser custom) turn a POST into a GET without a body; 307/308 repeat it.
    if (status !== 307 && status !== 308) current = { method: 'GET', headers: Object.fromEntries(Object.entries(current.headers).filter(([k]) => k !== 'content-type')) };
  }
}
