import DataLoader from 'dataloader';
import { MAX_LIMIT } from '../rest/list-query.ts';
import type { AccessContext } from '../rbac/context.ts';

type Rec = Record<string, unknown> & { id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface GraphQLContext {
  access: AccessContext;
  /** A related record through a batched loader; null when missing or outside the caller's access. */
  byId(object: string, id: string): Promise<Rec | null>;
  /** Seeds the loader with records already fetched by a list. */
  prime(object: string, record: Rec): void;
  /** Children of a one-to-many relation, batched over all parents in the response. */
  children(object: string, field: string, parentId: string, limit: number): Promise<Rec[]>;
}

/**
 * Loaders live for one request: they batch (one getMany per object per tick, one list per
 * relation) and cache only what this caller may see, so nothing leaks between callers.
 */
export function createGraphQLContext(access: AccessContext): GraphQLContext {
  const byId = new Map<string, DataLoader<string, Rec | null>>();
  const children = new Map<string, DataLoader<string, Rec[]>>();

  const loader = (object: string): DataLoader<string, Rec | null> => {
    let l = byId.get(object);
    if (!l) {
      l = new DataLoader<string, Rec | null>(
        async (ids) => {
          const perm = access.permission(object);
          if (!perm.actions.has('read')) return ids.map(() => null);
          const { service } = await access.grant(object, 'read');
          const valid = ids.filter((id) => UUID.test(id));
          const rows = valid.length ? await service.getMany(object, [...valid]) : [];
          const map = new Map(rows.map((r) => [r.id, r as Rec]));
          return ids.map((id) => map.get(id) ?? null);
        },
        { maxBatchSize: 500 },
      );
      byId.set(object, l);
    }
    return l;
  };

  return {
    access,
    byId: (object, id) => loader(object).load(id),
    prime: (object, record) => {
      loader(object).prime(record.id, record);
    },
    children: (object, field, parentId, limit) => {
      const key = `${object}.${field}.${limit}`;
      let l = children.get(key);
      if (!l) {
        l = new DataLoader<string, Rec[]>(
          async (parentIds) => {
            const perm = access.permission(object);
            // Without read access, or when the linking field is hidden, the relation is empty:
            // filtering on a hidden field would leak it.
            if (!perm.actions.has('read') || perm.hiddenFields.has(field)) return parentIds.map(() => []);
            const { service } = await access.grant(object, 'read');
            const grouped = new Map<string, Rec[]>(parentIds.map((id) => [id, []]));
            const page = await service.list(object, {
              filter: { [field]: { in: [...parentIds] } },
              limit: Math.min(MAX_LIMIT, parentIds.length * limit),
            });
            for (const row of page.data) {
              const list = grouped.get(String(row[field]));
              if (list && list.length < limit) list.push(row as Rec);
            }
            return parentIds.map((id) => grouped.get(id) ?? []);
          },
          { maxBatchSize: 200 },
        );
        children.set(key, l);
      }
      return l.load(parentId);
    },
  };
}
