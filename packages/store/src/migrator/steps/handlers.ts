import type { ChangeKind } from '../changes.ts';
import { addField } from './add-field.ts';
import { changeRef } from './change-ref.ts';
import { changeType } from './change-type.ts';
import { createObject } from './create-object.ts';
import { addDocument, removeDocument, updateDocument } from './documents.ts';
import { dropDefault, setDefault } from './defaults.ts';
import { addForeignKey, dropForeignKey } from './foreign-keys.ts';
import { hideField } from './hide-field.ts';
import { hideObject } from './hide-object.ts';
import { addIndex, dropIndex } from './indexes.ts';
import type { StepHandler } from './out.ts';
import { purgeField, purgeFieldOfHiddenObject } from './purge-field.ts';
import { purgeObject } from './purge-object.ts';
import { renameField } from './rename-field.ts';
import { renameObject } from './rename-object.ts';
import { dropRequired, setRequired } from './required.ts';
import { restoreField } from './restore-field.ts';
import { restoreObject } from './restore-object.ts';

/** One handler per change kind; a new kind of change fails the type check until it has one. */
export const stepHandlers: { [K in ChangeKind]: StepHandler<K> } = {
  create_object: createObject,
  restore_object: restoreObject,
  rename_object: renameObject,
  hide_object: hideObject,
  purge_object: purgeObject,
  add_field: addField,
  restore_field: restoreField,
  rename_field: renameField,
  change_type: changeType,
  change_ref: changeRef,
  set_default: setDefault,
  drop_default: dropDefault,
  set_required: setRequired,
  drop_required: dropRequired,
  hide_field: hideField,
  purge_field: purgeField,
  purge_field_of_hidden_object: purgeFieldOfHiddenObject,
  drop_index: dropIndex,
  add_index: addIndex,
  drop_foreign_key: dropForeignKey,
  add_foreign_key: addForeignKey,
  update_document: updateDocument,
  remove_document: removeDocument,
  add_document: addDocument,
};
