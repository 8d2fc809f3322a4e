// Who a payee is, for exports finance hands to payroll: name, employee number and org unit, read
// from the tenant's user and org_unit records (every identifier from the metadata registry).
import { findField, quoteIdent } from '@attain/meta';
import type { IncentiveEngine } from './engine.ts';

export interface PayeeInfo {
  name: string;
  employeeNumber: string;
  unit: string;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export async function readPayees(engine: IncentiveEngine, ids: readonly string[]): Promise<Map<string, PayeeInfo>> {
  const out = new Map<string, PayeeInfo>();
  const uuids = [...new Set(ids)].filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  const registry = await engine.store.registry(engine.tenant);
  const user = registry.object('user');
  if (!user || !uuids.length) return out;
  const { knex, schema } = await engine.ensure();
  const s = quoteIdent(schema);
  const col = (name: string) => {
    const f = findField(user, name);
    return f ? `u.${quoteIdent(f.column)}::text` : 'null::text';
  };
  const unit = registry.object('org_unit');
  const unitRef = findField(user, 'org_unit_id');
  const unitName = unit ? findField(unit, 'name') : undefined;
  const join = unit && unitRef && unitName ? `left join ${s}.${quoteIdent(unit.table)} o on o.id = u.${quoteIdent(unitRef.column)}` : '';
  const rows = (
    await knex.raw(
      `select u.id::text as id, ${col('name')} as name, ${col('employee_number')} as employee_number, ${join && unitName ? `o.${quoteIdent(unitName.column)}::text` : 'null::text'} as unit
       from ${s}.${quoteIdent(user.table)} u ${join} where u.id = any(?::uuid[])`,
      [uuids],
    )
  ).rows as Array<Record<string, unknown>>;
  for (const r of rows) out.set(text(r.id), { name: text(r.name), employeeNumber: text(r.employee_number), unit: text(r.unit) });
  return out;
}
