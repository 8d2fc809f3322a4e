// How a set of documents sent to a tenant becomes the tenant's next metadata. The CLI and the
// HTTP API both come through here so that `apply` means the same thing everywhere: merge by
// default (the documents add to, or replace by id, what the tenant has), replace only when asked,
// and a replace may not hide the shipped core objects (their tables and data would vanish from
// every API while the columns stay behind).
import { readMetadataDir } from '@attain/meta/node';
import { StoreError, type ErrorDetail } from './errors.ts';
import { CORE_METADATA_DIR } from './provision-tenant.ts';

export type ApplyMode = 'merge' | 'replace';

interface Identified {
  id?: unknown;
  kind?: unknown;
  name?: unknown;
}

const idOf = (d: unknown): unknown => (d && typeof d === 'object' ? (d as Identified).id : undefined);

/** merge: current documents not named (by id) in `incoming`, then `incoming`; replace: `incoming`. */
export function mergeDocuments(current: readonly unknown[], incoming: readonly unknown[], mode: ApplyMode = 'merge'): unknown[] {
  if (mode === 'replace') return [...incoming];
  const ids = new Set(incoming.map(idOf));
  return [...current.filter((d) => !ids.has(idOf(d))), ...incoming];
}

let coreIds: Promise<ReadonlySet<string>> | undefined;

/** Ids of the objects shipped in metadata/core (the one list of what "core" means). */
export function coreObjectIds(): Promise<ReadonlySet<string>> {
  coreIds ??= readMetadataDir(CORE_METADATA_DIR).then(
    (docs) => new Set(docs.filter((d): d is Identified & { id: string } => (d as Identified).kind === 'object' && typeof (d as Identified).id === 'string').map((d) => d.id)),
  );
  return coreIds;
}

/** The core objects the tenant has that `next` (a whole set) leaves out. */
export function hiddenCoreObjects(current: readonly unknown[], next: readonly unknown[], core: ReadonlySet<string>): ErrorDetail[] {
  const kept = new Set(next.map(idOf));
  return current
    .filter((d): d is Identified => Boolean(d) && typeof d === 'object' && (d as Identified).kind === 'object')
    .filter((d) => typeof d.id === 'string' && core.has(d.id) && !kept.has(d.id))
    .map((d) => ({
      path: `/objects/${String(d.name)}`,
      rule: 'replace_hides_core_object',
      message: `replacing the metadata would hide the core object "${String(d.name)}" (id "${String(d.id)}") and its records; include it, or apply without replace to merge`,
    }));
}

/** The tenant's next document set for `incoming` sent with `mode`; refuses a replace that hides core objects. */
export async function composeDocuments(current: readonly unknown[], incoming: readonly unknown[], mode: ApplyMode = 'merge'): Promise<unknown[]> {
  const next = mergeDocuments(current, incoming, mode);
  if (mode === 'replace') {
    const hidden = hiddenCoreObjects(current, next, await coreObjectIds());
    if (hidden.length) {
      throw new StoreError(
        'core_object_required',
        hidden.length === 1 && hidden[0] ? `Refused: ${hidden[0].message}; nothing was changed` : `Refused: replacing the metadata would hide ${hidden.length} core objects; nothing was changed`,
        hidden,
      );
    }
  }
  return next;
}
