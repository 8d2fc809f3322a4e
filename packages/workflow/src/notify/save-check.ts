// The SSRF guard of `./outbound.ts`, applied when a webhook, robot or SMTP address is saved, so
// an admin learns at once that it will never be called (the send-time guard stays: DNS answers
// change, and documents reach the database by other ways too).
import { isIP } from 'node:net';
import { checkUrl, guardedLookup, OutboundRefused } from './outbound.ts';

export interface OutboundProblem {
  /** JSON pointer of the refused value in what was saved, e.g. `/actions/0/url` or `/smtp/host`. */
  path: string;
  /** `ssrf_blocked` for a private, loopback, link-local or metadata target; `scheme` or `format` otherwise. */
  rule: 'ssrf_blocked' | 'scheme' | 'format';
  message: string;
}

/** How long a save waits for DNS; an answer that does not come in time does not block the save. */
const DNS_TIMEOUT_MS = 3000;

function ruleOf(error: OutboundRefused): OutboundProblem['rule'] {
  if (error.rule === 'scheme') return 'scheme';
  if (error.rule === 'url') return 'format';
  return 'ssrf_blocked';
}

/** Resolves a name with the send-time lookup; refusals propagate, DNS failures and timeouts do not. */
function resolvesPublic(host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, DNS_TIMEOUT_MS);
    timer.unref();
    guardedLookup(false)(host, { all: true }, (err) => {
      clearTimeout(timer);
      // A name that does not resolve now cannot be judged; the send-time guard will judge it.
      if (err && err instanceof OutboundRefused && !/did not resolve/.test(err.message)) reject(err);
      else resolve();
    });
  });
}

/**
 * Why a webhook URL may not be saved (undefined when it may): not http(s), credentials in it, a
 * metadata host name, a literal private address, or a name whose DNS answer holds one. Hosts in
 * `allowHosts` (the operator's and the tenant's allowlist) pass, as they do at send time.
 */
export async function webhookUrlProblem(url: unknown, path: string, allowHosts: readonly string[]): Promise<OutboundProblem | undefined> {
  if (typeof url !== 'string' || !url) return { path, rule: 'format', message: 'must be an http(s) URL' };
  try {
    const parsed = checkUrl(url, allowHosts);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const exempt = allowHosts.some((a) => {
      const x = a.toLowerCase();
      return x === host.toLowerCase() || x === `${host.toLowerCase()}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
    });
    if (!exempt && !isIP(host)) await resolvesPublic(host);
    return undefined;
  } catch (error) {
    if (error instanceof OutboundRefused) return { path, rule: ruleOf(error), message: error.message };
    throw error;
  }
}

/** The same for an SMTP server (host and port): the email sender applies the same guard. */
export async function smtpHostProblem(smtp: { host: string; port: number }, path: string, allowHosts: readonly string[]): Promise<OutboundProblem | undefined> {
  const literal = isIP(smtp.host) === 6 ? `[${smtp.host}]` : smtp.host;
  const problem = await webhookUrlProblem(`https://${literal}:${smtp.port}/`, path, allowHosts);
  if (!problem) return undefined;
  if (problem.rule === 'ssrf_blocked')
    return { ...problem, message: `the SMTP server "${smtp.host}" is not allowed: it is (or resolves to) a private, loopback, link-local or metadata address; ask the operator to allow it` };
  return { ...problem, message: `"${smtp.host}" is not a valid SMTP host name` };
}

/**
 * Every webhook action in metadata documents (automations' actions, approval flows' final
 * actions, wherever an action object with `type: "webhook"` sits), checked as above. `pathOf`
 * names a document's place in the request body (e.g. `/documents/3`, or `` for a single one).
 */
export async function webhookDocProblems(docs: readonly unknown[], allowHosts: readonly string[], pathOf: (index: number) => string): Promise<OutboundProblem[]> {
  const found: Array<{ url: unknown; path: string }> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 12 || !value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}/${i}`, depth + 1));
      return;
    }
    const obj = value as Record<string, unknown>;
    if (obj.type === 'webhook' && 'url' in obj) found.push({ url: obj.url, path: `${path}/url` });
    for (const [k, v] of Object.entries(obj)) if (v && typeof v === 'object') walk(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
  };
  docs.forEach((doc, i) => {
    const kind = doc && typeof doc === 'object' ? (doc as { kind?: unknown }).kind : undefined;
    if (kind === 'automation' || kind === 'approval_flow') walk(doc, pathOf(i), 0);
  });
  const problems = await Promise.all(found.map((f) => webhookUrlProblem(f.url, f.path, allowHosts)));
  return problems.filter((p): p is OutboundProblem => p !== undefined);
}
