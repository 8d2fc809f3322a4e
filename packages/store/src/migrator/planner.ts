import type { Knex } from 'knex';
import { allFields, type FieldDef, type ObjectDef, type Registry } from '@attain/meta';
import { canonicalJson, ddlLiteral, hashedName, qualified, quoteIdent } from '../sql.ts';
import type { ApplyOptions, PhysicalField, PhysicalObject, PhysicalState, PlanStep, StepKind } from '../types.ts';
import { coerceScalar } from '../values.ts';
import { desiredForeignKeys, desiredIndexes, fieldById, sqlTypeOf, storedFields, typeChange, type DesiredIndex } from './physical.ts';
import type { Snapshot } from './snapshot.ts';

/** One piece of DDL/DML, run in phase order so drops come before renames, renames before adds. */
export interface Action {
  phase: number;
  run(trx: Knex.Transaction): Promise<void>;
}

export interface Planned {
  steps: PlanStep[];
  actions: Action[];
  next: PhysicalState;
}

const STEP_ORDER: StepKind[] = [
  'drop_foreign_key',
  'drop_index',
  'hide_object',
  'hide_field',
  'purge_field',
  'purge_object',
  'rename_table',
  'restore_object',
  'create_table',
  'rename_column',
  'restore_field',
  'add_column',
  'widen_column',
  'set_default',
  'drop_required',
  'set_required',
  'add_index',
  'add_foreign_key',
  'metadata_only',
];

const q = quoteIdent;

/**
 * Diffs (current metadata + physical state + live catalog) against the next metadata, keyed by
 * stable ids, into typed steps with a sentence each, plus the actions that carry them out.
 * Nothing runs here except read-only checks.
 */
