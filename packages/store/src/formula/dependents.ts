// Stored formula fields that read other records — `customer.segment`, `SUM(lines.amount)` — are
// recomputed when those records change, in the same transaction as the change, so a stored
// value is never staler than a computed one. (A stored formula's own row is handled by
// afterWrite; this is everything else.)
//
// Each stored formula yields routes: the hops from its object to every other object it reads.
// A change to records of a source object is walked back along the route to the ids of the rows
// whose stored values depend on it, and only those rows are recomputed, set-based.
import type { CheckedFormula, PathStep, TNode } from '@attain/formula';
import { allFields, type ObjectDef, type Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { qualified, quoteIdent } from '../sql.ts';
import { formulasOf, ROOT_ALIAS } from './compiled.ts';

/** One hop outward from the object holding the formula. */
type Hop =
  /** `from.column` references a row of `to`. */
  | { kind: 'ref'; from: string; column: string; to: string }
  /** Rows of `child` reference their `parent` through `child.fk`. */
  | { kind: 'child'; parent: string; child: string; fk: string };

interface Route {
  /** The object whose stored formulas depend on the source. */
  target: string;
  hops: Hop[];
}

const routesCache = new WeakMap<Registry, Map<string, Route[]>>();

/** Routes per source object name, for one registry (the metadata revision). */
export function routesBySource(registry: Registry, schema: string): Map<string, Route[]> {
  let out = routesCache.get(registry);
  if (out) return out;
  out = new Map();
  const seen = new Set<string>();
  const add = (source: string, route: Route) => {
    const sig = `${source}|${route.target}|${JSON.stringify(route.hops)}`;
    if (seen.has(sig)) return;
    seen.add(sig);
    const list = out?.get(source) ?? [];
    list.push(route);
    out?.set(source, list);
  };
  for (const object of registry.objects) {
    for (const f of formulasOf(registry, object, schema).stored) collect(f.checked, object.name, add);
  }
  routesCache.set(registry, out);
  return out;
}

function refHops(steps: readonly PathStep[], upTo: number): Hop[] {
  const hops: Hop[] = [];
  for (let i = 0; i < upTo; i++) {
    const s = steps[i] as PathStep;
    hops.push({ kind: 'ref', from: s.object, column: s.field.column, to: (steps[i + 1] as PathStep).object });
  }
  return hops;
}

function collect(checked: CheckedFormula, target: string, add: (source: string, route: Route) => void): void {
  const walk = (n: TNode, prefix: Hop[]): void => {
    switch (n.kind) {
      case 'field': {
        const steps = n.path.steps;
        // Inside an aggregate, the child row's own fields are read too (step 0 is the child).
        const first = prefix.length > 0 ? 0 : 1;
        for (let i = first; i < steps.length; i++) {
          add((steps[i] as PathStep).object, { target, hops: [...prefix, ...refHops(steps, i)] });
        }
        return;
      }
      case 'unary':
        return walk(n.arg, prefix);
      case 'binary':
        walk(n.left, prefix);
        return walk(n.right, prefix);
      case 'call':
        return n.args.forEach((a) => walk(a, prefix));
      case 'aggregate': {
        const c = n.collection;
        const parents = c.parentSteps;
        const toParent: Hop[] = parents.map((s, i) => ({ kind: 'ref', from: s.object, column: s.field.column, to: (parents[i + 1] as PathStep | undefined)?.object ?? c.parentObject }));
        const inner: Hop[] = [...prefix, ...toParent, { kind: 'child', parent: c.parentObject, child: c.childObject, fk: c.foreignKey }];
        for (let i = 1; i <= parents.length; i++) add((parents[i] as PathStep | undefined)?.object ?? c.parentObject, { target, hops: [...prefix, ...toParent.slice(0, i)] });
        // Added, removed or changed children change the aggregate.
        add(c.childObject, { target, hops: inner });
        if (n.value) walk(n.value, inner);
        if (n.condition) walk(n.condition, inner);
        return;
      }
      default:
        return;
    }
  };
  walk(checked.ast, []);
}

/** Changed rows of one object: their ids, and the values their foreign keys had before the change. */
export interface SourceChange {
  object: string;
  ids: string[];
  /** Row images before the change (by field name), for rows that existed: a moved child leaves its old parent. */
  before: Array<Record<string, unknown>>;
}

/**
 * Recomputes, inside `trx`, the stored formulas of every row that depends on the changed rows.
 * No chains: formulas cannot read formula fields (see formulaSchemaFor), so a recomputed value
 * is never itself a source.
 */
export async function refreshDependents(trx: Knex.Transaction, registry: Registry, schema: string, change: SourceChange): Promise<void> {
  if (change.ids.length === 0) return;
  const routes = routesBySource(registry, schema).get(change.object) ?? [];
  const byTarget = new Map<string, { sql: string[]; bindings: unknown[] }>();
  for (const route of routes) {
    const ids = affectedIds(registry, schema, route, change);
    if (!ids) continue;
    const entry = byTarget.get(route.target) ?? { sql: [], bindings: [] };
    entry.sql.push(ids.sql);
    entry.bindings.push(...ids.bindings);
    byTarget.set(route.target, entry);
  }
  for (const [name, where] of byTarget) await recompute(trx, registry, schema, registry.object(name) as ObjectDef, where);
}

/** SQL selecting the target ids a change reaches along a route (walked back from the source). */
function affectedIds(registry: Registry, schema: string, route: Route, change: SourceChange): { sql: string; bindings: unknown[] } | null {
  const table = (name: string): string | null => {
    const o = registry.object(name);
    return o ? qualified(schema, o.table) : null;
  };
  let sql = `select unnest(?::uuid[])`;
  const bindings: unknown[] = [change.ids];
  const hops = route.hops;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as Hop;
    if (hop.kind === 'ref') {
      const t = table(hop.from);
      if (!t) return null;
      sql = `select "id" from ${t} where ${quoteIdent(hop.column)} in (${sql})`;
    } else {
      const t = table(hop.child);
      if (!t) return null;
      const fk = quoteIdent(hop.fk);
      const current = `select ${fk} from ${t} where "id" in (${sql}) and ${fk} is not null`;
      // The changed rows themselves may be children that moved: their old parents change too.
      const fkName = allFields(registry.object(hop.child) as ObjectDef).find((f) => f.column === hop.fk)?.name ?? hop.fk;
      const old = i === hops.length - 1 ? change.before.map((r) => r[fkName]).filter((v): v is string => typeof v === 'string') : [];
      if (old.length) {
        sql = `${current} union select unnest(?::uuid[])`;
        bindings.push(old);
      } else sql = current;
    }
  }
  return { sql, bindings };
}

async function recompute(trx: Knex.Transaction, registry: Registry, schema: string, target: ObjectDef, where: { sql: string[]; bindings: unknown[] }): Promise<void> {
  const stored = formulasOf(registry, target, schema).stored;
  if (stored.length === 0) return;
  const T = quoteIdent(ROOT_ALIAS);
  const sets: string[] = [];
  const changed: string[] = [];
  const bindings: unknown[] = [];
  for (const f of stored) {
    const column = quoteIdent(f.field.column);
    sets.push(`${column} = ${f.sql.sql}`);
    bindings.push(...f.sql.bindings);
    changed.push(`${T}.${column} is distinct from (${f.sql.sql})`);
  }
  const changeBindings: unknown[] = [];
  for (const f of stored) changeBindings.push(...f.sql.bindings);
  // Only rows whose value really moves are written (no needless row versions or notifications).
  await trx.raw(
    `update ${qualified(schema, target.table)} as ${T} set ${sets.join(', ')}
     where ${T}."id" in (${where.sql.join(' union ')}) and ${T}."deleted_at" is null and (${changed.join(' or ')})`,
    [...bindings, ...where.bindings, ...changeBindings] as Knex.RawBinding[],
  );
}
