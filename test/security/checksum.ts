import type { Store } from '../../packages/server/src/store-port.ts';

/**
 * A fingerprint of everything a tenant owns: every table of its schema, and its rows in the
 * control schema (tenant row and revision, metadata revisions, audit log, credentials, API
 * tokens, revoked sessions). Two equal fingerprints mean no request changed the tenant's data.
 * Identifiers are bound with knex's `??`, never interpolated.
 */
/**
 * Request telemetry, not the tenant's data: every request — a refused probe too — is counted in the
 * API response-time history by design (its 4xx counts are what an admin watches).
 */
const TELEMETRY = new Set(['attain_monitoring_latency']);

export async function tenantChecksum(store: Store, tenant: string): Promise<string> {
  const { knex } = store.db;
  const info = await store.tenants.get(tenant);
  if (!info) throw new Error(`no tenant ${tenant}`);
  const control = store.controlSchema;
  const tables = ((await knex('information_schema.tables').where({ table_schema: info.schema }).orderBy('table_name').pluck('table_name')) as string[]).filter((t) => !TELEMETRY.has(t));
  // One round trip: a row per table, each with its row count and a hash of its rows.
  const perTable = tables.map(() => "select ? as k, count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as v from ?? as t");
  const perControl = [
    "select 'tenants', revision::text from ?? where id = ?",
    "select 'metadata_revisions', count(*)::text from ?? where tenant_id = ?",
    "select 'audit_log', count(*)::text from ?? where tenant_id = ?",
    "select 'credentials', md5(coalesce(string_agg(user_id || email || password_hash || active::text, ',' order by user_id), '')) from ?? where tenant_id = ?",
    "select 'api_tokens', md5(coalesce(string_agg(id::text || coalesce(revoked_at::text, '-'), ',' order by id), '')) from ?? where tenant_id = ?",
    "select 'sessions', count(revoked_at)::text from ?? where tenant_id = ?",
  ];
  const controlTables = ['tenants', 'metadata_revisions', 'audit_log', 'credentials', 'api_tokens', 'sessions'];
  const sql = [...perTable, ...perControl].map((q) => `(${q})`).join(' union all ');
  const bindings = [...tables.flatMap((table) => [table, `${info.schema}.${table}`]), ...controlTables.flatMap((table) => [`${control}.${table}`, info.id])];
  const result = await knex.raw(sql, bindings);
  const parts = (result.rows as Array<{ k: string; v: string }>).map((r) => `${r.k}:${r.v}`);
  return parts.join('\n');
}

/** The lines of two fingerprints that differ, for a readable failure. */
export function checksumDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = new Set(after.split('\n'));
  return a.filter((line) => !b.has(line)).map((line) => line.split(':')[0] ?? line);
}
