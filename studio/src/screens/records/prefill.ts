// A create form opened from a parent record (`/o/order_line/new?order_id=<id>`) starts with the
// parent reference set. Only reference fields take a value from the query string, and only a
// value shaped like a record id: the link is an address anyone can type, so nothing else in it is
// written into the record.
import type { ObjectDoc } from '../../api/types.ts';
import { authoredFields } from '../../lib/meta.ts';

const RECORD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Prefill {
  /** Reference field → record id, in query-string order. */
  values: Record<string, string>;
  /** The record the form was opened from (the first prefilled reference): where saving returns. */
  parent?: { object: string; id: string };
  /** Reference fields whose query value is not a record id; they are left empty. */
  rejected: string[];
}

export function prefillFromQuery(doc: ObjectDoc, search: URLSearchParams): Prefill {
  const refs = new Map(
    authoredFields(doc)
      .filter((f) => f.ref && !f.readOnly)
      .map((f) => [f.name, f.ref as string]),
  );
  const out: Prefill = { values: {}, rejected: [] };
  for (const [name, raw] of search) {
    const object = refs.get(name);
    if (!object || name in out.values) continue;
    const id = raw.trim();
    if (!RECORD_ID.test(id)) {
      out.rejected.push(name);
      continue;
    }
    out.values[name] = id.toLowerCase();
    out.parent ??= { object, id: id.toLowerCase() };
  }
  return out;
}

/** The create route of `object` opened from a parent: `/o/order_line/new?order_id=<id>`. */
export function newRelatedPath(object: string, field: string, parentId: string): string {
  return `/o/${encodeURIComponent(object)}/new?${new URLSearchParams({ [field]: parentId }).toString()}`;
}
