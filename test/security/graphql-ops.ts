/** Builds GraphQL operations for every query and mutation field from an introspection result. */

export interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: Array<{ name: string; type: TypeRef }>;
  type: TypeRef;
}
interface FullType {
  name: string;
  kind: string;
  fields: Field[] | null;
}
export interface Introspection {
  __schema: { queryType: { name: string }; mutationType: { name: string } | null; types: FullType[] };
}

const REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
export const INTROSPECTION = `{ __schema { queryType { name } mutationType { name } types { name kind fields { name args { name type { ${REF} } } type { ${REF} } } } } }`;

export interface RootField {
  operation: 'query' | 'mutation';
  field: Field;
}

export function rootFields(schema: Introspection): RootField[] {
  const byName = new Map(schema.__schema.types.map((t) => [t.name, t]));
  const fieldsOf = (name: string | undefined) => (name ? (byName.get(name)?.fields ?? []) : []);
  return [
    ...fieldsOf(schema.__schema.queryType.name).map((field) => ({ operation: 'query' as const, field })),
    ...fieldsOf(schema.__schema.mutationType?.name).map((field) => ({ operation: 'mutation' as const, field })),
  ];
}

/** `[Deal!]!` from a type reference, for a variable definition. */
export function typeText(t: TypeRef): string {
  if (t.kind === 'NON_NULL' && t.ofType) return `${typeText(t.ofType)}!`;
  if (t.kind === 'LIST' && t.ofType) return `[${typeText(t.ofType)}]`;
  return t.name ?? 'String';
}

export function namedType(t: TypeRef): TypeRef {
  return t.ofType ? namedType(t.ofType) : t;
}

/** Scalars of the type, and of its object fields one level down (relations, a page's `data`). */
function selection(schema: Introspection, type: TypeRef, depth: number): string {
  const named = namedType(type);
  if (named.kind !== 'OBJECT') return '';
  const full = schema.__schema.types.find((t) => t.name === named.name);
  const parts: string[] = [];
  for (const field of full?.fields ?? []) {
    if (field.args.some((a) => a.type.kind === 'NON_NULL')) continue;
    const inner = namedType(field.type);
    if (inner.kind === 'OBJECT') {
      if (depth > 0) {
        const sub = selection(schema, field.type, depth - 1);
        if (sub) parts.push(`${field.name} ${sub}`);
      }
    } else parts.push(field.name);
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

/** An operation selecting the field with every argument as a variable `$<arg>`. */
export function operationFor(schema: Introspection, root: RootField): string {
  const { field } = root;
  const defs = field.args.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  // One level of relations below the record; a page (`{data next total}`) adds one for `data`.
  const page = schema.__schema.types.find((t) => t.name === namedType(field.type).name)?.fields?.some((x) => x.name === 'data');
  return `${root.operation} Probe${defs ? `(${defs})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection(schema, field.type, page ? 2 : 1)} }`;
}
