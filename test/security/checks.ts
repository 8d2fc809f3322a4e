import { OTHER_TENANT, type CallerName } from './fixture.ts';

/** One request the suite sent. */
export interface Probe {
  /** The route as the OpenAPI document names it: `GET /api/v1/goals/plans/{plan}/versions`. */
  route: string;
  caller: CallerName;
  input: string;
  method: string;
  url: string;
  payload?: string | Buffer;
  /** Whether the route needs no token (OpenAPI `security: []`). */
  public: boolean;
  /** Whose seeded ids the path holds: a caller of the other tenant must not get 2xx on a record route. */
  idsOf?: 'A' | 'B';
  /** The request writes a reference to a record the caller may not read: it must be refused. */
  mustRefuse?: boolean;
}

export interface Outcome {
  probe: Probe;
  status: number;
  body: string;
  contentType: string;
}

export type FindingKind = '5xx' | 'error-shape' | 'stack-or-sql' | 'leak' | 'cross-tenant-2xx' | 'anonymous-2xx' | 'data-changed' | 'scope-write';

export interface Finding {
  kind: FindingKind;
  route: string;
  caller: CallerName;
  input: string;
  status: number;
  snippet: string;
}

const STACK = /\n\s+at \S.*:\d+:\d+|node_modules\/|\/packages\/[a-z]+\/src\/|\bat (async )?[A-Za-z_.]+ \(/;
const SQL =
  /syntax error at or near|relation "[^"]+" does not exist|column "[^"]+" does not exist|violates [a-z ]*constraint|invalid input syntax for|SQLSTATE|pg_catalog|\bselect\b[^"\n]{0,80}\bfrom\s+["a-z]|\binsert into\b|\bknex\b/i;

function snippet(text: string, around?: string): string {
  const at = around ? Math.max(0, text.indexOf(around) - 40) : 0;
  return text.slice(at, at + 160).replace(/\s+/g, ' ');
}

/** Whether a 4xx body is `{error:{code,message,details:[{path,rule,message}]}}`, or GraphQL's `{errors:[{message,extensions:{code}}]}` on /graphql. */
function isErrorShape(body: string, graphql: boolean): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  const v = value as { error?: { code?: unknown; message?: unknown; details?: unknown }; errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> };
  if (v.error) {
    const { code, message, details } = v.error;
    return (
      typeof code === 'string' &&
      typeof message === 'string' &&
      Array.isArray(details) &&
      details.every((d: { path?: unknown; rule?: unknown; message?: unknown }) => typeof d.path === 'string' && typeof d.rule === 'string' && typeof d.message === 'string')
    );
  }
  return graphql && Array.isArray(v.errors) && v.errors.length > 0 && v.errors.every((e) => typeof e.message === 'string' && typeof e.extensions?.code === 'string');
}

/**
 * Everything wrong with one response, judged from outside. `forbiddenText` may never appear in
 * the body; `forbiddenIds` may not either, unless the request itself carried the id (an echo).
 */
export function judge(outcome: Outcome, forbiddenText: readonly string[], forbiddenIds: readonly string[] = []): Finding[] {
  const { probe, status, body } = outcome;
  const out: Finding[] = [];
  const add = (kind: FindingKind, around?: string) => out.push({ kind, route: probe.route, caller: probe.caller, input: probe.input, status, snippet: snippet(body, around) });
  const graphql = / \/graphql( |$)/.test(probe.route);
  if (status >= 500) add('5xx');
  else if (status >= 400 && !isErrorShape(body, graphql)) add('error-shape');
  // A GraphQL answer is 200 with per-field errors; an internal error there is a 5xx in disguise.
  if (graphql && status < 400 && /"code":"internal_error"/.test(body)) add('5xx', 'internal_error');
  if (STACK.test(body) || (status >= 400 && SQL.test(body))) add('stack-or-sql', (STACK.exec(body) ?? SQL.exec(body))?.[0]);
  const sent = `${probe.url} ${probe.payload?.toString() ?? ''}`;
  const leaked = forbiddenText.find((text) => body.includes(text)) ?? forbiddenIds.find((id) => body.includes(id) && !sent.includes(id));
  if (leaked) add('leak', leaked);
  if (status < 300 && probe.caller === 'anonymous' && !probe.public) add('anonymous-2xx');
  // A record route answering 2xx for the other tenant's id has found (or changed) its record.
  const foreign = probe.idsOf !== undefined && (probe.idsOf === 'A') === OTHER_TENANT.has(probe.caller);
  if (status < 300 && foreign && probe.route.includes(' /api/v1/objects/')) add('cross-tenant-2xx');
  if (status < 300 && probe.mustRefuse) add('scope-write');
  return out;
}
