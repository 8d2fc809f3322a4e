import type {
  ApprovalFlowDoc,
  AutomationDoc,
  EnumOption,
  FieldSchema,
  IncentivePlanDoc,
  KpiDoc,
  IndexDef,
  Label,
  ObjectDoc,
  RoleDoc,
  TargetPlanDoc,
  Storage,
  ValidationRule,
} from './generated/types.ts';

export type MetaDoc = ObjectDoc | RoleDoc | KpiDoc | TargetPlanDoc | ApprovalFlowDoc | AutomationDoc | IncentivePlanDoc;
export type MetaKind = MetaDoc['kind'];
/** One action of an approval flow or automation rule. */
export type WorkflowActionDoc = NonNullable<ApprovalFlowDoc['onApprove']>[number];

/** A field as the rest of the platform sees it: authored options resolved, storage inferred. */
export interface FieldDef {
  id: string;
  name: string;
  /** SQL column name; equals the api name, so a rename is a column rename. */
  column: string;
  label: Label;
  description?: string;
  storage: Storage;
  required: boolean;
  /** Platform-maintained column (id, owner_id, created_at, ...). */
  system: boolean;
  /** Never written by clients: system fields and formula fields. */
  readOnly: boolean;
  maxLength?: number;
  precision?: number;
  scale?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enumValues?: string[];
  options?: EnumOption[];
  default?: string | number | boolean;
  ref?: { object: string; onDelete: 'restrict' | 'set_null' | 'cascade'; inverse?: string; inverseLabel?: Label };
  unique: boolean;
  indexed: boolean;
  searchable: boolean;
  formula?: { expression: string; stored: boolean };
  ui: NonNullable<FieldSchema['x-attain']['ui']>;
  currency?: string;
  /** Money without a fixed currency: the field of the same object in which each record states it. */
  currencyField?: string;
}

export interface IndexSpec {
  id: string;
  /** Field names, resolved against the object's fields. */
  fields: string[];
  unique: boolean;
}

export interface ObjectDef {
  id: string;
  name: string;
  /** SQL table name in the tenant schema; equals the api name. */
  table: string;
  label: Label;
  pluralLabel: Label;
  /** Plain text, or a text per language. */
  description?: string | Label;
  titleField: string;
  owned: boolean;
  tree?: { parentField: string };
  /** Authored fields, in document order. */
  fields: FieldDef[];
  /** Platform fields present on every table. */
  systemFields: FieldDef[];
  indexes: IndexSpec[];
  validationRules: ValidationRule[];
  doc: ObjectDoc;
}

export interface RoleDef {
  id: string;
  name: string;
  label: Label;
  admin: boolean;
  permissions: RoleDoc['permissions'];
  doc: RoleDoc;
}

export type { ApprovalFlowDoc, AutomationDoc, EnumOption, IndexDef, Label, ObjectDoc, RoleDoc, Storage, ValidationRule, FieldSchema };

/** Storage types stored as exact decimals; they travel as strings to stay exact. */
export const DECIMAL_STORAGES: ReadonlySet<Storage> = new Set<Storage>(['decimal', 'money', 'percent']);

export function allFields(object: ObjectDef): FieldDef[] {
  return [...object.systemFields, ...object.fields];
}

export function findField(object: ObjectDef, name: string): FieldDef | undefined {
  return object.fields.find((f) => f.name === name) ?? object.systemFields.find((f) => f.name === name);
}

/** Picks the label for a locale, falling back to English and then to the given default. */
export function pickLabel(label: Label | undefined, locale: string, fallback = ''): string {
  if (!label) return fallback;
  return label[locale] ?? label[locale.split('-')[0] ?? 'en'] ?? label.en ?? fallback;
}
