// The storage rules alone (a few hundred bytes), not the package index: this module is on the
// first screen (Home's dashboard widgets), where the whole metadata package would cost ~48 kB.
import { inferStorage } from '@attain/meta/storage';
import type { FieldSchema, Storage } from '@attain/meta';
import type { Label, ObjectDoc } from '../api/types.ts';

export type { Storage };

/** What a screen needs to know about a field, read straight from the object document. */
export interface FieldInfo {
  name: string;
  id: string;
  label: Label;
  storage: Storage;
  required: boolean;
  readOnly: boolean;
  system: boolean;
  ref?: string;
  options?: Array<{ value: string; label?: Label }>;
  listColumn?: boolean;
  order: number;
  /** Money: a fixed currency, or the field in which each record states it. */
  currency?: string;
  currencyField?: string;
}

const SYSTEM: Array<[string, Storage, Label]> = [
  ['id', 'text', { en: 'ID', 'zh-CN': '编号' }],
  ['external_id', 'text', { en: 'External ID', 'zh-CN': '外部编号' }],
  ['owner_id', 'ref', { en: 'Owner', 'zh-CN': '负责人' }],
  ['created_at', 'datetime', { en: 'Created at', 'zh-CN': '创建时间' }],
  ['updated_at', 'datetime', { en: 'Updated at', 'zh-CN': '更新时间' }],
];

export function authoredFields(doc: ObjectDoc): FieldInfo[] {
  const required = new Set(doc.schema.required ?? []);
  return Object.entries(doc.schema.properties)
    .filter((e): e is [string, FieldSchema] => Boolean(e[1]))
    .map(([name, schema], i) => {
      const x = schema['x-attain'];
      const storage = inferStorage(schema);
      const info: FieldInfo = {
        name,
        id: x.id,
        label: x.label ?? { en: schema.title ?? name },
        storage,
        required: required.has(name),
        readOnly: Boolean(x.readOnly || x.formula),
        system: false,
        order: x.ui?.order ?? 1000 + i,
      };
      if (x.ref) info.ref = x.ref.object;
      if (x.currency) info.currency = x.currency;
      if (x.currencyField) info.currencyField = x.currencyField;
      const values = storage === 'multi_enum' ? schema.items?.enum : schema.enum;
      if (x.options) info.options = x.options.map((o) => ({ value: o.value, ...(o.label ? { label: o.label } : {}) }));
      else if (values) info.options = values.map((value) => ({ value }));
      if (x.ui?.listColumn !== undefined) info.listColumn = x.ui.listColumn;
      return info;
    })
    .sort((a, b) => a.order - b.order);
}

export function systemFields(doc: ObjectDoc): FieldInfo[] {
  const owned = doc['x-attain']?.owned ?? true;
  return SYSTEM.filter(([name]) => owned || name !== 'owner_id').map(([name, storage, label], i) => ({
    name,
    id: `${doc.id}#${name}`,
    label,
    storage,
    required: false,
    readOnly: true,
    system: true,
    order: i,
    ...(storage === 'ref' ? { ref: 'user' } : {}),
  }));
}

export function allFieldInfos(doc: ObjectDoc): FieldInfo[] {
  return [...authoredFields(doc), ...systemFields(doc)];
}

export function titleField(doc: ObjectDoc): string {
  const fields = authoredFields(doc);
  return doc['x-attain']?.titleField ?? fields.find((f) => ['text', 'email', 'phone', 'url'].includes(f.storage))?.name ?? 'id';
}

/** Columns of a list: the title, fields marked `ui.listColumn`, else the first few fields. */
export function listColumns(doc: ObjectDoc, hidden: ReadonlySet<string> = new Set()): FieldInfo[] {
  const fields = authoredFields(doc).filter((f) => !hidden.has(f.name));
  const title = titleField(doc);
  const marked = fields.filter((f) => f.listColumn === true);
  const chosen = marked.length ? marked : fields.filter((f) => f.listColumn !== false && f.storage !== 'long_text').slice(0, 5);
  const first = fields.find((f) => f.name === title);
  const out = first ? [first, ...chosen.filter((f) => f.name !== title)] : chosen;
  return out.slice(0, 6);
}

export interface InverseRelation {
  object: string;
  field: string;
  label: Label;
}

/** One-to-many relations pointing at `objectName` (the related lists of a detail view). */
export function inverseRelations(objects: readonly ObjectDoc[], objectName: string): InverseRelation[] {
  const out: InverseRelation[] = [];
  for (const child of objects) {
    for (const [name, schema] of Object.entries(child.schema.properties)) {
      const ref = schema?.['x-attain'].ref;
      if (ref?.object !== objectName) continue;
      out.push({ object: child.name, field: name, label: ref.inverseLabel ?? child.pluralLabel ?? child.label });
    }
  }
  return out;
}

export const NUMERIC_STORAGES: ReadonlySet<Storage> = new Set<Storage>(['integer', 'decimal', 'money', 'percent']);
