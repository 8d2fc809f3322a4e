// RFC 7644 §3.5.2 PatchOp applied to a resource's SCIM JSON: the patched resource is then written
// like a PUT, so PATCH has no mapping of its own. Operation names are case-insensitive ("Replace"
// from Entra ID), as are attribute names.
import { ScimError } from './errors.ts';
import { isObject, keyOf, PATCH_OP, splitUrn, type Json } from './schemas.ts';

interface Path {
  /** Attribute segments; an extension's URN is the first one. */
  attrs: string[];
  /** `emails[type eq "work"]`: equality conditions on the elements. */
  where?: Array<[string, unknown]>;
  /** `emails[type eq "work"].value`: the sub-attribute of the matching elements. */
  sub?: string;
}

const invalidPath = (path: string, message: string) => new ScimError(400, 'invalidPath', message, [{ path: '/Operations/path', rule: 'path', message: `${path.slice(0, 200)}: ${message}` }]);

function parsePath(path: string): Path {
  const [urn, rest] = splitUrn(path.trim());
  const m = /^([A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?)?(?:\[(.+)\](?:\.([A-Za-z$][\w$-]*))?)?$/.exec(rest);
  if (!m || (!m[1] && !urn)) throw invalidPath(path, 'is not an attribute path');
  const attrs = [...(urn && urn !== undefined && !/:core:2\.0:/.test(urn) ? [urn] : []), ...(m[1] ? m[1].split('.') : [])];
  if (!m[2]) return { attrs };
  const where: Array<[string, unknown]> = [];
  for (const cond of m[2].split(/\s+and\s+/i)) {
    const c = /^\s*([A-Za-z$][\w$-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false|\d+)\s*$/i.exec(cond);
    if (!c) throw invalidPath(path, 'a value filter in a path may only join "eq" comparisons with "and"');
    where.push([c[1] as string, JSON.parse((c[2] as string).replace(/^(true|false)$/i, (b) => b.toLowerCase()))]);
  }
  return { attrs, where, ...(m[3] ? { sub: m[3] } : {}) };
}

const sameValue = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b);
const matches = (el: unknown, where: Array<[string, unknown]>) => isObject(el) && where.every(([k, v]) => sameValue(el[keyOf(el, k)], v));
const sameElement = (a: unknown, b: unknown) => (isObject(a) && isObject(b) && 'value' in a ? sameValue(a.value, b.value) : JSON.stringify(a) === JSON.stringify(b));

/** The object holding the last attribute of `attrs`, created on the way for add/replace. */
function parentOf(resource: Json, attrs: string[], create: boolean): Json | undefined {
  let at: Json = resource;
  for (const name of attrs.slice(0, -1)) {
    const key = keyOf(at, name);
    if (!isObject(at[key])) {
      if (!create) return undefined;
      at[key] = {};
    }
    at = at[key] as Json;
  }
  return at;
}

function setValue(resource: Json, path: Path, value: unknown, op: 'add' | 'replace'): void {
  const parent = parentOf(resource, path.attrs, true) as Json;
  const key = keyOf(parent, path.attrs[path.attrs.length - 1] as string);
  if (path.where) {
    const list = Array.isArray(parent[key]) ? (parent[key] as unknown[]) : [];
    const hits = list.filter((el) => matches(el, path.where ?? []));
    if (!hits.length) {
      // Entra replaces emails[type eq "work"].value on a user without one: the element is created.
      const el: Json = Object.fromEntries(path.where);
      if (path.sub) el[path.sub] = value;
      else if (isObject(value)) Object.assign(el, value);
      list.push(el);
    }
    for (const el of hits as Json[]) {
      if (path.sub) el[keyOf(el, path.sub)] = value;
      else if (isObject(value)) Object.assign(el, value);
    }
    parent[key] = list;
    return;
  }
  const current = parent[key];
  if (op === 'add' && Array.isArray(current)) {
    const more = Array.isArray(value) ? value : [value];
    parent[key] = [...current, ...more.filter((v) => !current.some((c) => sameElement(c, v)))];
  } else if (isObject(current) && isObject(value)) {
    // A complex value without a path names the sub-attributes it sets; the others stay.
    for (const [k, v] of Object.entries(value)) current[keyOf(current, k)] = v;
  } else {
    parent[key] = value;
  }
}

function removeValue(resource: Json, path: Path, value: unknown): void {
  const parent = parentOf(resource, path.attrs, false);
  if (!parent) return;
  const key = keyOf(parent, path.attrs[path.attrs.length - 1] as string);
  const current = parent[key];
  if (path.where) {
    if (!Array.isArray(current)) return;
    if (path.sub) for (const el of current.filter((e) => matches(e, path.where ?? [])) as Json[]) delete el[keyOf(el, path.sub)];
    else parent[key] = current.filter((el) => !matches(el, path.where ?? []));
    return;
  }
  // Entra removes members by value: {"op":"Remove","path":"members","value":[{"value":"<id>"}]}.
  if (Array.isArray(current) && value !== undefined) {
    const gone = Array.isArray(value) ? value : [value];
    parent[key] = current.filter((c) => !gone.some((g) => sameElement(c, g)));
    return;
  }
  delete parent[key];
}

/** Applies a PatchOp request to a copy of `resource`; refuses a malformed one as a whole. */
export function applyPatch(resource: Json, body: unknown): Json {
  if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(PATCH_OP)) {
    throw new ScimError(400, 'invalidSyntax', `a PATCH body is a PatchOp with schemas ["${PATCH_OP}"]`, [{ path: '/schemas', rule: 'required', message: `must contain ${PATCH_OP}` }]);
  }
  const ops = body[keyOf(body, 'Operations')];
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > 1000)
    throw new ScimError(400, 'invalidSyntax', 'Operations must list 1 to 1000 operations', [{ path: '/Operations', rule: 'type', message: 'a list of 1 to 1000 operations' }]);
  const next = structuredClone(resource);
  ops.forEach((raw, i) => {
    if (!isObject(raw)) throw new ScimError(400, 'invalidSyntax', `operation ${i} is not an object`, [{ path: `/Operations/${i}`, rule: 'type', message: 'must be an object' }]);
    const op = String(raw[keyOf(raw, 'op')] ?? '').toLowerCase();
    const pathText = raw[keyOf(raw, 'path')];
    const value = raw[keyOf(raw, 'value')];
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw new ScimError(400, 'invalidSyntax', `operation ${i}: op must be add, replace or remove`, [{ path: `/Operations/${i}/op`, rule: 'enum', message: 'add, replace or remove' }]);
    if (pathText !== undefined && (typeof pathText !== 'string' || pathText.length > 500)) throw invalidPath(String(pathText), 'must be text');
    if (op === 'remove') {
      if (pathText === undefined || pathText === '')
        throw new ScimError(400, 'noTarget', `operation ${i}: remove needs a path`, [{ path: `/Operations/${i}/path`, rule: 'required', message: 'remove needs a path' }]);
      removeValue(next, parsePath(pathText), value);
      return;
    }
    if (pathText === undefined || pathText === '') {
      if (!isObject(value))
        throw new ScimError(400, 'invalidValue', `operation ${i}: without a path the value must be an object of attributes`, [
          { path: `/Operations/${i}/value`, rule: 'type', message: 'must be an object' },
        ]);
      // Each key is itself a path: Entra sends {"name.givenName": …} and extension URNs here.
      for (const [k, v] of Object.entries(value)) setValue(next, parsePath(k), v, op);
      return;
    }
    setValue(next, parsePath(pathText), value, op);
  });
  return next;
}
