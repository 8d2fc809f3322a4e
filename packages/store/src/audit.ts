import { type Ctx, toIso } from './context.ts';
import { StoreError } from './errors.ts';
import type { Actor, AuditEntry, Store } from './types.ts';
import { isUuid } from './uuid.ts';

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  object: string | null;
  record_id: string | null;
  before: unknown;
  after: unknown;
  revision: number | null;
}

export function auditService(ctx: Ctx): Store['audit'] {
  return {
    async list(tenant, q = {}) {
      const row = await ctx.tenantRow(ctx.knex, tenant);
      const limit = q.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new StoreError('invalid_filter', 'limit must be between 1 and 1000', [{ path: '/limit', rule: 'range', message: 'must be 1..1000' }]);
      }
      let query = ctx.table(ctx.knex, 'audit_log').where({ tenant_id: row.id }).orderBy('id', 'desc').limit(limit);
      if (q.object !== undefined) query = query.andWhere('object', String(q.object));
      if (q.recordId !== undefined) {
        if (!isUuid(q.recordId)) throw new StoreError('invalid_filter', 'recordId must be a uuid', [{ path: '/recordId', rule: 'format', message: 'must be a uuid' }]);
        query = query.andWhere('record_id', q.recordId);
      }
      if (q.before !== undefined) {
        const before = String(q.before);
        if (!/^\d{1,18}$/.test(before)) throw new StoreError('invalid_cursor', 'before must be an audit entry id', [{ path: '/before', rule: 'format', message: 'must be an entry id' }]);
        query = query.andWhere('id', '<', before);
      }
      const rows = (await query.select('*')) as AuditRow[];
      return rows.map((r): AuditEntry => {
        const actor: Actor = { userId: r.actor_id };
        if (r.actor_label) actor.label = r.actor_label;
        return {
          id: String(r.id),
          at: toIso(r.at),
          actor,
          action: r.action,
          object: r.object,
          recordId: r.record_id,
          before: r.before,
          after: r.after,
          revision: r.revision === null ? null : Number(r.revision),
        };
      });
    },
  };
}
