import type { Label, ObjectDoc, RoleDoc } from '@attain/meta';
import type { ApiErrorBody, GetMetadataObjectsObjectFormResponse, PostMetadataPlanResponse } from './generated.ts';

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

/** One field-level problem of an error answer (generated from the server's error schema). */
export type ErrorDetail = ApiErrorBody['error']['details'][number];

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

/** `GET /metadata/objects/:object/form` (generated from the route's schema). */
export type FormDefinition = GetMetadataObjectsObjectFormResponse;

/** A migration plan and its steps, as `POST /metadata/plan` answers (generated from the route's schema). */
export type Plan = PostMetadataPlanResponse & {
  /** Older servers' shape of refusals; current ones mark steps `safe: false` with a `reason`. */
  refused?: Array<{ reason: string }>;
};
export type PlanStep = Plan['steps'][number];

export interface Revision {
  revision: number;
  created_at?: string;
  actor?: unknown;
  summary?: string;
  documents?: MetaDocument[];
  [key: string]: unknown;
}
