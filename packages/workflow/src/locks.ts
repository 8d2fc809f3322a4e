// Fields of a record are locked while an approval on it is pending: the store asks this guard
// inside every update/delete transaction, so no write path can get around it.
import { quoteIdent } from '@attain/meta';
import { StoreError, type WriteGuard } from '@attain/store';
import { T } from './module.ts';

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const na = Number(a);
  const nb = Number(b);
  if (typeof a !== 'boolean' && typeof b !== 'boolean' && String(a).trim() !== '' && String(b).trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na === nb;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function lockGuard(): WriteGuard {
  const ready = new Set<string>();
  return async (input) => {
    // Only objects some flow targets can have instances; others cost nothing.
    if (!input.registry.documentsOf('approval_flow').some((f) => f.object === input.object)) return;
    const table = `${quoteIdent(input.schema)}.${T.instances}`;
    if (!ready.has(input.schema)) {
      const r = (await input.trx.raw('select to_regclass(?) as t', [table])) as { rows: Array<{ t: unknown }> };
      if (!r.rows[0]?.t) return;
      ready.add(input.schema);
    }
    const rows = (await input.trx.raw(`select flow_name, locked_fields from ${table} where object = ? and record_id = ? and status = 'pending'`, [input.object, input.id])) as {
      rows: Array<{ flow_name: string; locked_fields: string[] }>;
    };
    for (const row of rows.rows) {
      const flow = input.registry.documentsOf('approval_flow').find((f) => f.name === row.flow_name);
      const name = flow?.label.en ?? row.flow_name;
      const locked = row.locked_fields ?? [];
      if (input.op === 'delete') {
        throw new StoreError('record_locked', `This ${input.object} cannot be deleted while the approval "${name}" is pending`, [
          { path: '/', rule: 'locked', message: `the approval "${name}" is pending` },
        ]);
      }
      const changed = Object.keys(input.patch ?? {}).filter((k) => !same(input.patch?.[k], input.before[k]));
      const hits = locked.includes('*') ? changed : changed.filter((k) => locked.includes(k));
      if (hits.length) {
        throw new StoreError(
          'record_locked',
          `"${hits[0]}" is locked while the approval "${name}" is pending`,
          hits.map((k) => ({ path: `/${k}`, rule: 'locked', message: `"${k}" cannot change while the approval "${name}" is pending` })),
        );
      }
    }
  };
}
