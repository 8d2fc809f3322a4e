/**
 * The security suite over GraphQL (issue #12): every query and mutation of the schema, read by
 * introspection, called by every role, nobody and a second tenant, with seeded ids, injection
 * strings and bad input as variables. Same assertions as the HTTP suite, plus: introspection
 * shows a role no field it may not read, and another tenant's id finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_VALUES, INJECTION, type ValueInput } from './corpus.ts';
import { tenantChecksum } from './checksum.ts';
import type { Finding, Probe } from './checks.ts';
import { CALLERS, OTHER_TENANT, securityFixture, type CallerName, type SecurityFixture, type TenantIds } from './fixture.ts';
import { INTROSPECTION, namedType, operationFor, rootFields, type Introspection, type RootField } from './graphql-ops.ts';
import { run, verdict } from './harness.ts';
import { RANDOM_UUID } from './requests.ts';

let f: SecurityFixture;
let schema: Introspection;
let fields: RootField[];

async function introspect(caller: CallerName): Promise<Introspection | undefined> {
  const token = f.tokens[caller];
  const res = await f.app.inject({ method: 'POST', url: '/graphql', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: { query: INTROSPECTION } });
  return res.statusCode === 200 ? (res.json() as { data: Introspection }).data : undefined;
}

beforeAll(async () => {
  f = await securityFixture();
  schema = (await introspect('admin')) as Introspection;
  fields = rootFields(schema);
});
afterAll(async () => {
  await f?.app.close();
});

/** `dealList` / `createOrg_Unit` → `deal` / `org_unit`. */
function objectOf(field: string): string {
  return field
    .replace(/^(create|update|delete)(?=[A-Z])/, '')
    .replace(/List$/, '')
    .toLowerCase();
}

type Vars = Record<string, unknown>;

function idVariables(root: RootField, ids: TenantIds): Vars {
  const object = objectOf(root.field.name);
  const id = ids.records[object] ?? RANDOM_UUID;
  const vars: Vars = {};
  for (const arg of root.field.args) {
    if (arg.name === 'id') vars.id = id;
    else if (arg.name === 'filter') vars.filter = { id: { eq: id } };
    else if (arg.name === 'data') vars.data = object === 'deal' ? { name: 'probe', owner_id: ids.otherRep, customer_id: ids.records.customer } : { name: 'probe' };
  }
  return vars;
}

function valueVariables(root: RootField, value: unknown): Vars {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const vars: Vars = {};
  for (const arg of root.field.args) {
    const type = namedType(arg.type).name;
    const list = arg.type.kind === 'LIST' || arg.type.ofType?.kind === 'LIST';
    let v: unknown = type === 'JSON' ? (arg.name === 'filter' ? { name: { eq: value } } : { name: value }) : type === 'Int' || type === 'Float' || type === 'Boolean' ? value : text;
    if (list) v = [v];
    vars[arg.name] = v;
  }
  return vars;
}

function gqlProbe(root: RootField, caller: CallerName, input: string, variables: Vars, idsOf?: 'A' | 'B'): Probe {
  const query = operationFor(schema, root);
  const route = `${root.operation === 'query' ? 'GET' : 'POST'} /graphql ${root.operation}.${root.field.name}`;
  const base = { route, caller, input, public: false, ...(idsOf ? { idsOf } : {}) };
  // Queries go over GET (the read route), mutations over POST.
  if (root.operation === 'query') return { ...base, method: 'GET', url: `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}` };
  return { ...base, method: 'POST', url: '/graphql', payload: JSON.stringify({ query, variables }) };
}

/** Whether a GraphQL answer found something: a record, a non-empty page, `true`. */
function found(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'object' && Array.isArray((value as { data?: unknown }).data)) return (value as { data: unknown[] }).data.length > 0;
  return true;
}

