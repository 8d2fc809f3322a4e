// The three-way merge of a template upgrade, as pure data (no database): the installed template
// version (base), the new version (theirs) and the tenant's current metadata (ours), per document
// (by id) and per field path. What the tenant changed is kept; what only the template changed is
// taken; where both changed the same path differently, a conflict is listed for the admin to
// choose. The applier (upgrade.ts) is separate, like Strapi's schema diff and its applier.
import { canonicalJson } from '@attain/store';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { id: string; kind?: string; name?: string } & { [key: string]: Json };

export interface Conflict {
  /** Document id and JSON pointer inside it: `kpi.arr#/measure/filter`. */
  path: string;
  document: string;
  pointer: string;
  base: Json | undefined;
  ours: Json | undefined;
  theirs: Json | undefined;
}

export interface DocChange {
  document: string;
  kind: string;
  /** added: new in the template; updated: merged; removed: the template dropped it and the tenant had not changed it; kept: the tenant removed or changed it and the template did not. */
  action: 'added' | 'updated' | 'removed' | 'kept';
  /** Paths taken from the new version. */
  taken: string[];
  /** Paths where the tenant's value wins over an unchanged template. */
  kept: string[];
}

export interface MergePlan {
  changes: DocChange[];
  conflicts: Conflict[];
  /** The merged documents for the template's ids, with conflicts resolved to the tenant's value ("ours") until chosen. */
  documents: Doc[];
  /** Ids the upgrade removes from the tenant. */
  removed: string[];
}

/** Per conflict path: `theirs` takes the new template's value, `ours` keeps the tenant's. */
export type Resolutions = Record<string, 'ours' | 'theirs'>;

const isObj = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: Json | undefined, b: Json | undefined) => (a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b));
const esc = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Arrays of objects that carry a key (`id`, then `name`, then `version`) are merged item by item
 * under that key, so a new KPI threshold or plan version does not conflict with a changed label;
 * other arrays are values.
 */
function arrayKey(lists: Json[][]): string | undefined {
  if (lists.every((l) => l.length === 0)) return undefined;
  for (const key of ['id', 'name', 'version']) {
    const fits = lists.every((items) => {
      const keys = items.map((i) => (isObj(i) ? i[key] : undefined));
      return keys.every((k) => typeof k === 'string' || typeof k === 'number') && new Set(keys.map(String)).size === keys.length;
    });
    if (fits) return key;
  }
  return undefined;
}

/** The deepest paths (object keys) where `b` differs from `a`, for the plan's report. */
function changedPaths(pointer: string, a: Json | undefined, b: Json | undefined): string[] {
  if (same(a, b)) return [];
  if (isObj(a) && isObj(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => changedPaths(`${pointer}/${esc(k)}`, a[k], b[k]));
  return [pointer || '/'];
}

interface Acc {
  conflicts: Array<{ pointer: string; base: Json | undefined; ours: Json | undefined; theirs: Json | undefined }>;
  taken: string[];
  kept: string[];
  resolve: (pointer: string) => 'ours' | 'theirs' | undefined;
}

/** Merges one value; `undefined` means absent. */
function mergeValue(pointer: string, base: Json | undefined, ours: Json | undefined, theirs: Json | undefined, acc: Acc): Json | undefined {
  if (same(ours, theirs)) return ours;
  if (same(base, theirs)) {
    acc.kept.push(...changedPaths(pointer, base, ours));
    return ours;
  }
  if (same(base, ours)) {
    acc.taken.push(...changedPaths(pointer, base, theirs));
    return theirs;
  }
  if (isObj(ours) && isObj(theirs)) {
    const b = isObj(base) ? base : {};
    const out: { [key: string]: Json } = {};
    for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(b)])) {
      const v = mergeValue(`${pointer}/${esc(key)}`, b[key], ours[key], theirs[key], acc);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const key = arrayKey([ours, theirs, Array.isArray(base) ? base : []]);
    if (key) {
      const byKey = (list: Json[]) => new Map(list.filter(isObj).map((i) => [String(i[key]), i as Json]));
      const b = byKey(Array.isArray(base) ? base : []);
      const o = byKey(ours);
      const t = byKey(theirs);
      // The tenant's order first, then what the template adds.
      const order = [...o.keys(), ...[...t.keys()].filter((k) => !o.has(k))];
      const out: Json[] = [];
      for (const k of order) {
        const v = mergeValue(`${pointer}/${esc(key)}=${esc(k)}`, b.get(k), o.get(k), t.get(k), acc);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
  }
  const choice = acc.resolve(pointer || '/');
  acc.conflicts.push({ pointer: pointer || '/', base, ours, theirs });
  return choice === 'theirs' ? theirs : ours;
}

function byId(docs: readonly unknown[]): Map<string, Doc> {
  const map = new Map<string, Doc>();
  for (const d of docs) if (isObj(d as Json) && typeof (d as Doc).id === 'string') map.set((d as Doc).id, d as Doc);
  return map;
}

/**
 * base: the installed template version's documents; theirs: the new version's; ours: the tenant's
 * current documents (all of them; only the template's ids are looked at).
 */
export function mergeTemplate(base: readonly unknown[], theirs: readonly unknown[], ours: readonly unknown[], resolutions: Resolutions = {}): MergePlan {
  const b = byId(base);
  const t = byId(theirs);
  const o = byId(ours);
  const plan: MergePlan = { changes: [], conflicts: [], documents: [], removed: [] };
  for (const id of new Set([...b.keys(), ...t.keys()])) {
    const acc: Acc = { conflicts: [], taken: [], kept: [], resolve: (p) => resolutions[`${id}#${p}`] };
    const merged = mergeValue('', b.get(id), o.get(id), t.get(id), acc) as Doc | undefined;
    const kind = String((t.get(id) ?? o.get(id) ?? b.get(id))?.kind ?? '');
    plan.conflicts.push(...acc.conflicts.map((c) => ({ path: `${id}#${c.pointer}`, document: id, ...c })));
    if (merged === undefined) {
      if (o.has(id)) {
        plan.removed.push(id);
        plan.changes.push({ document: id, kind, action: 'removed', taken: acc.taken, kept: acc.kept });
      }
      continue;
    }
    plan.documents.push(merged);
    if (!o.has(id)) plan.changes.push({ document: id, kind, action: 'added', taken: acc.taken, kept: acc.kept });
    else if (!same(merged, o.get(id))) plan.changes.push({ document: id, kind, action: 'updated', taken: acc.taken, kept: acc.kept });
    else if (acc.kept.length || acc.conflicts.length) plan.changes.push({ document: id, kind, action: 'kept', taken: acc.taken, kept: acc.kept });
  }
  return plan;
}

/** The tenant's next document set: its documents outside the template, then the merged ones, minus the removed. */
export function applyMerge(ours: readonly unknown[], plan: MergePlan): unknown[] {
  const merged = new Map(plan.documents.map((d) => [d.id, d]));
  const removed = new Set(plan.removed);
  const out: unknown[] = [];
  for (const d of ours) {
    const id = isObj(d as Json) ? (d as Doc).id : undefined;
    if (id !== undefined && removed.has(id)) continue;
    if (id !== undefined && merged.has(id)) {
      out.push(merged.get(id));
      merged.delete(id);
    } else out.push(d);
  }
  return [...out, ...merged.values()];
}
