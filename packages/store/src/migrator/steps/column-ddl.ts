import type { FieldDef } from '@attain/meta';
import { ddlLiteral, quoteIdent } from '../../sql.ts';
import { sqlTypeOf } from '../physical.ts';

/** `"name" type [not null] [default ...]` for a column; NOT NULL only where it is safe to add. */
export function columnDdl(f: FieldDef, withConstraints: boolean): string {
  let sql = `${quoteIdent(f.column)} ${sqlTypeOf(f)}`;
  if (withConstraints && f.default !== undefined && f.storage !== 'multi_enum' && f.storage !== 'ref') sql += ` default ${ddlLiteral(f.default)}`;
  if (withConstraints && f.required) sql += ' not null';
  return sql;
}
