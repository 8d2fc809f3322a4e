import type { Actor, ModuleHandle, Store } from '@attain/store';

type Knex = ModuleHandle['knex'];

/** One plugin audit entry before it is written. */
export interface PluginAuditRow {
  action: string;
  after: Record<string, unknown>;
  before?: Record<string, unknown>;
}

/**
 * Writes one plugin audit entry (install, consent, SDK call, failure, …). Modules write the
 * store's audit table directly until the data port of issue #13 exists (as fx does today).
 */
export async function auditPlugin(store: Store, q: Knex, h: ModuleHandle, actor: Actor, action: string, plugin: string, after: unknown, before?: unknown): Promise<void> {
  await auditPluginRows(store, q, h, actor, plugin, [{ action, after: after as Record<string, unknown>, ...(before === undefined ? {} : { before: before as Record<string, unknown> }) }]);
}

/** Several entries of one plugin and actor in one insert (a hook call's SDK calls, logs and outcome). */
export async function auditPluginRows(store: Store, q: Knex, h: ModuleHandle, actor: Actor, plugin: string, rows: readonly PluginAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q
    .withSchema(store.controlSchema)
    .table('audit_log')
    .insert(
      rows.map((r) => ({
        tenant_id: h.tenantId,
        actor_id: actor.userId,
        actor_label: actor.label ?? null,
        action: r.action,
        object: 'plugin',
        record_id: null,
        before: r.before === undefined ? null : JSON.stringify({ plugin, ...r.before }),
        after: JSON.stringify({ plugin, ...r.after }),
      })),
    );
}
