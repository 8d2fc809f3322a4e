// A template's data, written with natural keys only: a unit by its name, a person by their email,
// a role by its name, a record by its external id, a plan by its api name. Database ids never
// appear in a template, so the same files install into any tenant.

/** The data files of a template's data folder, loaded in this order; `records/*.json` after people. */
export const DATA_FILES = {
  orgUnits: 'org_units.json',
  people: 'people.json',
  fxRates: 'fx_rates.json',
  creditingRules: 'crediting_rules.json',
  planAssignments: 'plan_assignments.json',
  targets: 'targets.json',
  inputs: 'inputs.json',
  periods: 'periods.json',
} as const;

export interface OrgUnitRow {
  name: string;
  /** The parent unit's name; none for the top. */
  parent?: string;
  /** The unit head's email (a person of people.json). */
  head?: string;
  external_id?: string;
}

export interface PersonRow {
  email: string;
  name: string;
  /** A role's api name (metadata role document). */
  role: string;
  /** The unit's name. */
  unit?: string;
  /** The manager's email. */
  manager?: string;
  title?: string;
  /** Further fields of the user object, by api name (references by natural key). */
  fields?: Record<string, unknown>;
}

export interface FxRateRow {
  currency: string;
  date: string;
  rate: string;
  to?: string;
}

/** Who is paid on which incentive plan (by the plan's api name and the person's email). */
export interface PlanAssignmentRow {
  plan: string;
  person: string;
  from: string;
  to?: string | null;
}

/**
 * An approved version of a target plan: the total and the split weights keyed by unit name or
 * person email (the rest weigh 1).
 */
export interface TargetRow {
  plan: string;
  total: string;
  weights?: Record<string, string>;
  approve?: boolean;
}

/** A plan input (a quota, a draw) for a person and period, when not read from a target plan. */
export interface InputRow {
  person: string;
  period: string;
  name: string;
  value: string;
}

/** One file of records/: rows of one object. A reference field holds the target's natural key. */
export interface RecordFile {
  file: string;
  object: string;
  rows: Array<Record<string, unknown>>;
}

export interface TemplateData {
  orgUnits?: OrgUnitRow[];
  people?: PersonRow[];
  fxRates?: FxRateRow[];
  /** Crediting rule documents (who gets credit for a transaction), as the incentive engine takes them. */
  creditingRules?: unknown[];
  planAssignments?: PlanAssignmentRow[];
  targets?: TargetRow[];
  inputs?: InputRow[];
  /** Incentive periods (YYYY-MM, or the plan's frequency's keys) opened and calculated after loading. */
  periods?: string[];
  records?: RecordFile[];
}
