import type { LocalChange } from '../store-port.ts';

/** What a credential resolved to, kept for a short while so a request need not re-check it. */
export interface CachedPrincipal {
  tenant: string;
  tenantId: string;
  userId: string;
  /** The user record as read at `revision` (its fields depend on the metadata). */
  user: Readonly<Record<string, unknown>>;
  revision: number;
  sessionId?: string;
  tokenId?: string;
  /** The API token's scopes (empty: the whole API). */
  scopes?: readonly string[];
}

interface Entry {
  value: CachedPrincipal;
  until: number;
}

/**
 * Session / API-token validity and the user record, per credential, for at most `ttlMs`.
 *
 * Staleness bound: on this node a logout, token revocation, deactivation or role change drops
 * the entries at once (the store announces them after commit). On another node it is seen
 * after at most `ttlMs` (2 s by default); the metadata revision is still checked on every
 * request, and the JWT's own expiry on every request. `ttlMs = 0` turns the cache off.
 */
export class PrincipalCache {
  private readonly map = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly max: number;
  /** Bumped by every invalidation, so a lookup that raced one does not store what it read. */
  private generation = 0;

  constructor(ttlMs = 2000, max = 10_000) {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  get epoch(): number {
    return this.generation;
  }

  get(key: string, now = Date.now()): CachedPrincipal | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores unless an invalidation happened since `epoch` (the value may predate it). */
  set(key: string, value: CachedPrincipal, epoch: number, notAfter = Infinity, now = Date.now()): void {
    if (this.ttlMs <= 0 || epoch !== this.generation) return;
    if (this.map.size >= this.max) {
      for (const [k, e] of this.map) if (e.until <= now) this.map.delete(k);
      if (this.map.size >= this.max) this.map.clear();
    }
    this.map.delete(key);
    this.map.set(key, { value, until: Math.min(now + this.ttlMs, notAfter) });
  }

  invalidate(change: LocalChange): void {
    this.generation += 1;
    for (const [key, { value }] of this.map) {
      const hit =
        (change.kind === 'user' && value.userId.toLowerCase() === change.userId.toLowerCase()) ||
        (change.kind === 'session' && value.sessionId === change.jti) ||
        (change.kind === 'token' && value.tokenId === change.tokenId);
      if (hit) this.map.delete(key);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
