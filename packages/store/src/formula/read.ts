// Computed-on-read formula fields: the object is read through a derived table that adds one
// column per non-stored formula field, named like the field. Filters, sorts and keyset paging then
// use the same SQL expression by name; PostgreSQL inlines the derived table.
import { allFields, type FieldDef, type ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { qualified, quoteIdent } from '../sql.ts';
import { sqlTypeOf } from '../migrator/physical.ts';
import { ROOT_ALIAS, type CompiledFormulaField } from './compiled.ts';

/**
 * The value expression of a formula field shaped like its column would be: decimals rounded to the
 * field's scale (never a cast that could overflow), integers rounded, the rest as computed.
 * An error value (#DIV/0!, …) is NULL here: compileSql's `sql` is NULL whenever there is an error.
 */
export function shapedSql(f: CompiledFormulaField): { sql: string; bindings: unknown[] } {
  const { sql, bindings } = f.sql;
  const type = sqlTypeOf(f.field);
  const num = /^numeric\((\d+),(\d+)\)$/.exec(type);
  if (num) return { sql: `round((${sql})::numeric, ${Number(num[2])})`, bindings };
  if (f.field.storage === 'integer') return { sql: `round((${sql})::numeric, 0)`, bindings };
  return { sql: `(${sql})`, bindings };
}

/** `FROM` source for reads: the table itself, or the table plus its computed formula columns. */
export function readSource(knex: Knex, schema: string, object: ObjectDef, computed: CompiledFormulaField[]): Knex.Raw | null {
  if (computed.length === 0) return null;
  const parts: string[] = [];
  const bindings: unknown[] = [];
  for (const f of computed) {
    const s = shapedSql(f);
    parts.push(`${s.sql} as ${quoteIdent(f.field.column)}`);
    bindings.push(...s.bindings);
  }
  // Columns listed by name: a hidden column kept from an earlier stored version of a formula field
  // may carry the same name as the computed one.
  const own = [
    ...allFields(object)
      .filter((f) => !f.formula || f.formula.stored)
      .map((f) => f.column),
    'deleted_at',
  ];
  const cols = own.map((c) => `${quoteIdent(ROOT_ALIAS)}.${quoteIdent(c)}`).join(', ');
  const sql = `(select ${cols}, ${parts.join(', ')} from ${qualified(schema, object.table)} as ${quoteIdent(ROOT_ALIAS)}) as ${quoteIdent(object.table)}`;
  return knex.raw(sql, bindings as Knex.RawBinding[]);
}

/**
 * Formula fields hidden from a caller because they read a field the caller may not see
 * (DESIGN.md §9.3: a hidden value must not leak through a computed one).
 */
export function derivedHidden(fields: Array<CompiledFormulaField>, hidden: ReadonlySet<string>): string[] {
  return fields.filter((f) => [...f.reads].some((r) => hidden.has(r))).map((f) => f.field.name);
}

export type { FieldDef };
