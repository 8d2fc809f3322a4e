// A local HTTPS server standing in for a vendor API (self-signed localhost certificate, the one
// the plugin tests use): the plugins reach it through the SSRF guard's test-only allowance.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export const cert = readFileSync(new URL('../../../../plugins/deal-robot/test/localhost-cert.pem', import.meta.url), 'utf8');
const key = readFileSync(new URL('../../../../plugins/deal-robot/test/localhost-key.pem', import.meta.url), 'utf8');

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

export type Handler = (req: FakeRequest) => { status?: number; json: unknown };

export interface Fake {
  host: string;
  base: string;
  /** Every request, in order (the tests count token fetches and pages). */
  log: FakeRequest[];
  close(): Promise<void>;
}

export async function startFake(handler: Handler): Promise<Fake> {
  const log: FakeRequest[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      let json: Record<string, unknown> = {};
      try {
        json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        // not JSON
      }
      const r: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
      log.push(r);
      const out = handler(r);
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `localhost:${(server.address() as AddressInfo).port}`;
  return { host, base: `https://${host}`, log, close: () => new Promise((r) => server.close(() => r())) };
}
