import { BODY_KEYS, QUERY_KEYS } from './corpus.ts';
import type { TenantIds } from './fixture.ts';

/** A route of the OpenAPI document. */
export interface DocRoute {
  method: string;
  /** `/api/v1/objects/deal/{id}` */
  path: string;
  public: boolean;
  /** Body property names from the route's declared body schema, when it declares one. */
  bodyKeys?: string[];
  hasBody: boolean;
}

type Doc = {
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

/** Every operation of the document, in a stable order. */
export function docRoutes(doc: unknown): DocRoute[] {
  const d = doc as Doc;
  const out: DocRoute[] = [];
  for (const path of Object.keys(d.paths).sort()) {
    for (const [method, op] of Object.entries(d.paths[path] ?? {})) {
      let schema = op.requestBody?.content?.['application/json']?.schema;
      if (schema?.$ref) schema = d.components.schemas[schema.$ref.split('/').pop() ?? ''];
      const keys = schema?.properties ? Object.keys(schema.properties) : undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        public: Array.isArray(op.security) && op.security.length === 0,
        hasBody: op.requestBody !== undefined,
        ...(keys?.length ? { bodyKeys: keys } : {}),
      });
    }
  }
  return out;
}

export const routeName = (r: DocRoute) => `${r.method} ${r.path}`;

/** How path parameters are filled: seeded ids of a tenant, one value (encoded), or raw URL text. */
export type IdSource = { kind: 'ids'; ids: TenantIds } | { kind: 'value'; value: string } | { kind: 'raw'; text: string };

export const RANDOM_UUID = '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

/** A value for one path parameter, of the right kind where the route says what it names. */
function pathValue(path: string, name: string, ids: TenantIds): string {
  const object = /^\/api\/v1\/objects\/([a-z_]+)/.exec(path)?.[1];
  if (object && name === 'id') return ids.records[object] ?? RANDOM_UUID;
  if (path.startsWith('/api/v1/auth/users/')) return ids.victimUser;
  if (path.startsWith('/api/v1/auth/tokens/')) return ids.apiToken;
  switch (name) {
    case 'payeeId':
      return ids.otherRep;
    case 'period':
    case 'month':
      return '2026-01';
    case 'object':
      return 'deal';
    case 'n':
      return '1';
    case 'action':
    case 'decision':
      return 'approve';
    case 'id':
      return ids.records.deal ?? RANDOM_UUID;
    default:
      return 'secprobe';
  }
}

/** The URL path with every `{param}` filled, and whether any holds a seeded id. */
export function fillPath(path: string, source: IdSource): { url: string; usedIds: boolean } {
  let usedIds = false;
  const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (source.kind === 'value') return encodeURIComponent(source.value);
    if (source.kind === 'raw') return source.text;
    const v = pathValue(path, name, source.ids);
    if (Object.values(source.ids.records).includes(v) || v === source.ids.victimUser || v === source.ids.otherRep || v === source.ids.apiToken) usedIds = true;
    return encodeURIComponent(v);
  });
  return { url, usedIds };
}

/** `?k1=v&k2=v…` with every query key the routes read set to `value`. */
export function queryWith(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `?${QUERY_KEYS.map((k) => `${k}=${encodeURIComponent(text)}`).join('&')}`;
}

/** A JSON body with every key the route reads (its schema's, or the common ones) set to `value`. */
export function bodyWith(route: DocRoute, value: unknown): string {
  const keys = route.bodyKeys ?? BODY_KEYS;
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, value])));
}

/** A body naming seeded things of a tenant by id, as a client referring to them would. */
export function idBody(route: DocRoute, ids: TenantIds): string {
  const byKey: Record<string, unknown> = {
    object: 'deal',
    recordId: ids.records.deal,
    payeeId: ids.otherRep,
    planId: ids.records.deal,
    ids: [ids.records.deal],
    id: ids.records.deal,
    submitterId: ids.otherRep,
    delegateId: ids.otherRep,
    userId: ids.otherRep,
    owner_id: ids.otherRep,
    customer_id: ids.records.customer,
    parent_id: ids.records.org_unit,
    org_unit_id: ids.records.org_unit,
    manager_id: ids.otherRep,
    name: 'probe',
    period: '2026-01',
  };
  const keys = route.bodyKeys ?? Object.keys(byKey);
  return JSON.stringify(Object.fromEntries(keys.filter((k) => k in byKey).map((k) => [k, byKey[k]])));
}
