import type { FieldDef, ObjectDef } from '@attain/meta';
import type { DesiredForeignKey, DesiredIndex, TypeChange } from './physical.ts';

/** An object or field as a plan step names it: stable id and api name. */
export interface Named {
  id: string;
  name: string;
}

/**
 * One difference between the metadata (and physical state) as it is and as it will be: plain
 * data, no SQL and no database. `diffSchemas` lists them; the classifier decides whether each is
 * safe; one handler per kind turns it into plan steps and DDL.
 *
 * `table` is the table name after renames (what later DDL addresses); `beforeTable` and `column`
 * are the names as they are now (what data checks read).
 */
export type Change =
  | { kind: 'create_object'; object: ObjectDef; fields: FieldDef[]; tableTaken: boolean }
  | { kind: 'restore_object'; object: Named }
  | { kind: 'rename_object'; object: Named; fromName: string; fromTable: string; toTable: string }
  | { kind: 'add_field'; object: Named; field: FieldDef; table: string; beforeTable: string }
  | { kind: 'restore_field'; object: Named; field: Named }
  | { kind: 'rename_field'; object: Named; field: Named; fromName: string; fromColumn: string; toColumn: string; table: string; announce: boolean }
  | { kind: 'change_type'; object: Named; field: FieldDef; from: string; to: string; change: TypeChange; table: string; beforeTable: string; column: string }
  | { kind: 'change_ref'; object: Named; field: Named; from: string; to: string }
  | { kind: 'drop_default'; object: Named; field: FieldDef; table: string }
  | { kind: 'set_default'; object: Named; field: FieldDef; value: string | number | boolean; table: string }
  | { kind: 'set_required'; object: Named; field: FieldDef; table: string; beforeTable: string; column: string }
  | { kind: 'drop_required'; object: Named; field: FieldDef; table: string }
  | { kind: 'purge_field'; object: Named; field: Named; column: string; beforeTable: string }
  | { kind: 'hide_field'; object: Named; field: Named; column: string; beforeTable: string; announce: boolean; parkAs?: string }
  | { kind: 'purge_object'; object: Named; table: string }
  | { kind: 'hide_object'; object: Named; table: string; announce: boolean; parkAs?: string }
  | { kind: 'purge_field_of_hidden_object'; object: Named; fieldId: string }
  | { kind: 'drop_index'; name: string; object: Named; objectLabel: string; unique: boolean; columns: string }
  | { kind: 'add_index'; index: DesiredIndex; object: Named; columns: string[]; table: string; checkDuplicates?: { table: string; columns: string[] } }
  | { kind: 'drop_foreign_key'; name: string; table: string; object: Named; field?: Named; fieldLabel: string }
  | { kind: 'add_foreign_key'; fk: DesiredForeignKey; object: Named; field: FieldDef; target: Named; table: string; targetTable: string }
  | { kind: 'update_document'; doc: Named; docKind: string }
  | { kind: 'remove_document'; doc: Named; docKind: string }
  | { kind: 'add_document'; doc: Named; docKind: string };

export type ChangeKind = Change['kind'];

/** The change of one kind, for handlers typed by kind. */
export type ChangeOf<K extends ChangeKind> = Extract<Change, { kind: K }>;
