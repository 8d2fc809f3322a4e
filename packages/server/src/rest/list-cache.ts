import { createHash } from 'node:crypto';
import { readsCallPlugins } from '@attain/store';
import { cacheKey } from '../cache.ts';
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
  readonly #map = new Map<string, Buffer>();
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  constructor(options: ListCacheOptions = {}) {
    this.#maxBytes = Math.max(0, options.maxBytes ?? 64 * 1024 * 1024);
    this.#maxEntryBytes = Math.min(this.#maxBytes, Math.max(0, options.maxEntryBytes ?? 1024 * 1024));
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
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
    const body = this.#map.get(key);
    if (body === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, body);
    return body;
  }

  /**
   * Keeps the response as UTF-8 bytes: encoding a 25 KB string again on every send was a fifth
   * of the server's time on a hit.
   */
  set(key: string, body: Buffer): void {
    const size = body.byteLength;
    if (size > this.#maxEntryBytes) return;
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#bytes -= old.byteLength;
      this.#map.delete(key);
    }
    this.#map.set(key, body);
    this.#bytes += size;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  get size(): number {
    return this.#map.size;
  }
}
