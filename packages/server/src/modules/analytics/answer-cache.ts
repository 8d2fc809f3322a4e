// Serialised dashboard and report answers, so that a Home opened by many people (or polled) costs
// one run per distinct question and viewer scope while the data stands, on every node.
import { createHash } from 'node:crypto';
import { today, tenantCalendar } from '@attain/engine';
import { readsCallPlugins } from '@attain/store';
import { ByteLru, cacheKey } from '../../cache.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');

export interface AnswerCacheOptions {
  /** Most bytes of serialised answers kept (0 turns the cache off). */
  maxBytes: number;
  /** Larger answers are never kept. */
  maxEntryBytes: number;
}

/**
 * Correctness rests on the key, as in the list cache (`rest/list-cache.ts`): the tenant, its
 * metadata revision, its data version from the store's change feed (moved by every committed write
 * to any object table, on any node: users and org units included, so a team change moves it too;
 * tenant settings move it through the tenant row), the caller's role (hidden fields), their
 * record scope on every object (the owner sets, hashed: reference titles and formulas reach other
 * objects), their locale (labels), the tenant's today (relative periods, TODAY()) and the exact
 * question (the dashboard document as it is now, filters, asOf). A write never looks for entries:
 * they stop being addressed and age out. Without a trusted data version there is no key.
 *
 * Concurrent misses on one key share one run (a Home opened by 500 people at nine o'clock runs
 * once per scope, not 500 times).
 */
export class AnswerCache {
  readonly #bodies: ByteLru;
  readonly #running = new Map<string, Promise<Buffer>>();

  constructor(options: AnswerCacheOptions) {
    this.#bodies = new ByteLru(options.maxBytes, options.maxEntryBytes);
  }

  get enabled(): boolean {
    return this.#bodies.maxBytes > 0;
  }

  /** The key of an answer over `objects` for this caller, or undefined when it must not be cached. */
  async keyFor(store: Store, access: AccessContext, objects: readonly string[], question: unknown): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const { tenant, registry, role } = access.principal;
    const version = store.db.changes.dataVersion(tenant.schema);
    if (version === undefined) return undefined;
    for (const name of objects) {
      const object = registry.object(name);
      // A module's dataset (payouts) lives in tables the change feed does not version: never cached.
      if (!object) return undefined;
      if (readsCallPlugins(registry, object, tenant.schema)) return undefined;
    }
    const scopeOf = await access.scopes();
    const scope = sha(
      registry.objects
        .map((o) => {
          const s = scopeOf(o.name);
          return `${o.name}:${s === undefined ? '*' : s === 'none' ? '-' : [...s.ownerIn].sort().join(',')}`;
        })
        .join('\n'),
    );
    const day = today((await tenantCalendar(store, access.tenantName)).timeZone);
    // The language the answer is worded in: the one asked for (x-attain-locale), else the profile's.
    const locale = access.locale ?? 'en';
    return cacheKey(tenant.id, registry.revision, version, role?.name ?? '', scope, locale, day, sha(JSON.stringify(question)));
  }

  /**
   * The answer under `key` as UTF-8 JSON, running `compute` once on a miss; `hit` says which. Kept
   * as bytes: encoding the string again on every send was a large part of a hit (as in the list cache).
   */
  async answer(key: string | undefined, compute: () => Promise<unknown>): Promise<{ body: Buffer; hit: boolean }> {
    if (key === undefined) return { body: Buffer.from(JSON.stringify(await compute())), hit: false };
    const cached = this.#bodies.get(key);
    if (cached !== undefined) return { body: cached, hit: true };
    let running = this.#running.get(key);
    if (!running) {
      running = compute().then((value) => {
        const body = Buffer.from(JSON.stringify(value));
        this.#bodies.set(key, body);
        return body;
      });
      this.#running.set(key, running);
      const forget = () => this.#running.delete(key);
      running.then(forget, forget);
    }
    return { body: await running, hit: false };
  }
}

const caches = new WeakMap<Store, AnswerCache>();

/**
 * One cache per store (per server process). `ATTAIN_ANALYTICS_CACHE_MB` sizes it (default 32;
 * 0 turns it off, e.g. to measure the uncached path).
 */
export function answerCache(store: Store): AnswerCache {
  let cache = caches.get(store);
  if (!cache) {
    const mb = Number(process.env.ATTAIN_ANALYTICS_CACHE_MB ?? 32);
    const maxBytes = Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : 0;
    cache = new AnswerCache({ maxBytes, maxEntryBytes: 2 * 1024 * 1024 });
    caches.set(store, cache);
  }
  return cache;
}