export async function planMigration(input: {
  schema: string;
  current: Registry;
  physical: PhysicalState;
  next: Registry;
  snapshot: Snapshot;
  opts: ApplyOptions;
}): Promise<Planned> {
  const { schema, current, physical, next, snapshot, opts } = input;
  const purge = new Set(opts.purge ?? []);
  const steps: Array<PlanStep & { order: number }> = [];
  const actions: Action[] = [];
  const nextState: PhysicalState = structuredClone(physical);
  const T = (table: string) => qualified(schema, table);
  // `message` and `params` (in `extra`) say what `sentence` says in a form a client can
  // translate; the message defaults to the kind.
  const step = (kind: StepKind, object: { id: string; name: string }, sentence: string, extra: Partial<PlanStep> = {}): PlanStep => {
    const s = { kind, object, sentence, message: kind, params: {}, safe: true, ...extra, order: STEP_ORDER.indexOf(kind) };
    steps.push(s);
    return s;
  };
  const refuse = (s: PlanStep, reason: string) => {
    s.safe = false;
    s.reason = reason;
  };
  const act = (phase: number, run: (trx: Knex.Transaction) => Promise<unknown>) => actions.push({ phase, run: async (trx) => void (await run(trx)) });
  const ddl = (phase: number, sql: string, bindings: readonly Knex.RawBinding[] = []) => act(phase, (trx) => trx.raw(sql, bindings));

  // Names taken by live objects/columns in the next state, to park hidden ones out of the way.
  const liveTables = new Set(next.objects.map((o) => o.table));
  const touched = new Set<string>();

  for (const object of next.objects) {
    const ref = { id: object.id, name: object.name };
    const before = physical.objects[object.id];
    const beforeCount = steps.length;
    let fresh = false;
    if (!before) {
      fresh = true;
      const s = step('create_table', ref, `Create object "${object.name}" (new table with ${storedFields(object).length} field(s))`, { params: { object: object.name, fields: storedFields(object).length } });
      const owner = Object.values(physical.objects).find((o) => o.table === object.table);
      if (snapshot.tableExists(object.table) && !owner) {
        refuse(s, `a table named "${object.table}" already exists in the tenant schema and does not belong to Attain's metadata`);
      }
      const cols = storedFields(object).map((f) => columnDdl(f, true));
      ddl(
        3.3,
        `create table if not exists ${T(object.table)} (
          "id" uuid primary key,
          "external_id" varchar(255),
          ${cols.map((c) => `${c},`).join('\n')}
          "created_at" timestamptz not null default now(),
          "updated_at" timestamptz not null default now(),
          "created_by" uuid,
          "updated_by" uuid,
          "version" integer not null default 1,
          "deleted_at" timestamptz)`,
      );
      nextState.objects[object.id] = {
        table: object.table,
        hidden: false,
        fields: Object.fromEntries(storedFields(object).map((f) => [f.id, { column: f.column, storage: f.storage, sqlType: sqlTypeOf(f), hidden: false }])),
      };
    } else {
      const after = nextState.objects[object.id] as PhysicalObject;
      if (before.hidden) {
        step('restore_object', ref, `Restore object "${object.name}" with the table and data kept when it was removed`, { params: { object: object.name } });
        after.hidden = false;
      }
      if (before.table !== object.table) {
        const oldName = current.objectById(object.id)?.name ?? before.table;
        step('rename_table', ref, `Rename object "${oldName}" to "${object.name}" (data kept)`, { params: { from: oldName, to: object.name } });
        const tmp = hashedName('attain_t', object.id);
        ddl(3.0, `alter table ${T(before.table)} rename to ${q(tmp)}`);
        ddl(3.1, `alter table ${T(tmp)} rename to ${q(object.table)}`);
        after.table = object.table;
      }
      await planFields(object, before, after);
    }
    if (fresh) touched.add(object.id);
    if (steps.length > beforeCount) touched.add(object.id);
  }

  async function planFields(object: ObjectDef, before: PhysicalObject, after: PhysicalObject): Promise<void> {
    const ref = { id: object.id, name: object.name };
    const oldObject = current.objectById(object.id);
    const wanted = storedFields(object);
    const wantedIds = new Set(wanted.map((f) => f.id));
    const table = object.table; // name after phase 3
    const liveColumns = new Set(wanted.map((f) => f.column));
    for (const f of wanted) {
      const fref = { id: f.id, name: f.name };
      const pf = before.fields[f.id];
      const type = sqlTypeOf(f);
      if (!pf) {
        const s = step('add_column', ref, `Add column "${f.name}" (${f.storage}) to "${object.name}"`, { field: fref, params: { field: f.name, type: f.storage, object: object.name } });
        const filled = f.required ? await snapshot.hasRows(before.table) : false;
        const backfill = opts.backfill?.[f.id];
        if (f.required && filled && f.default === undefined && backfill === undefined) {
          refuse(s, `"${f.name}" is required but "${object.name}" already has rows; give a default or a backfill value for field id "${f.id}"`);
        } else if (f.required && filled && f.default === undefined) {
          const value = checkBackfill(s, f, backfill);
          s.sentence += ', filling existing rows with the backfill value';
          s.message = 'add_column_backfill';
          ddl(4.3, `alter table ${T(table)} add column if not exists ${columnDdl(f, false)}`);
          act(4.35, (trx) => trx.raw(`update ${T(table)} set ${q(f.column)} = ? where ${q(f.column)} is null`, [value as Knex.Value]));
          ddl(4.36, `alter table ${T(table)} alter column ${q(f.column)} set not null`);
        } else {
          // A constant default lets PostgreSQL add NOT NULL without rewriting the table.
          ddl(4.3, `alter table ${T(table)} add column if not exists ${columnDdl(f, true)}`);
        }
        after.fields[f.id] = { column: f.column, storage: f.storage, sqlType: type, hidden: false };
        continue;
      }
      const oldField = oldObject && !pf.hidden && !before.hidden ? fieldById(oldObject, f.id) : undefined;
      if (pf.hidden) step('restore_field', ref, `Restore field "${f.name}" on "${object.name}" with the data kept when it was removed`, { field: fref, params: { field: f.name, object: object.name } });
      if (pf.column !== f.column) {
        if (!pf.hidden) step('rename_column', ref, `Rename field "${oldField?.name ?? pf.column}" to "${f.name}" on "${object.name}" (data kept)`, { field: fref, params: { from: oldField?.name ?? pf.column, to: f.name, object: object.name } });
        const tmp = hashedName('attain_t', object.id, f.id);
        ddl(4.0, `alter table ${T(table)} rename column ${q(pf.column)} to ${q(tmp)}`);
        ddl(4.1, `alter table ${T(table)} rename column ${q(tmp)} to ${q(f.column)}`);
      }
      const change = typeChange(pf.storage, pf.sqlType, f);
      if (change.kind === 'unsafe') {
        const s = step('widen_column', ref, `Change "${f.name}" on "${object.name}" from ${pf.sqlType} to ${type}`, { field: fref, message: 'change_type', params: { field: f.name, object: object.name, from: pf.sqlType, to: type } });
        refuse(s, change.reason);
      } else if (change.kind !== 'same') {
        const s = step('widen_column', ref, `Widen "${f.name}" on "${object.name}" from ${pf.sqlType} to ${type}`, { field: fref, params: { field: f.name, object: object.name, from: pf.sqlType, to: type } });
        if (change.kind === 'widen_if_fits' && !(await snapshot.fitsDigits(before.table, pf.column, change.digits))) {
          refuse(s, `some values of "${f.name}" have more than ${change.digits} digits before the decimal point and would not fit ${type}`);
        }
        ddl(4.4, `alter table ${T(table)} alter column ${q(f.column)} type ${type}`);
      }
      if (oldField?.ref && f.ref) {
        const oldTarget = current.object(oldField.ref.object)?.id;
        const newTarget = next.object(f.ref.object)?.id;
        if (oldTarget !== newTarget) {
          const s = step('add_foreign_key', ref, `Point "${f.name}" on "${object.name}" at "${f.ref.object}" instead of "${oldField.ref.object}"`, { field: fref, message: 'change_ref', params: { field: f.name, object: object.name, from: oldField.ref.object, to: f.ref.object } });
          refuse(s, 'changing the object a reference points at would leave every existing value pointing at the wrong records; add a new field instead');
        }
      }
      // Defaults: compare with the old definition; a restored column lost its default when hidden.
      const oldDefault = oldField ? oldField.default : undefined;
      if (canonicalJson(oldDefault) !== canonicalJson(f.default)) {
        if (f.default === undefined) {
          step('set_default', ref, `Remove the default of "${f.name}" on "${object.name}"`, { field: fref, message: 'drop_default', params: { field: f.name, object: object.name } });
          ddl(5.0, `alter table ${T(table)} alter column ${q(f.column)} drop default`);
        } else {
          step('set_default', ref, `Set the default of "${f.name}" on "${object.name}" to ${JSON.stringify(f.default)}`, { field: fref, params: { field: f.name, object: object.name, value: JSON.stringify(f.default) } });
          ddl(5.0, `alter table ${T(table)} alter column ${q(f.column)} set default ${ddlLiteral(f.default)}`);
        }
      }
      const nullableNow = pf.hidden ? true : (snapshot.columnNullable(before.table, pf.column) ?? true);
      if (f.required && nullableNow) {
        const s = step('set_required', ref, `Make "${f.name}" on "${object.name}" required`, { field: fref, params: { field: f.name, object: object.name } });
        if (await snapshot.hasNulls(before.table, pf.column)) {
          const backfill = opts.backfill?.[f.id];
          if (backfill === undefined) {
            refuse(s, `"${f.name}" has empty values in existing rows; give a backfill value for field id "${f.id}"`);
          } else {
            const value = checkBackfill(s, f, backfill);
            s.sentence += ', filling empty rows with the backfill value';
            s.message = 'set_required_backfill';
            act(5.1, (trx) => trx.raw(`update ${T(table)} set ${q(f.column)} = ? where ${q(f.column)} is null`, [value as Knex.Value]));
          }
        }
        ddl(5.2, `alter table ${T(table)} alter column ${q(f.column)} set not null`);
      } else if (!f.required && !nullableNow) {
        step('drop_required', ref, `Make "${f.name}" on "${object.name}" optional`, { field: fref, params: { field: f.name, object: object.name } });
        ddl(5.0, `alter table ${T(table)} alter column ${q(f.column)} drop not null`);
      }
      after.fields[f.id] = { column: f.column, storage: f.storage, sqlType: type, hidden: false };
    }
    // Fields no longer wanted: hide (keep column and data) or purge when asked by id.
    for (const [fid, pf] of Object.entries(before.fields)) {
      if (wantedIds.has(fid)) continue;
      const oldField = oldObject ? fieldById(oldObject, fid) : undefined;
      const name = oldField?.name ?? pf.column;
      const fref = { id: fid, name };
      if (purge.has(fid)) {
        step('purge_field', ref, `Drop column "${pf.column}" of "${object.name}" and its data (purge)`, { field: fref, params: { field: pf.column, object: object.name } });
        ddl(2.0, `alter table ${T(before.table)} drop column if exists ${q(pf.column)}`);
        delete after.fields[fid];
        continue;
      }
      const target = after.fields[fid] as PhysicalField;
      if (!pf.hidden) {
        step('hide_field', ref, `Hide field "${name}" on "${object.name}": column and data are kept (re-add id "${fid}" to restore)`, { field: fref, params: { field: name, object: object.name, id: fid } });
        ddl(2.0, `alter table ${T(before.table)} alter column ${q(pf.column)} drop not null`);
        ddl(2.0, `alter table ${T(before.table)} alter column ${q(pf.column)} drop default`);
        target.hidden = true;
      }
      if (liveColumns.has(pf.column)) {
        // A new field takes this column name: move the kept column aside, data intact.
        const parked = hashedName('attain_h', object.id, fid);
        ddl(2.5, `alter table ${T(before.table)} rename column ${q(pf.column)} to ${q(parked)}`);
        target.column = parked;
      }
    }
  }

  // Objects no longer in the metadata: hide (table kept) or purge by object id.
  for (const [oid, po] of Object.entries(physical.objects)) {
    if (next.objectById(oid)) continue;
    const name = current.objectById(oid)?.name ?? po.table;
    const ref = { id: oid, name };
    if (purge.has(oid)) {
      step('purge_object', ref, `Drop the table of object "${name}" and all its data (purge)`, { params: { object: name } });
      ddl(2.0, `drop table if exists ${T(po.table)} cascade`);
      delete nextState.objects[oid];
      continue;
    }
    const after = nextState.objects[oid] as PhysicalObject;
    if (!po.hidden) {
      step('hide_object', ref, `Hide object "${name}": its table and data are kept (re-add id "${oid}" to restore)`, { params: { object: name, id: oid } });
      after.hidden = true;
    }
    if (liveTables.has(po.table)) {
      const parked = hashedName('attain_h', oid);
      ddl(2.5, `alter table ${T(po.table)} rename to ${q(parked)}`);
      after.table = parked;
    }
    for (const fid of Object.keys(po.fields)) {
      if (purge.has(fid)) refuseLater(ref, fid);
    }
  }
  function refuseLater(ref: { id: string; name: string }, fid: string) {
    const s = step('purge_field', ref, `Drop field id "${fid}" of hidden object "${ref.name}"`, { message: 'purge_field_of_hidden_object', params: { id: fid, object: ref.name } });
    refuse(s, 'purge the whole object by its id instead');
  }

  await planIndexes(next, snapshot, nextState, steps.length);
  await planForeignKeys();

  async function planIndexes(reg: Registry, snap: Snapshot, state: PhysicalState, _n: number): Promise<void> {
    const wanted = desiredIndexes(reg);
    const old = desiredIndexes(current);
    for (const name of snap.indexes) {
      if (!/^ax_[ui]_[0-9a-f]{20}$/.test(name) || wanted.has(name)) continue;
      const d = old.get(name);
      const o = d ? current.objectById(d.objectId) : undefined;
      step('drop_index', { id: d?.objectId ?? '', name: o?.name ?? '' }, `Drop ${d?.unique ? 'unique ' : ''}index on "${o?.name ?? '?'}" (${d ? describeCols(current, d) : name})`, { ...(d?.unique ? { message: 'drop_unique_index' } : {}), params: { object: o?.name ?? '?', columns: d ? describeCols(current, d) : name } });
      ddl(1.0, `drop index if exists ${q(schema)}.${q(name)}`);
    }
    for (const d of wanted.values()) {
      if (snap.indexes.has(d.name)) continue;
      const object = reg.objectById(d.objectId) as ObjectDef;
      const cols = d.fieldIds.map((id) => (fieldById(object, id) as FieldDef).column);
      const s = step('add_index', { id: object.id, name: object.name }, `Add ${d.unique ? 'unique ' : ''}index on "${object.name}" (${cols.join(', ')})`, { ...(d.unique ? { message: 'add_unique_index' } : {}), params: { object: object.name, columns: cols.join(', ') } });
      const before = physical.objects[object.id];
      if (d.unique && before) {
        // Check against the columns as they are now (before renames).
        const nowCols = d.fieldIds.map((id) => before.fields[id]?.column ?? (id.includes('#') ? id.split('#')[1] : undefined));
        if (nowCols.every((c): c is string => typeof c === 'string') && nowCols.every((c) => snap.columnNullable(before.table, c) !== undefined)) {
          if (await snap.hasDuplicates(before.table, nowCols)) refuse(s, `"${object.name}" has rows with the same ${cols.join(', ')}; fix the duplicates first`);
        }
      }
      const list = cols.map(q).join(', ');
      ddl(
        6.0,
        d.unique
          ? `create unique index if not exists ${q(d.name)} on ${T(object.table)} (${list}) where deleted_at is null`
          : `create index if not exists ${q(d.name)} on ${T(object.table)} (${list})`,
      );
      void state;
    }
  }

  async function planForeignKeys(): Promise<void> {
    const wanted = desiredForeignKeys(next);
    const old = desiredForeignKeys(current);
    for (const [name, table] of snapshot.foreignKeys) {
      if (!/^afk_[0-9a-f]{20}$/.test(name) || wanted.has(name)) continue;
      const d = old.get(name);
      const o = d ? current.objectById(d.objectId) : undefined;
      const f = d && o ? fieldById(o, d.fieldId) : undefined;
      step('drop_foreign_key', { id: d?.objectId ?? '', name: o?.name ?? table }, `Remove the database link of "${f?.name ?? name}" on "${o?.name ?? table}"`, { ...(f ? { field: { id: f.id, name: f.name } } : {}), params: { field: f?.name ?? name, object: o?.name ?? table } });
      ddl(1.0, `alter table ${T(table)} drop constraint if exists ${q(name)}`);
    }
    for (const d of wanted.values()) {
      if (snapshot.foreignKeys.has(d.name)) continue;
      const object = next.objectById(d.objectId) as ObjectDef;
      const target = next.objectById(d.targetId) as ObjectDef;
      const f = fieldById(object, d.fieldId) as FieldDef;
      step('add_foreign_key', { id: object.id, name: object.name }, `Link "${f.name}" on "${object.name}" to "${target.name}" (on delete ${d.onDelete.replace('_', ' ')})`, { field: { id: f.id, name: f.name }, params: { field: f.name, object: object.name, target: target.name, onDelete: d.onDelete } });
      const onDelete = d.onDelete === 'cascade' ? 'cascade' : d.onDelete === 'set_null' ? 'set null' : 'restrict';
      ddl(6.1, `alter table ${T(object.table)} add constraint ${q(d.name)} foreign key (${q(f.column)}) references ${T(target.table)} ("id") on delete ${onDelete}`);
    }
  }

  // Documents whose only changes are labels, descriptions, options, roles...: no DDL.
  const oldDocs = new Map(current.docs.map((d) => [d.id, canonicalJson(d)]));
  for (const doc of next.docs) {
    const was = oldDocs.get(doc.id);
    if (was === undefined || was === canonicalJson(doc)) continue;
    if (doc.kind === 'object' && steps.some((s) => s.object.id === doc.id)) continue;
    step('metadata_only', { id: doc.id, name: doc.name }, `Update ${doc.kind} "${doc.name}" (labels and settings only, no database change)`, { message: 'update_document', params: { docKind: doc.kind, name: doc.name } });
  }
  for (const doc of current.docs) {
    if (doc.kind !== 'object' && !next.docs.some((d) => d.id === doc.id)) {
      step('metadata_only', { id: doc.id, name: doc.name }, `Remove ${doc.kind} "${doc.name}"`, { message: 'remove_document', params: { docKind: doc.kind, name: doc.name } });
    }
  }
  for (const doc of next.docs) {
    if (doc.kind !== 'object' && !oldDocs.has(doc.id)) step('metadata_only', { id: doc.id, name: doc.name }, `Add ${doc.kind} "${doc.name}"`, { message: 'add_document', params: { docKind: doc.kind, name: doc.name } });
  }
  void touched;

  steps.sort((a, b) => a.order - b.order);
  actions.sort((a, b) => a.phase - b.phase);
  return { steps: steps.map(({ order: _order, ...s }) => s), actions, next: nextState };
}

