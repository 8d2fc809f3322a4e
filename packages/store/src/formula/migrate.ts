// Metadata changes to stored formula fields: a new stored formula, a formula that becomes stored,
// or a changed expression recomputes the column for every existing row in the apply transaction.
import type { Registry } from '@attain/meta';
import type { Planned } from '../migrator/planner.ts';
import { qualified, quoteIdent } from '../sql.ts';
import type { Knex } from 'knex';
import { checkFormula, ROOT_ALIAS, SQL_ONLY, toSql } from './compiled.ts';

export function addFormulaRecompute(planned: Planned, schema: string, current: Registry, next: Registry): void {
  for (const object of next.objects) {
    const before = current.objectById(object.id);
    if (!before) continue; // a new table has no rows yet
    for (const f of object.fields) {
      if (!f.formula?.stored) continue;
      const old = before.fields.find((x) => x.id === f.id);
      if (old?.formula?.stored && old.formula.expression === f.formula.expression) continue;
      const r = checkFormula(next, object.name, f.formula.expression, undefined, SQL_ONLY.stored);
      if (!r.ok) continue; // refused earlier by assertFormulas
      const s = toSql(r.checked, schema);
      planned.steps.push({
        kind: 'recompute_formula',
        object: { id: object.id, name: object.name },
        field: { id: f.id, name: f.name },
        sentence: `Compute stored formula "${f.name}" on "${object.name}" for existing rows`,
        safe: true,
      });
      const sql = `update ${qualified(schema, object.table)} as ${quoteIdent(ROOT_ALIAS)} set ${quoteIdent(f.column)} = ${s.sql}`;
      planned.actions.push({ phase: 7, run: async (trx) => void (await trx.raw(sql, s.bindings as Knex.RawBinding[])) });
    }
  }
}
