import type { FieldDef, ObjectDef, Registry } from '@attain/meta';
import { canonicalJson, hashedName } from '../sql.ts';
import type { PhysicalObject, PhysicalState } from '../types.ts';
import type { Change, Named } from './changes.ts';
import { desiredForeignKeys, desiredIndexes, fieldById, sqlTypeOf, storedFields, typeChange, type DesiredIndex } from './physical.ts';
import type { Snapshot } from './snapshot.ts';

/** The catalog facts a diff reads: already loaded, no queries (data checks are the classifier's). */
export type Catalog = Pick<Snapshot, 'tableExists' | 'columnNullable' | 'indexes' | 'foreignKeys'>;

export interface SchemaDiff {
  /** In the order the planner has always visited them: objects, their fields, orphans, indexes, links, documents. */
  changes: Change[];
  /** The physical state once every change is applied. */
  next: PhysicalState;
}

/**
 * Compares the metadata and physical state as they are with the next metadata, keyed by stable
 * ids (a renamed object or field is the same id under a new name), and lists the differences as
 * data. Pure: same input, same output, nothing read from the database.
 */
export function diffSchemas(input: { current: Registry; physical: PhysicalState; next: Registry; catalog: Catalog; purge?: readonly string[] }): SchemaDiff {
  const { current, physical, next, catalog } = input;
  const purge = new Set(input.purge ?? []);
  const changes: Change[] = [];
  const state: PhysicalState = structuredClone(physical);
  const liveTables = new Set(next.objects.map((o) => o.table));

  for (const object of next.objects) {
    const ref = { id: object.id, name: object.name };
    const before = physical.objects[object.id];
    if (!before) {
      const fields = storedFields(object);
      const owned = Object.values(physical.objects).some((o) => o.table === object.table);
      changes.push({ kind: 'create_object', object, fields, tableTaken: catalog.tableExists(object.table) && !owned });
      state.objects[object.id] = {
        table: object.table,
        hidden: false,
        fields: Object.fromEntries(fields.map((f) => [f.id, { column: f.column, storage: f.storage, sqlType: sqlTypeOf(f), hidden: false }])),
      };
      continue;
    }
    const after = state.objects[object.id] as PhysicalObject;
    if (before.hidden) {
      changes.push({ kind: 'restore_object', object: ref });
      after.hidden = false;
    }
    if (before.table !== object.table) {
      changes.push({ kind: 'rename_object', object: ref, fromName: current.objectById(object.id)?.name ?? before.table, fromTable: before.table, toTable: object.table });
      after.table = object.table;
    }
    diffFields(object, ref, before, after);
  }

  function diffFields(object: ObjectDef, ref: Named, before: PhysicalObject, after: PhysicalObject): void {
    const oldObject = current.objectById(object.id);
    const wanted = storedFields(object);
    const wantedIds = new Set(wanted.map((f) => f.id));
    const table = object.table;
    const beforeTable = before.table;
    const liveColumns = new Set(wanted.map((f) => f.column));
    for (const f of wanted) {
      const fref = { id: f.id, name: f.name };
      const pf = before.fields[f.id];
      const type = sqlTypeOf(f);
      after.fields[f.id] = { column: f.column, storage: f.storage, sqlType: type, hidden: false };
      if (!pf) {
        changes.push({ kind: 'add_field', object: ref, field: f, table, beforeTable });
        continue;
      }
      const oldField = oldObject && !pf.hidden && !before.hidden ? fieldById(oldObject, f.id) : undefined;
      if (pf.hidden) changes.push({ kind: 'restore_field', object: ref, field: fref });
      if (pf.column !== f.column) {
        changes.push({ kind: 'rename_field', object: ref, field: fref, fromName: oldField?.name ?? pf.column, fromColumn: pf.column, toColumn: f.column, table, announce: !pf.hidden });
      }
      const change = typeChange(pf.storage, pf.sqlType, f);
      if (change.kind !== 'same') changes.push({ kind: 'change_type', object: ref, field: f, from: pf.sqlType, to: type, change, table, beforeTable, column: pf.column });
      if (oldField?.ref && f.ref) {
        const oldTarget = current.object(oldField.ref.object)?.id;
        const newTarget = next.object(f.ref.object)?.id;
        if (oldTarget !== newTarget) changes.push({ kind: 'change_ref', object: ref, field: fref, from: oldField.ref.object, to: f.ref.object });
      }
      // Defaults: compare with the old definition; a restored column lost its default when hidden.
      const oldDefault = oldField ? oldField.default : undefined;
      if (canonicalJson(oldDefault) !== canonicalJson(f.default)) {
        if (f.default === undefined) changes.push({ kind: 'drop_default', object: ref, field: f, table });
        else changes.push({ kind: 'set_default', object: ref, field: f, value: f.default, table });
      }
      const nullableNow = pf.hidden ? true : (catalog.columnNullable(beforeTable, pf.column) ?? true);
      if (f.required && nullableNow) changes.push({ kind: 'set_required', object: ref, field: f, table, beforeTable, column: pf.column });
      else if (!f.required && !nullableNow) changes.push({ kind: 'drop_required', object: ref, field: f, table });
    }
    // Fields no longer wanted: hide (keep column and data) or purge when asked by id.
    for (const [fid, pf] of Object.entries(before.fields)) {
      if (wantedIds.has(fid)) continue;
      const fref = { id: fid, name: (oldObject ? fieldById(oldObject, fid) : undefined)?.name ?? pf.column };
      if (purge.has(fid)) {
        changes.push({ kind: 'purge_field', object: ref, field: fref, column: pf.column, beforeTable });
        delete after.fields[fid];
        continue;
      }
      const target = after.fields[fid] as PhysicalState['objects'][string]['fields'][string];
      if (!pf.hidden) target.hidden = true;
      // A new field takes this column name: move the kept column aside, data intact.
      const parkAs = liveColumns.has(pf.column) ? hashedName('attain_h', object.id, fid) : undefined;
      if (parkAs) target.column = parkAs;
      if (!pf.hidden || parkAs) changes.push({ kind: 'hide_field', object: ref, field: fref, column: pf.column, beforeTable, announce: !pf.hidden, ...(parkAs ? { parkAs } : {}) });
    }
  }

  // Objects no longer in the metadata: hide (table kept) or purge by object id.
  for (const [oid, po] of Object.entries(physical.objects)) {
    if (next.objectById(oid)) continue;
    const ref = { id: oid, name: current.objectById(oid)?.name ?? po.table };
    if (purge.has(oid)) {
      changes.push({ kind: 'purge_object', object: ref, table: po.table });
      delete state.objects[oid];
      continue;
    }
    const after = state.objects[oid] as PhysicalObject;
    if (!po.hidden) after.hidden = true;
    const parkAs = liveTables.has(po.table) ? hashedName('attain_h', oid) : undefined;
    if (parkAs) after.table = parkAs;
    if (!po.hidden || parkAs) changes.push({ kind: 'hide_object', object: ref, table: po.table, announce: !po.hidden, ...(parkAs ? { parkAs } : {}) });
    for (const fid of Object.keys(po.fields)) {
      if (purge.has(fid)) changes.push({ kind: 'purge_field_of_hidden_object', object: ref, fieldId: fid });
    }
  }

  diffIndexes();
  diffForeignKeys();
  diffDocuments();
  return { changes, next: state };

  function diffIndexes(): void {
    const wanted = desiredIndexes(next);
    const old = desiredIndexes(current);
    for (const name of catalog.indexes) {
      if (!/^ax_[ui]_[0-9a-f]{20}$/.test(name) || wanted.has(name)) continue;
      const d = old.get(name);
      const o = d ? current.objectById(d.objectId) : undefined;
      changes.push({
        kind: 'drop_index',
        name,
        object: { id: d?.objectId ?? '', name: o?.name ?? '' },
        objectLabel: o?.name ?? '?',
        unique: d?.unique ?? false,
        columns: d ? describeCols(current, d) : name,
      });
    }
    for (const d of wanted.values()) {
      if (catalog.indexes.has(d.name)) continue;
      const object = next.objectById(d.objectId) as ObjectDef;
      const columns = d.fieldIds.map((id) => (fieldById(object, id) as FieldDef).column);
      const before = physical.objects[object.id];
      let checkDuplicates: { table: string; columns: string[] } | undefined;
      if (d.unique && before) {
        // Checked against the columns as they are now (before renames).
        const nowCols = d.fieldIds.map((id) => before.fields[id]?.column ?? (id.includes('#') ? id.split('#')[1] : undefined));
        if (nowCols.every((c): c is string => typeof c === 'string') && nowCols.every((c) => catalog.columnNullable(before.table, c) !== undefined)) {
          checkDuplicates = { table: before.table, columns: nowCols };
        }
      }
      changes.push({ kind: 'add_index', index: d, object: { id: object.id, name: object.name }, columns, table: object.table, ...(checkDuplicates ? { checkDuplicates } : {}) });
    }
  }

  function diffForeignKeys(): void {
    const wanted = desiredForeignKeys(next);
    const old = desiredForeignKeys(current);
    for (const [name, table] of catalog.foreignKeys) {
      if (!/^afk_[0-9a-f]{20}$/.test(name) || wanted.has(name)) continue;
      const d = old.get(name);
      const o = d ? current.objectById(d.objectId) : undefined;
      const f = d && o ? fieldById(o, d.fieldId) : undefined;
      changes.push({
        kind: 'drop_foreign_key',
        name,
        table,
        object: { id: d?.objectId ?? '', name: o?.name ?? table },
        ...(f ? { field: { id: f.id, name: f.name } } : {}),
        fieldLabel: f?.name ?? name,
      });
    }
    for (const d of wanted.values()) {
      if (catalog.foreignKeys.has(d.name)) continue;
      const object = next.objectById(d.objectId) as ObjectDef;
      const target = next.objectById(d.targetId) as ObjectDef;
      const field = fieldById(object, d.fieldId) as FieldDef;
      changes.push({
        kind: 'add_foreign_key',
        fk: d,
        object: { id: object.id, name: object.name },
        field,
        target: { id: target.id, name: target.name },
        table: object.table,
        targetTable: target.table,
      });
    }
  }

  // Documents whose only changes are labels, descriptions, options, roles...: no DDL.
  function diffDocuments(): void {
    const oldDocs = new Map(current.docs.map((d) => [d.id, canonicalJson(d)]));
    const stepped = new Set(changes.filter(announced).map((c) => objectOf(c).id));
    for (const doc of next.docs) {
      const was = oldDocs.get(doc.id);
      if (was === undefined || was === canonicalJson(doc)) continue;
      if (doc.kind === 'object' && stepped.has(doc.id)) continue;
      changes.push({ kind: 'update_document', doc: { id: doc.id, name: doc.name }, docKind: doc.kind });
    }
    for (const doc of current.docs) {
      if (doc.kind !== 'object' && !next.docs.some((d) => d.id === doc.id)) changes.push({ kind: 'remove_document', doc: { id: doc.id, name: doc.name }, docKind: doc.kind });
    }
    for (const doc of next.docs) {
      if (doc.kind !== 'object' && !oldDocs.has(doc.id)) changes.push({ kind: 'add_document', doc: { id: doc.id, name: doc.name }, docKind: doc.kind });
    }
  }
}

/** Whether a change shows as a plan step (parking an already hidden column or table does not). */
export function announced(c: Change): boolean {
  return !('announce' in c) || c.announce;
}

/** The object (or document) a change is about. */
export function objectOf(c: Change): Named {
  return 'doc' in c ? c.doc : c.object;
}

function describeCols(registry: Registry, d: DesiredIndex): string {
  const object = registry.objectById(d.objectId);
  return d.fieldIds.map((id) => (object ? fieldById(object, id)?.name : undefined) ?? id).join(', ');
}
