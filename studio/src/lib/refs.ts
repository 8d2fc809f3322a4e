import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { ListResponse } from '../api/types.ts';

// Titles of referenced records, fetched in batches: every id asked for in the same tick goes out
// as one `id in [...]` list request per object. Cached for the page's lifetime, keyed by object+id.
const cache = new Map<string, Promise<string | null>>();
const pending = new Map<string, { title: string; ids: Map<string, (title: string | null) => void> }>();

function flush(object: string) {
  const batch = pending.get(object);
  pending.delete(object);
  if (!batch) return;
  const ids = [...batch.ids.keys()];
  const filter = JSON.stringify({ id: { in: ids } });
  api.get<ListResponse>(`/objects/${object}`, { filter, limit: ids.length }).then(
    (res) => {
      for (const [id, resolve] of batch.ids) {
        const row = res.data.find((r) => r.id === id);
        const v = row?.[batch.title];
        // A record with an empty title is named '' (the caller shows what it is), never by its id.
        resolve(row ? (v === null || v === undefined ? '' : String(v)) : null);
      }
    },
    () => {
      for (const resolve of batch.ids.values()) resolve(null);
    },
  );
}

export function refTitle(object: string, id: string, titleField: string): Promise<string | null> {
  const key = `${object}:${id}`;
  let p = cache.get(key);
  if (p) return p;
  p = new Promise<string | null>((resolve) => {
    let batch = pending.get(object);
    if (!batch) {
      batch = { title: titleField, ids: new Map() };
      pending.set(object, batch);
      queueMicrotask(() => flush(object));
    }
    batch.ids.set(id, resolve);
  });
  cache.set(key, p);
  return p;
}

export function forgetRef(object: string, id: string): void {
  cache.delete(`${object}:${id}`);
}

export function useRefTitle(object: string | undefined, id: string | null | undefined, titleField: string): string | null {
  const [title, setTitle] = useState<string | null>(null);
  useEffect(() => {
    if (!object || !id) return;
    let live = true;
    void refTitle(object, id, titleField).then((t) => live && setTitle(t));
    return () => {
      live = false;
    };
  }, [object, id, titleField]);
  return title;
}
