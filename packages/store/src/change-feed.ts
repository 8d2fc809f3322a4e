import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/** The channel the change triggers notify (see control-schema migration 003). */
export const CHANGE_CHANNEL = 'attain_changes';

/**
 * Which tenants changed, as seen by this process: a version per tenant schema for its records
 * (`d:<schema>`, from a statement trigger on every object table) and for its metadata
 * (`m:<schema>`, from a row trigger on the tenant row, whose revision every apply moves).
 *
 * Notifications come from PostgreSQL (LISTEN) after the writing transaction committed, whichever
 * node or tool wrote; this process's own writes also bump the versions synchronously after
 * commit (`bumpData`/`bumpMeta`), so a client reads its own writes without waiting for the
 * notification. While the listening connection is down the feed is not `healthy` and answers
 * `undefined`: callers must then go to the database. A reconnect invalidates everything, since
 * notifications sent meanwhile are lost.
 */
export interface ChangeFeed {
  readonly healthy: boolean;
  /** Version of a tenant's record data, or undefined when the feed cannot be trusted. */
  dataVersion(schema: string): number | undefined;
  /** Version of a tenant's metadata (revision), or undefined when the feed cannot be trusted. */
  metaVersion(schema: string): number | undefined;
  bumpData(schema: string): void;
  bumpMeta(schema: string): void;
  close(): Promise<void>;
}

/** Versions from one monotonic counter: a reset (reconnect) moves every tenant past it. */
class Versions {
  #seq = 0;
  #floor = 0;
  readonly #data = new Map<string, number>();
  readonly #meta = new Map<string, number>();

  data(schema: string): number {
    return Math.max(this.#data.get(schema) ?? 0, this.#floor);
  }

  meta(schema: string): number {
    return Math.max(this.#meta.get(schema) ?? 0, this.#floor);
  }

  bumpData(schema: string): void {
    this.#data.set(schema, ++this.#seq);
  }

  bumpMeta(schema: string): void {
    // A metadata change can change what every record reads as (renames, formulas).
    const v = ++this.#seq;
    this.#meta.set(schema, v);
    this.#data.set(schema, v);
  }

  reset(): void {
    this.#floor = ++this.#seq;
    this.#data.clear();
    this.#meta.clear();
  }

  apply(payload: string): void {
    const schema = payload.slice(2);
    if (!schema) return;
    if (payload.startsWith('d:')) this.bumpData(schema);
    else if (payload.startsWith('m:')) this.bumpMeta(schema);
  }
}

abstract class BaseFeed implements ChangeFeed {
  protected readonly versions = new Versions();
  protected live = false;

  get healthy(): boolean {
    return this.live;
  }

  dataVersion(schema: string): number | undefined {
    return this.live ? this.versions.data(schema) : undefined;
  }

  metaVersion(schema: string): number | undefined {
    return this.live ? this.versions.meta(schema) : undefined;
  }

  bumpData(schema: string): void {
    this.versions.bumpData(schema);
  }

  bumpMeta(schema: string): void {
    this.versions.bumpMeta(schema);
  }

  abstract close(): Promise<void>;
}

/** PostgreSQL: one dedicated LISTEN connection per process, reconnected with backoff. */
export class PgChangeFeed extends BaseFeed {
  readonly #url: string;
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = 100;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string) {
    super();
    this.#url = url;
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true, application_name: `attain-change-feed-${process.pid}` });
    this.#client = client;
    const lost = (): void => {
      if (this.#client !== client) return;
      this.live = false;
      this.#client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => {});
      this.#schedule();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL && typeof message.payload === 'string') this.versions.apply(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (this.#closed || this.#client !== client) {
        await client.end().catch(() => {});
        return;
      }
      // Whatever changed while nobody listened is unknown: start every tenant afresh.
      this.versions.reset();
      this.live = true;
      this.#retryMs = 100;
    } catch {
      lost();
    }
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.live = false;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    if (client) await client.end().catch(() => {});
  }
}

/** Embedded PGlite: the one in-process connection delivers notifications to its listeners. */
export class PgliteChangeFeed extends BaseFeed {
  #unlisten: (() => Promise<void>) | null = null;
  #closed = false;
  readonly ready: Promise<void>;

  constructor(db: PGlite) {
    super();
    this.ready = db
      .listen(CHANGE_CHANNEL, (payload) => this.versions.apply(payload))
      .then((unlisten) => {
        if (this.#closed) return unlisten();
        this.#unlisten = unlisten;
        this.live = true;
      })
      .catch(() => {
        this.live = false;
      });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.live = false;
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    if (unlisten) await unlisten().catch(() => {});
  }
}
