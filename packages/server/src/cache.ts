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

export const cacheKey = (...parts: Array<string | number>): string => parts.map((p) => String(p).replaceAll('|', '||')).join('|');
