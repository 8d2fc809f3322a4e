import type { Label, ObjectDoc, RoleDoc } from '@attain/meta';

export type { Label, ObjectDoc, RoleDoc };
export type MetaDocument = ObjectDoc | RoleDoc;

export type Action = 'read' | 'create' | 'update' | 'delete' | 'export' | 'approve';
export type Scope = 'own' | 'team' | 'all';

/** One object permission as `/auth/me` reports it (normalised by `session.ts`). */
export interface ObjectPermission {
  object: string;
  actions: Action[];
  scope?: Scope;
  hiddenFields?: string[];
  readOnlyFields?: string[];
}

export interface SessionUser {
  id: string;
  name?: string;
  email: string;
  locale?: string;
  role?: string;
  [key: string]: unknown;
}

export interface Me {
  user: SessionUser;
  role: { name: string; label?: Label; admin: boolean } | null;
  permissions: ObjectPermission[];
  tenant?: string;
}

export interface ErrorDetail {
  path: string;
  rule: string;
  message: string;
}

export interface RecordRow {
  id: string;
  external_id?: string | null;
  owner_id?: string | null;
  created_at?: string;
  updated_at?: string;
  version?: number;
  [field: string]: unknown;
}

export interface ListResponse {
  data: RecordRow[];
  page: { next: string | null; limit: number };
  total?: number;
}

export interface FormDefinition {
  schema: Record<string, unknown>;
  uiSchema: Record<string, unknown>;
}

/** One step of a migration plan, as the store words it. */
export interface PlanStep {
  kind: string;
  sentence?: string;
  /** Stable message id of the sentence (`planMessages.<message>` in the translations). */
  message?: string;
  /** The values the message names. */
  params?: Record<string, string | number>;
  description?: string;
  safe?: boolean;
  reason?: string;
  object?: { id: string; name: string };
  field?: { id: string; name: string };
}

export interface Plan {
  fromRevision?: number;
  toRevision?: number | null;
  empty?: boolean;
  safe?: boolean;
  steps: PlanStep[];
  /** Older shape of refusals; current servers mark steps `safe: false` with a `reason`. */
  refused?: Array<{ reason: string }>;
}

export interface Revision {
  revision: number;
  created_at?: string;
  actor?: unknown;
  summary?: string;
  documents?: MetaDocument[];
  [key: string]: unknown;
}
