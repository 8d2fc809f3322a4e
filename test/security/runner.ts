import type { Probe, Outcome } from './checks.ts';
import type { SecurityFixture } from './fixture.ts';

/** Requests in flight at once: enough to overlap database waits, few enough for a 2-core CI box. */
const GROUP = 6;

export async function send(f: SecurityFixture, probe: Probe): Promise<Outcome> {
  const token = f.tokens[probe.caller];
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (probe.payload !== undefined) headers['content-type'] = 'application/json';
  const res = await f.app.inject({ method: probe.method as 'GET', url: probe.url, headers, ...(probe.payload !== undefined ? { payload: probe.payload } : {}) });
  const contentType = String(res.headers['content-type'] ?? '');
  // Binary answers (PDF, XLSX) are judged by status only; their bytes are not text.
  const body = /json|text|csv/.test(contentType) || contentType === '' ? res.body : '';
  return { probe, status: res.statusCode, body, contentType };
}

/** Sends the probes in small concurrent groups, in order. */
export async function sendAll(f: SecurityFixture, probes: readonly Probe[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < probes.length; i += GROUP) {
    out.push(...(await Promise.all(probes.slice(i, i + GROUP).map((p) => send(f, p)))));
  }
  return out;
}
