// Flow versions: a flow's definition is snapshotted by content hash when first used, so a
// running instance keeps the definition it started with while the admin edits the flow.
import { createHash } from 'node:crypto';
import type { ApprovalFlowDoc } from '@attain/meta';
import { uuidv7 } from '@attain/store';
import type { Core, Q, TenantCtx } from './core.ts';
import { T } from './module.ts';

export interface FlowVersion {
  id: string;
  version: number;
  definition: ApprovalFlowDoc;
}

const byId = new Map<string, FlowVersion>();

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

export function flowHash(flow: ApprovalFlowDoc): string {
  // Labels and the description do not change behaviour; every other edit makes a new version.
  const { label: _l, description: _d, ...rest } = flow;
  return createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex');
}

export async function ensureVersion(core: Core, t: TenantCtx, flow: ApprovalFlowDoc): Promise<FlowVersion> {
  const hash = flowHash(flow);
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = (await core.table(t.knex, t, T.versions).where({ flow_id: flow.id, hash }).first('id', 'version', 'definition')) as FlowVersion | undefined;
    if (found) return { ...found, version: Number(found.version) };
    const max = (await core.table(t.knex, t, T.versions).where({ flow_id: flow.id }).max({ v: 'version' }).first()) as { v: number | null } | undefined;
    const version = Number(max?.v ?? 0) + 1;
    const inserted = (await core
      .table(t.knex, t, T.versions)
      .insert({ id: uuidv7(), flow_id: flow.id, flow_name: flow.name, version, hash, definition: JSON.stringify(flow), created_at: core.now() })
      .onConflict()
      .ignore()
      .returning(['id', 'version'])) as Array<{ id: string; version: number }>;
    if (inserted[0]) return { id: inserted[0].id, version, definition: flow };
  }
  throw new Error('could not record a new flow version');
}

export async function versionById(core: Core, q: Q, t: TenantCtx, id: string): Promise<FlowVersion> {
  const hit = byId.get(id);
  if (hit) return hit;
  const row = (await core.table(q, t, T.versions).where({ id }).first('id', 'version', 'definition')) as FlowVersion | undefined;
  if (!row) throw new Error(`flow version ${id} is missing`);
  const v = { ...row, version: Number(row.version) };
  // Versions never change, so caching by id is safe across tenants and nodes.
  if (byId.size > 5000) byId.clear();
  byId.set(id, v);
  return v;
}

export async function listVersions(core: Core, t: TenantCtx, flowId: string): Promise<Array<{ id: string; version: number; created_at: unknown }>> {
  return (await core.table(t.knex, t, T.versions).where({ flow_id: flowId }).orderBy('version').select('id', 'version', 'created_at')) as Array<{ id: string; version: number; created_at: unknown }>;
}
