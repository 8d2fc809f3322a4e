// SQL fragments: text with knex-style `?` placeholders plus their bindings, composed only
// through the `q` template tag (constant SQL text + fragments), so a value can never be
// spliced into SQL text.

export interface Frag {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export function q(strings: TemplateStringsArray, ...parts: Frag[]): Frag {
  let sql = strings[0]!;
  const params: unknown[] = [];
  parts.forEach((p, i) => {
    sql += p.sql + strings[i + 1]!;
    params.push(...p.params);
  });
  return { sql, params };
}

export function join(parts: readonly Frag[], sep: ', ' | ' AND ' | ' OR ' | ' || ' | ' * ' | ' + '): Frag {
  return { sql: parts.map((p) => p.sql).join(sep), params: parts.flatMap((p) => p.params) };
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** The one helper that turns a schema-provided name into SQL text. */
export function ident(name: string): Frag {
  if (!IDENT.test(name) || name.length > 63) throw new Error(`invalid SQL identifier: ${JSON.stringify(name)}`);
  return { sql: `"${name}"`, params: [] };
}

export type SqlCast = 'numeric' | 'text' | 'boolean' | 'date' | 'timestamptz';

export function bind(value: unknown, cast: SqlCast): Frag {
  return { sql: `?::${cast}`, params: [value] };
}

export const NULL_FRAG: Frag = { sql: 'NULL', params: [] };

/** Constant SQL text chosen by the compiler (never user input). */
export function raw(sql: string): Frag {
  return { sql, params: [] };
}