function describeCols(registry: Registry, d: DesiredIndex): string {
  const object = registry.objectById(d.objectId);
  return d.fieldIds.map((id) => (object ? fieldById(object, id)?.name : undefined) ?? id).join(', ');
}

function checkBackfill(s: PlanStep, f: FieldDef, value: unknown): unknown {
  if (f.storage === 'multi_enum') {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' && (f.enumValues ?? []).includes(v))) return value;
    s.safe = false;
    s.reason = `the backfill value for "${f.name}" must be a list of its values`;
    return null;
  }
  const c = coerceScalar(f, value);
  if (!c.ok) {
    s.safe = false;
    s.reason = `the backfill value for "${f.name}" ${c.message}`;
    return null;
  }
  if (f.storage === 'enum' && !(f.enumValues ?? []).includes(String(c.value))) {
    s.safe = false;
    s.reason = `the backfill value for "${f.name}" must be one of: ${(f.enumValues ?? []).join(', ')}`;
    return null;
  }
  return c.value;
}

/** `"name" type [not null] [default ...]` for a column; NOT NULL only where it is safe to add. */
function columnDdl(f: FieldDef, withConstraints: boolean): string {
  let sql = `${quoteIdent(f.column)} ${sqlTypeOf(f)}`;
  if (withConstraints && f.default !== undefined && f.storage !== 'multi_enum' && f.storage !== 'ref') sql += ` default ${ddlLiteral(f.default)}`;
  if (withConstraints && f.required) sql += ' not null';
  return sql;
}

export { allFields };
