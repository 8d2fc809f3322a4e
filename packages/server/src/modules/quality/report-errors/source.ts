// The "import and integration errors" section of the data health report is a list of error
// sources, one file each: a source says what it is and lists the month's failures of a tenant,
// grouped by what failed (a queue, a rule, a plugin). Adding a source (ERP inbound events, outbound
// dead letters, data imports…) is a file with one `ErrorSource` and a line in `index.ts`.
import type { Label } from '@attain/meta';
import type { Workflow } from '@attain/workflow';
import type { Store } from '../../../store-port.ts';

export interface ErrorContext {
  store: Store;
  workflow: Workflow;
  tenant: string;
  /** The month: from (inclusive) to (exclusive), UTC. */
  from: Date;
  to: Date;
}

export interface ErrorEntry {
  /** What failed, within the source (a queue, a rule, a plugin and its job). */
  key: string;
  count: number;
  /** The latest failure's time and message. */
  lastAt: string;
  lastError: string | null;
}

export interface ErrorSource {
  id: string;
  label: Label & { 'zh-CN': string };
  collect(ctx: ErrorContext): Promise<ErrorEntry[]>;
}

export interface ErrorSection {
  source: string;
  label: ErrorSource['label'];
  total: number;
  entries: ErrorEntry[];
}

/** Groups failures by key: counts, and the latest time and message of each. */
export function group(failures: Iterable<{ key: string; at: Date; error: string | null }>): ErrorEntry[] {
  const by = new Map<string, ErrorEntry>();
  for (const f of failures) {
    const e = by.get(f.key);
    if (!e) by.set(f.key, { key: f.key, count: 1, lastAt: f.at.toISOString(), lastError: f.error?.slice(0, 500) ?? null });
    else {
      e.count++;
      if (f.at.toISOString() > e.lastAt) Object.assign(e, { lastAt: f.at.toISOString(), lastError: f.error?.slice(0, 500) ?? null });
    }
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export const within = (at: string | Date | null, ctx: { from: Date; to: Date }): at is string | Date => at !== null && new Date(at) >= ctx.from && new Date(at) < ctx.to;