describe('security suite over GraphQL', () => {
  it('reads a schema with queries and mutations', () => {
    expect(fields.filter((x) => x.operation === 'query').length).toBeGreaterThan(4);
    expect(fields.filter((x) => x.operation === 'mutation').length).toBeGreaterThan(4);
  });

  it('every field × every caller × seeded ids of both tenants and injection strings', async () => {
    const findings: Finding[] = [];
    let state = await tenantChecksum(f.store, f.a.name);
    for (const [i, root] of fields.entries()) {
      const inputs = (caller: CallerName): Probe[] => [
        gqlProbe(root, caller, 'ids-of-tenant-A', idVariables(root, f.ids.a), 'A'),
        gqlProbe(root, caller, 'ids-of-tenant-B', idVariables(root, f.ids.b), 'B'),
        gqlProbe(root, caller, (INJECTION[i % INJECTION.length] as ValueInput).name, valueVariables(root, (INJECTION[i % INJECTION.length] as ValueInput).value)),
      ];
      const outsiders = CALLERS.filter((c) => c === 'anonymous' || OTHER_TENANT.has(c)).flatMap(inputs);
      let step = await run(f, outsiders, state, true);
      findings.push(...step.findings);
      step = await run(f, CALLERS.filter((c) => c !== 'anonymous' && !OTHER_TENANT.has(c)).flatMap(inputs), step.after, false);
      findings.push(...step.findings);
      state = step.after;
      // Another tenant's id must find nothing, for reads and writes alike.
      for (const caller of CALLERS.filter((c) => c !== 'anonymous')) {
        const foreign = OTHER_TENANT.has(caller) ? f.ids.a : f.ids.b;
        const probe = gqlProbe(root, caller, OTHER_TENANT.has(caller) ? 'ids-of-tenant-A' : 'ids-of-tenant-B', idVariables(root, foreign));
        const token = f.tokens[caller] as string;
        const res = await f.app.inject({
          method: probe.method as 'GET',
          url: probe.url,
          headers: { authorization: `Bearer ${token}`, ...(probe.payload ? { 'content-type': 'application/json' } : {}) },
          ...(probe.payload ? { payload: probe.payload } : {}),
        });
        const data = res.statusCode === 200 ? (res.json() as { data?: Record<string, unknown> | null }).data : undefined;
        if (root.field.args.some((a) => a.name === 'id' || a.name === 'filter') && found(data?.[root.field.name])) {
          findings.push({ kind: 'cross-tenant-2xx', route: probe.route, caller, input: probe.input, status: res.statusCode, snippet: res.body.slice(0, 160) });
        }
      }
      // A rep or manager may not link a deal to a customer outside their scope (repWest's).
      if (root.field.name === 'createDeal') {
        for (const caller of ['rep', 'manager'] as const) {
          const probe = gqlProbe(root, caller, 'foreign-reference', { data: { name: 'probe-reference', customer_id: f.ids.a.byOwner.repWest?.[1] } });
          const res = await f.app.inject({
            method: 'POST',
            url: '/graphql',
            headers: { authorization: `Bearer ${f.tokens[caller]}`, 'content-type': 'application/json' },
            payload: probe.payload as string,
          });
          const data = res.statusCode === 200 ? (res.json() as { data?: Record<string, { id?: string } | null> | null }).data : undefined;
          const created = data?.createDeal?.id;
          if (created) {
            findings.push({ kind: 'scope-write', route: probe.route, caller, input: probe.input, status: res.statusCode, snippet: res.body.slice(0, 160) });
            await f.app.inject({ method: 'DELETE', url: `/api/v1/objects/deal/${created}`, headers: { authorization: `Bearer ${f.tokens.admin}` } });
          }
        }
      }
      state = await tenantChecksum(f.store, f.a.name);
    }
    verdict(findings, 'graphql: callers');
  }, 120_000);

  it('every field × the bad-input and injection corpus, as the admin', async () => {
    const findings: Finding[] = [];
    let state = await tenantChecksum(f.store, f.a.name);
    for (const root of fields) {
      const step = await run(
        f,
        [...INJECTION, ...BAD_VALUES].map((v) => gqlProbe(root, 'admin', v.name, valueVariables(root, v.value))),
        state,
      );
      findings.push(...step.findings);
      state = step.after;
    }
    verdict(findings, 'graphql: bad input');
  }, 120_000);

  it('introspection shows each role only the objects and fields it may read', async () => {
    const findings: Finding[] = [];
    for (const caller of ['manager', 'rep', 'finance', 'otherRep'] as const) {
      const me = await f.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${f.tokens[caller]}` } });
      const permissions = (me.json() as { permissions: Record<string, { actions: string[]; hiddenFields: string[] }> }).permissions;
      const seen = await introspect(caller);
      if (!seen) continue;
      const types = new Map(seen.__schema.types.map((t) => [t.name, t]));
      // Object fields are api names (snake_case); a module's query fields are camelCase (`analyticsReport`)
      // and check access when they run, which the probes above cover.
      for (const root of rootFields(seen).filter((x) => x.operation === 'query' && !x.field.name.endsWith('List') && /^[a-z][a-z0-9_]*$/.test(x.field.name))) {
        const object = root.field.name;
        const perm = permissions[object];
        const report = (what: string) => findings.push({ kind: 'leak', route: 'POST /graphql introspection', caller, input: 'introspection', status: 200, snippet: what });
        if (!perm?.actions.includes('read')) {
          report(`query field ${object} for an object the role may not read`);
          continue;
        }
        const type = types.get(namedType(root.field.type).name ?? '');
        for (const hidden of perm.hiddenFields) if (type?.fields?.some((x) => x.name === hidden)) report(`${object}.${hidden} is hidden from the role`);
      }
    }
    verdict(findings, 'graphql: introspection');
  });
});
