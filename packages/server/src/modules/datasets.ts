// Read-only datasets modules contribute to analytics: rows that are not records (the incentives'
// payouts), measured by the same report questions as an object. A module declares each dataset's
// columns once and answers, per request, a query of the rows the caller may see (its own access
// rules, never a copy); analytics groups, buckets, filters and measures them with the store's
// report code. Named `<module>.<name>`, so a dataset never meets an object's api name.
import type { FieldDef, Label, ObjectDef, ObjectDoc, Storage } from '@attain/meta';
import type { DataPort } from '@attain/store';
import type { AccessContext } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';

export interface DatasetField {
  name: string;
  label: Label;
  storage: Extract<Storage, 'text' | 'enum' | 'date' | 'integer' | 'decimal' | 'money' | 'ref'>;
  /** An enum's values. */
  values?: readonly string[];
  /** A reference's object (a title is shown where the caller may read the record). */
  ref?: string;
}

/** A dataset's rows for one caller: the module's port (database and schema) and the query selecting them. */
export interface DatasetRows {
  knex: DataPort['knex'];
  schema: string;
  query: ReturnType<DataPort['table']>;
}

export interface AnalyticsDataset {
  /** `<module>.<name>`: what a question names as its `object`. */
  name: string;
  label: Label;
  description?: string;
  fields: readonly DatasetField[];
  /**
   * The rows the caller may see, one column per field (named as the field): the module applies its
   * own access rules here. Throw the module's 403 when the caller may see none at all.
   */
  rows(deps: { store: Store; access: AccessContext }): Promise<DatasetRows>;
}

const DATASET_NAME = /^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_]{0,62}$/;

// Process-wide like the kind catalogue: installed with their module, counted per holder.
const catalogue = new Map<string, { dataset: AnalyticsDataset; holders: number }>();

export const datasets = {
  register(dataset: AnalyticsDataset): () => void {
    if (!DATASET_NAME.test(dataset.name)) throw new Error(`dataset "${dataset.name}" must be named <module>.<name>`);
    const entry = catalogue.get(dataset.name);
    if (entry && entry.dataset !== dataset) throw new Error(`another dataset "${dataset.name}" is already installed`);
    if (entry) entry.holders++;
    else catalogue.set(dataset.name, { dataset, holders: 1 });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const e = catalogue.get(dataset.name);
      if (e && --e.holders <= 0) catalogue.delete(dataset.name);
    };
  },
  get(name: string): AnalyticsDataset | undefined {
    return catalogue.get(name)?.dataset;
  },
  list(): AnalyticsDataset[] {
    return [...catalogue.values()].map((e) => e.dataset);
  },
};

const objects = new WeakMap<AnalyticsDataset, ObjectDef>();

/** The dataset described as an object (fields, no system fields), so the report code reads it as one. */
export function datasetObject(dataset: AnalyticsDataset): ObjectDef {
  const cached = objects.get(dataset);
  if (cached) return cached;
  const fields = dataset.fields.map(
    (f): FieldDef => ({
      id: `${dataset.name}.${f.name}`,
      name: f.name,
      column: f.name,
      label: f.label,
      storage: f.storage,
      required: false,
      system: false,
      readOnly: true,
      unique: false,
      indexed: false,
      searchable: false,
      ui: {},
      ...(f.values ? { enumValues: [...f.values], options: f.values.map((v) => ({ value: v, label: { en: v } })) } : {}),
      ...(f.ref ? { ref: { object: f.ref, onDelete: 'restrict' as const } } : {}),
    }),
  );
  const object: ObjectDef = {
    id: dataset.name,
    name: dataset.name,
    // The alias the rows are read under; quoted by the one helper like any identifier.
    table: dataset.name.replace('.', '__'),
    label: dataset.label,
    pluralLabel: dataset.label,
    titleField: fields[0]?.name ?? 'id',
    owned: false,
    fields,
    systemFields: [],
    indexes: [],
    validationRules: [],
    doc: { kind: 'object', id: dataset.name, name: dataset.name, label: dataset.label } as unknown as ObjectDoc,
  };
  objects.set(dataset, object);
  return object;
}
