// The backup file: gzip'd NDJSON, one JSON value per line, read and written as a stream.
//   {"format":"attain-backup","version":1,...}                       the manifest, first
//   {"type":"tenant","name":…,"revision":…,"tenant":{…},"revisions":[…]} a tenant's control row and metadata history
//   {"type":"rows","tenant":…,"scope":"control"|"data","table":…,"columns":[…]} then {"r":[…]} per row
//   {"type":"tenant-end","name":…,"counts":{table: rows}}               what the tenant's sections held
//   {"type":"end","tenants":n}                                         last: a file without it is truncated
// Every value is PostgreSQL's own text form (`col::text`), so numerics, timestamps (to the
// microsecond), json and arrays come back exactly when bound as parameters on restore.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';

export const FORMAT = 'attain-backup';
export const VERSION = 1;

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  dialect: string;
  tenants: string[];
}

export interface TenantSection {
  type: 'tenant';
  name: string;
  revision: number;
  tenant: { label: string | null; base_currency: string; time_zone: string; fiscal_year_start_month: number; calculated_at: string | null; created_at: string };
  /** Every metadata revision in order (docs as authored), replayed on restore to rebuild the exact tables. */
  revisions: Array<{ revision: number; docs: string; hash: string; plan: string; actor_id: string | null; actor_label: string | null; created_at: string }>;
  /** Platform modules' table versions (their tables are created by the module's own migrations). */
  modules: Array<{ module: string; version: number }>;
}

export interface RowsSection {
  type: 'rows';
  tenant: string;
  scope: 'control' | 'data';
  table: string;
  columns: string[];
}

export type Line = Manifest | TenantSection | RowsSection | { r: Array<string | null> } | { type: 'tenant-end'; name: string; counts: Record<string, number> } | { type: 'end'; tenants: number };

/** Writes lines to a gzip'd file, waiting when the stream asks to. */
export class LineWriter {
  readonly #gzip = createGzip();
  readonly #done: Promise<void>;

  constructor(file: string) {
    const out = createWriteStream(file, { mode: 0o600 });
    this.#gzip.pipe(out);
    this.#done = once(out, 'close').then(() => undefined);
  }

  async write(line: Line): Promise<void> {
    if (!this.#gzip.write(`${JSON.stringify(line)}\n`)) await once(this.#gzip, 'drain');
  }

  async close(): Promise<void> {
    this.#gzip.end();
    await this.#done;
  }
}

/** The file's lines, parsed, in order. */
export async function* readLines(file: string): AsyncGenerator<Line> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) if (text) yield JSON.parse(text) as Line;
}
