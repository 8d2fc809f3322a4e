// After a write, inside its transaction: stored formula fields are recomputed from the row as
// written, then every active validation rule is evaluated on it. A failed rule throws, which
// rolls the whole write back (DESIGN.md §9.5).
//
// Rule semantics: the condition must hold. TRUE passes, FALSE fails, NULL passes (blank optional
// values do not trip a rule unless it says so, e.g. `NOT ISBLANK(amount)`), and an error value
// (#DIV/0!, …) fails: the condition could not be shown to hold for a filled-in value.
import { pickLabel, type ObjectDef } from '@attain/meta';
import type { Knex } from 'knex';
import { StoreError, type ErrorDetail } from '../errors.ts';
import { qualified, quoteIdent } from '../sql.ts';
import { ROOT_ALIAS, type ObjectFormulas } from './compiled.ts';

const T = quoteIdent(ROOT_ALIAS);

export interface WrittenRows {
  /** Column that identifies the rows: `id`, or `external_id` for upserts. */
  key: 'id' | 'external_id';
  values: string[];
  /** Detail path prefix for the i-th value ('' for a single record, '/3' in a batch). */
  prefixOf(i: number): string;
}

/** Recomputes the stored formula fields of the written rows (no rules: see afterWrite). */
export async function recomputeStored(trx: Knex.Transaction, schema: string, object: ObjectDef, formulas: ObjectFormulas, rows: Pick<WrittenRows, 'key' | 'values'>): Promise<void> {
  if (rows.values.length === 0 || formulas.stored.length === 0) return;
  const table = `${qualified(schema, object.table)} as ${T}`;
  const marks = rows.values.map(() => '?').join(', ');
  const sets: string[] = [];
  const bindings: unknown[] = [];
  for (const f of formulas.stored) {
    sets.push(`${quoteIdent(f.field.column)} = ${f.sql.sql}`);
    bindings.push(...f.sql.bindings);
  }
  await trx.raw(`update ${table} set ${sets.join(', ')} where ${T}.${quoteIdent(rows.key)} in (${marks}) and ${T}."deleted_at" is null`, [...bindings, ...rows.values] as Knex.RawBinding[]);
}

export async function afterWrite(trx: Knex.Transaction, schema: string, object: ObjectDef, formulas: ObjectFormulas, rows: WrittenRows, locale = 'en'): Promise<void> {
  if (rows.values.length === 0) return;
  const table = `${qualified(schema, object.table)} as ${T}`;
  const marks = rows.values.map(() => '?').join(', ');
  const where = `${T}.${quoteIdent(rows.key)} in (${marks}) and ${T}."deleted_at" is null`;
  await recomputeStored(trx, schema, object, formulas, rows);
  if (formulas.rules.length === 0) return;
  const cols: string[] = [`${T}.${quoteIdent(rows.key)} as "k"`];
  const bindings: unknown[] = [];
  formulas.rules.forEach((r, i) => {
    cols.push(`(${r.sql.sql}) as "r${i}"`);
    bindings.push(...r.sql.bindings);
    if (r.sql.errorSql) {
      cols.push(`(${r.sql.errorSql.sql}) as "e${i}"`);
      bindings.push(...r.sql.errorSql.bindings);
    }
  });
  const result = (await trx.raw(`select ${cols.join(', ')} from ${table} where ${where}`, [...bindings, ...rows.values] as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  const details: ErrorDetail[] = [];
  const failed: string[] = [];
  for (const row of result.rows) {
    const i = rows.values.indexOf(String(row.k));
    formulas.rules.forEach((r, j) => {
      const value = row[`r${j}`];
      const error = row[`e${j}`];
      if (value !== false && (error === null || error === undefined)) return;
      const message = pickLabel(r.rule.message, locale, r.rule.name);
      details.push({ path: `${rows.prefixOf(i)}/${r.rule.field ?? ''}`, rule: r.rule.name, message: error ? `${message} (${String(error)})` : message });
      if (!failed.includes(r.rule.name)) failed.push(r.rule.name);
    });
  }
  if (details.length === 0) return;
  const first = details[0] as ErrorDetail;
  throw new StoreError('validation_failed', failed.length === 1 ? `Validation rule "${failed[0]}" failed: ${first.message}` : `Validation rules failed: ${failed.join(', ')}`, details);
}
