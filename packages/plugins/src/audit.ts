import type { Actor, ModuleHandle, Store } from '@attain/store';

type Knex = ModuleHandle['knex'];

/**
 * Writes one plugin audit entry (install, consent, SDK call, failure, …). Modules write the
 * store's audit table directly until the data port of issue #13 exists (as fx does today).
 */
export async function auditPlugin(store: Store, q: Knex, h: ModuleHandle, actor: Actor, action: string, plugin: string, after: unknown, before?: unknown): Promise<void> {
  await q
    .withSchema(store.controlSchema)
    .table('audit_log')
    .insert({
      tenant_id: h.tenantId,
      actor_id: actor.userId,
      actor_label: actor.label ?? null,
      action,
      object: 'plugin',
      record_id: null,
      before: before === undefined ? null : JSON.stringify({ plugin, ...(before as object) }),
      after: JSON.stringify({ plugin, ...(after as object) }),
    });
}
