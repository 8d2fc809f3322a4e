// What an import kind declares: its columns (type, required, labels), who may run it, and how its
// rows are checked and written through the service that owns the data. The runner (runner.ts) does
// the rest the same way for every kind: reading the sheet, the column mapping, per-row results.
import type { Label } from '@attain/meta';
import type { ErrorDetail } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';

/**
 * `text` up to 200 characters; `date` a calendar day YYYY-MM-DD; `month` YYYY-MM; `decimal` an
 * exact decimal (kept as text, never a float); `currency` an ISO 4217 code; `user` a user's id or
 * e-mail; `record` a record's id or external id (of `object`).
 */
export type ColumnType = 'text' | 'date' | 'month' | 'decimal' | 'currency' | 'user' | 'record';

export interface ImportColumn {
  field: string;
  type: ColumnType;
  required?: boolean;
  /** For `record` columns: the object whose records are named. */
  object?: string;
  label: Label;
  /** Other header spellings matched to this field when no mapping is sent (lower case, `_` for spaces). */
  aliases?: readonly string[];
}

/** A row after mapping and typing: the field values as text (null when the cell is blank). */
export interface TypedRow {
  /** The row's line in the file (the header is line 1). */
  row: number;
  values: Record<string, string | null>;
}

export interface KindContext {
  store: Store;
  access: AccessContext;
}

/**
 * An import kind. `check` validates rows against the registry and the database without writing;
 * `apply` writes them through the owning service. Both refuse by throwing an AttainError whose
 * details name rows as `/rows/<line>/<field>` (the line of the file); the runner fails those rows
 * and retries the rest, so a bad row fails alone.
 */
export interface ImportKind {
  name: string;
  label: Label;
  columns: readonly ImportColumn[];
  /** Who may run it (the route answers 403 otherwise); `who` says it in the refusal. */
  allowed: (access: AccessContext) => boolean;
  who: string;
  check: (rows: readonly TypedRow[], ctx: KindContext) => Promise<void>;
  apply: (rows: readonly TypedRow[], ctx: KindContext) => Promise<void>;
}

export const rowPath = (row: number, field = '') => `/rows/${row}${field ? `/${field}` : ''}`;

/** Re-points a service's details from its own list (`/territories/3/from`) to the file's lines. */
export function toRowDetails(details: readonly ErrorDetail[], prefix: string, lineOf: (index: number) => number | undefined): ErrorDetail[] {
  return details.map((d) => {
    const m = new RegExp(`^${prefix.replace(/[/]/g, '\\/')}/(\\d+)(/.*)?$`).exec(d.path);
    const line = m ? lineOf(Number(m[1])) : undefined;
    return line === undefined ? d : { ...d, path: `/rows/${line}${m?.[2] ?? ''}` };
  });
}
