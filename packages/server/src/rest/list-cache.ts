import { createHash } from 'node:crypto';
import { readsCallPlugins } from '@attain/store';
import { ByteLru, cacheKey } from '../cache.ts';
import type { ObjectGrant, Principal } from '../rbac/context.ts';

export interface ListCacheOptions {
  /** Most bytes of serialised responses kept (default 64 MiB; 0 turns the cache off). */
  maxBytes?: number;
  /** Larger responses are never kept (default 1 MiB). */
  maxEntryBytes?: number;
}

/**
 * Serialised list responses, so that a repeated read (dashboards, list screens polled by many
 * reps, integrations paging the same view) costs neither a query nor JSON serialisation.
 *
 * Correctness rests on the key: the tenant, its metadata revision, the tenant's data version
 * from the store's change feed (moved by every committed write to any of its object tables, on
 * any node), the caller's role (actions and hidden fields) and record scope (the owner set), the
 * day (formulas may use TODAY()) and the exact path and query. A write therefore never needs to
 * find the entries it invalidates: they just stop being addressed and age out of the LRU. When
 * the feed cannot vouch for the data (its connection is down) there is no key and no caching.
 */
export class ListCache {
  readonly #bodies: ByteLru;

  constructor(options: ListCacheOptions = {}) {
    this.#bodies = new ByteLru(options.maxBytes ?? 64 * 1024 * 1024, options.maxEntryBytes ?? 1024 * 1024);
  }

  get enabled(): boolean {
    return this.#bodies.maxBytes > 0;
  }

  /** The key of a list response, or undefined when it must not be cached. */
  keyFor(principal: Principal, grant: ObjectGrant, dataVersion: number | undefined, url: string): string | undefined {
    if (!this.enabled || dataVersion === undefined) return undefined;
    // A plugin formula field moves with the plugin (version, settings, disabled), which the key does not see.
    if (readsCallPlugins(principal.registry, grant.object, principal.tenant.schema)) return undefined;
    const owners = grant.access.rowFilter?.ownerIn;
    const scope =
      owners === undefined
        ? '*'
        : createHash('sha256')
            .update([...owners].sort().join('\n'))
            .digest('base64url');
    const today = new Date().toISOString().slice(0, 10);
    return cacheKey(principal.tenant.id, principal.registry.revision, dataVersion, principal.role?.name ?? '', scope, today, url);
  }

  get(key: string): Buffer | undefined {
    return this.#bodies.get(key);
  }

  /**
   * Keeps the response as UTF-8 bytes: encoding a 25 KB string again on every send was a fifth
   * of the server's time on a hit.
   */
  set(key: string, body: Buffer): void {
    this.#bodies.set(key, body);
  }

  get size(): number {
    return this.#bodies.size;
  }
}
