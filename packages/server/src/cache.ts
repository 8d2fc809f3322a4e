/**
 * A small LRU. Keys always include the tenant and the metadata revision (and the role, where
 * output depends on it), so a cached value can never leak across tenants or outlive a change.
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max = 200) {
    this.max = max;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  getOrCreate(key: string, create: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = create();
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return value;
  }
}

/**
 * Serialised answers (UTF-8 bytes, so a hit costs no encoding) in least-recently-used order,
 * bounded by their total size; an answer larger than `maxEntryBytes` is never kept. The list
 * cache and the analytics answer cache keep their bytes here.
 */
export class ByteLru {
  readonly #map = new Map<string, Buffer>();
  readonly maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  constructor(maxBytes: number, maxEntryBytes: number) {
    this.maxBytes = Math.max(0, maxBytes);
    this.#maxEntryBytes = Math.min(this.maxBytes, Math.max(0, maxEntryBytes));
  }

  get(key: string): Buffer | undefined {
    const body = this.#map.get(key);
    if (body === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, body);
    return body;
  }

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
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

export const cacheKey = (...parts: Array<string | number>): string => parts.map((p) => String(p).replaceAll('|', '||')).join('|');
