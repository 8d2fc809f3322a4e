import type { Knex } from 'knex';
import type { OrgService } from './org/service.ts';
import type { Registry, Storage } from '@attain/meta';
import type { Database } from './database.ts';
import type { JobQueue } from './jobs.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { EventSubscription } from './events.ts';
import type { ModuleHandle, TenantModule } from './modules.ts';
import type { DataPort } from './data-port.ts';
import type { WriteGuard } from './write-guards.ts';
import type { BeforeWriteRegistration } from './write-hooks.ts';
import type { FormulaFunctions } from './formula/plugin-functions.ts';
import type { DocumentCheck } from './document-checks.ts';
import type { TenantSettings, TenantSettingsInput } from './tenant-settings.ts';

export type Actor = { userId: string | null; label?: string };

export interface Tenant {
  id: string;
  name: string;
  label: string | null;
  schema: string;
  revision: number;
  createdAt: string;
}

export interface ApplyOptions {
  /** Field ids (or object ids) whose hidden columns (or tables) may be dropped for good. */
  purge?: string[];
  /** Values to fill existing empty rows with, keyed by field id, when a field becomes required. */
  backfill?: Record<string, unknown>;
}

export type StepKind =
  | 'create_table'
  | 'rename_table'
  | 'restore_object'
  | 'hide_object'
  | 'purge_object'
  | 'add_column'
  | 'rename_column'
  | 'restore_field'
  | 'widen_column'
  | 'set_required'
  | 'drop_required'
  | 'set_default'
  | 'add_index'
  | 'drop_index'
  | 'add_foreign_key'
  | 'drop_foreign_key'
  | 'hide_field'
  | 'purge_field'
  | 'recompute_formula'
  | 'metadata_only';

/** Values a plan step's message names: api names, storage and SQL types, counts. */
export type StepParams = Record<string, string | number>;

export interface PlanStep {
  kind: StepKind;
  /** Object id and current api name. */
  object: { id: string; name: string };
  field?: { id: string; name: string };
  /** One sentence for the dry run, in English. */
  sentence: string;
  /**
   * The sentence in a form a client can translate: a stable message id (the kind, or a variant
   * such as `add_column_backfill`, `change_type`, `add_unique_index`) and the values it names.
   */
  message?: string;
  params?: StepParams;
  /** False when the step is refused; `reason` says why. */
  safe: boolean;
  reason?: string;
}

export interface MigrationPlan {
  fromRevision: number;
  /** The revision applying this plan creates, or null when nothing would change. */
  toRevision: number | null;
  hash: string;
  empty: boolean;
  /** True when every step is safe. */
  safe: boolean;
  steps: PlanStep[];
}

export interface RevisionInfo {
  revision: number;
  hash: string;
  actor: Actor;
  createdAt: string;
  steps: number;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: Actor;
  action: string;
  object: string | null;
  recordId: string | null;
  before: unknown;
  after: unknown;
  revision: number | null;
}

export type RecordAccess = {
  rowFilter?: { ownerIn: string[] };
  /**
   * The same caller's record scope on every object, for rows reached from this one: the record a
   * written reference points at, and the related rows a formula run for the caller reads
   * (`customer.name`, `SUM(opportunities.amount)`). 'none': the caller may read no row of that
   * object; undefined: every row. Omitted altogether for system callers, who read everything.
   */
  scopeOf?: (object: string) => { ownerIn: string[] } | 'none' | undefined;
  hiddenFields?: ReadonlySet<string>;
  /** Fields hidden from the same caller on other objects, for formulas that reach them (a report grouped by `customer.region`). */
  hiddenOf?: (object: string) => ReadonlySet<string> | undefined;
  readOnlyFields?: ReadonlySet<string>;
  /** Locale of messages written for this caller (validation rule messages); default en. */
  locale?: string;
};

export type Rec = Record<string, unknown> & { id: string; version: number };

export type FieldOps = {
  eq?: unknown;
  ne?: unknown;
  gt?: unknown;
  gte?: unknown;
  lt?: unknown;
  lte?: unknown;
  in?: unknown[];
  nin?: unknown[];
  contains?: string;
  startsWith?: string;
  between?: [unknown, unknown];
  isNull?: boolean;
};

export type Filter = { and: Filter[] } | { or: Filter[] } | { not: Filter } | { [field: string]: FieldOps };

export interface ListQuery {
  filter?: Filter;
  sort?: Array<{ field: string; dir: 'asc' | 'desc' }>;
  limit?: number;
  after?: string;
  offset?: number;
  withTotal?: boolean;
  includeDeleted?: boolean;
  search?: string;
}

/** One grouping of an aggregate: a field, and for a date a bucket in the tenant calendar. */
export interface AggregateGroup {
  /** A field of the object, or (exactly one of the two) a formula over it and its relations. */
  field?: string;
  formula?: string;
  bucket?: 'day' | 'week' | 'month' | 'quarter' | 'year';
}

/** One measure: `ratio` divides measure `of[0]` by measure `of[1]` (indexes into the same list). */
export interface AggregateMeasure {
  op: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct' | 'ratio';
  field?: string;
  /** A formula in place of the field (its value per record, then aggregated). */
  formula?: string;
  of?: [number, number];
}

export interface AggregateQuery {
  filter?: Filter;
  groups?: AggregateGroup[];
  measures: AggregateMeasure[];
  /** Time zone of day buckets and first month of the fiscal year (quarter and year buckets). */
  calendar?: { timeZone: string; firstMonth: number };
  /** TODAY() in formula groupings and measures (YYYY-MM-DD): the tenant's today or the report's as-of day. */
  today?: string;
  /** Grouping sets as indexes into `groups`; default one set of all groups. */

  sets?: number[][];
  /** Top-N: keys of `group` outside `keys` are folded into one "other" row. */
  keep?: { group: number; keys: Array<string | null> };
}

export interface AggregateRow {
  /** Per group: is it a grouping of this row (false: rolled up, a total). */
  present: boolean[];
  /** Keys as text (a date bucket's first day or month, `YYYY-MM` for month, quarter and year). */
  keys: Array<string | null>;
  /** A reference's title where the caller may read the referenced record. */
  labels: Array<string | null>;
  /** Per group: this row is the "other" of a top-N. */
  other: boolean[];
  /** Exact decimals and counts as text, null when there is nothing to measure. */
  values: Array<string | null>;
}

export interface AggregateResult {
  rows: AggregateRow[];
}

export interface ListResult {
  data: Rec[];
  page: { next: string | null; limit: number };
  total?: number;
}

export interface RecordService {
  readonly registry: Registry;
  list(object: string, q?: ListQuery): Promise<ListResult>;
  get(object: string, id: string, opts?: { includeDeleted?: boolean }): Promise<Rec | undefined>;
  getMany(object: string, ids: string[]): Promise<Rec[]>;
  create(object: string, data: Record<string, unknown>, actor: Actor): Promise<Rec>;
  /** `effectiveFrom` (YYYY-MM-DD, not after today): for users and org units, the day their org change takes effect (default today). */
  update(object: string, id: string, patch: Record<string, unknown>, actor: Actor, opts?: { expectedVersion?: number; effectiveFrom?: string }): Promise<Rec>;
  delete(object: string, id: string, actor: Actor): Promise<void>;
  restore(object: string, id: string, actor: Actor): Promise<Rec>;
  upsert(
    object: string,
    rows: Array<Record<string, unknown> & { external_id: string }>,
    actor: Actor,
    /** `skipUnchanged`: rows equal to their stored record are not written but answered `unchanged`. */
    opts?: { effectiveFrom?: string; skipUnchanged?: boolean },
  ): Promise<{ created: number; updated: number; records: Rec[]; statuses: Array<'created' | 'updated' | 'unchanged'> }>;
  count(object: string, filter?: Filter, opts?: { includeDeleted?: boolean; search?: string }): Promise<number>;
  /** Grouped measures over the rows `list` would return the caller (same scope, filter and hidden fields). */
  aggregate(object: string, q: AggregateQuery): Promise<AggregateResult>;
  /** A formula's type and its value on the first `limit` (1..50, default 10) records the caller may read. */
  previewFormula(object: string, formula: string, opts?: FormulaPreviewOptions): Promise<FormulaPreviewResult>;
  /** `list`'s rows (scope, live, filter; hidden fields refused) as a query to embed: id, created_at and `fields`, for modules joining their tables. */
  scopedRows(object: string, q?: { fields?: string[]; filter?: Filter }): Knex.QueryBuilder;
}

export type { FormulaPreviewOptions, FormulaPreviewResult } from './formula-preview-types.ts';
import type { FormulaPreviewOptions, FormulaPreviewResult } from './formula-preview-types.ts';

export interface Credential {
  tenant: string;
  userId: string;
  email: string;
  passwordHash: string;
  active: boolean;
}

export interface ApiToken {
  id: string;
  tenant: string;
  userId: string;
  name: string;
  /** Scopes the token is limited to (e.g. `scim`); empty: the whole API. */
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface CredentialStore {
  upsertCredential(c: Credential): Promise<void>;
  /** Email is matched case-insensitively. */
  findCredential(tenant: string, email: string): Promise<Credential | undefined>;
  /** Deactivating also revokes the user's sessions. */
  setActive(tenant: string, userId: string, active: boolean): Promise<void>;
}

/** Credential methods are available both flat and under `credentials`. */
export interface AuthStore extends CredentialStore {
  credentials: CredentialStore;
  apiTokens: {
    create(t: { tenant: string; userId: string; name: string; tokenHash: string; expiresAt?: Date | string | null; scopes?: readonly string[] }): Promise<ApiToken>;
    /** Only live tokens: not revoked and not expired. */
    findByHash(tokenHash: string): Promise<ApiToken | undefined>;
    revoke(id: string): Promise<void>;
    list(tenant: string, userId?: string): Promise<ApiToken[]>;
    touch(id: string): Promise<void>;
  };
  sessions: {
    create(s: { tenant: string; userId: string; jti: string; expiresAt: Date | string }): Promise<void>;
    /** Live (not revoked, not expired) and, when `bound` is given, issued to that tenant and user. */
    isActive(jti: string, bound?: { tenant: string; userId: string }): Promise<boolean>;
    revoke(jti: string): Promise<void>;
    revokeAllForUser(tenant: string, userId: string): Promise<number>;
  };
  /** Failure counters in fixed time windows, shared by every node (login throttling). */
  throttle: {
    /** Adds `delta` to each counter (creating it) and returns the new values, in order. */
    add(counters: ThrottleCounter[], delta: number): Promise<number[]>;
    /** Drops counters whose window started before `before`. */
    prune(before: Date): Promise<number>;
  };
}

export interface ThrottleCounter {
  /** What is counted, e.g. `address`; part of the key. */
  scope: string;
  /** The counted thing, hashed by the caller (no raw emails or addresses need be stored). */
  key: string;
  windowStart: Date;
}

export interface MetadataService {
  plan(tenant: string, docs: unknown[], opts?: ApplyOptions): Promise<MigrationPlan>;
  apply(tenant: string, docs: unknown[], opts: ApplyOptions & { actor: Actor }): Promise<{ revision: number; plan: MigrationPlan }>;
  history(tenant: string): Promise<RevisionInfo[]>;
  revision(tenant: string, n: number): Promise<{ info: RevisionInfo; docs: unknown[] }>;
  /** The plan that would turn revision a's metadata into revision b's (metadata-level diff, no data checks). */
  diff(tenant: string, a: number, b: number): Promise<MigrationPlan>;
  rollback(tenant: string, toRevision: number, actor: Actor): Promise<{ revision: number; plan: MigrationPlan }>;
}

/** One tenant at its current metadata revision, resolved with a single revision check. */
export interface TenantSnapshot {
  tenant: Tenant;
  registry: Registry;
  /** A record service at this snapshot's revision; costs no further round trip. */
  records(access?: RecordAccess): RecordService;
}

/**
 * A change made through this process, announced after it commits, so per-process caches (e.g.
 * of session validity) can drop entries at once. Other nodes never see it: their caches must
 * bound staleness by a TTL. Ids are uuids, unique across tenants.
 */
export type LocalChange = { kind: 'user'; userId: string } | { kind: 'session'; jti: string } | { kind: 'token'; tokenId: string };

export interface Store {
  db: Database;
  controlSchema: string;
  tenants: {
    create(name: string, opts?: { label?: string } & TenantSettingsInput): Promise<Tenant>;
    get(name: string): Promise<Tenant | undefined>;
    list(): Promise<Tenant[]>;
    /** Base currency, time zone and fiscal calendar (see tenant-settings.ts); cached per tenant metadata version. */
    settings(name: string): Promise<TenantSettings>;
    /** Changes them; refused (409) once the first incentive calculation ran. Audited. */
    updateSettings(name: string, input: unknown, actor: Actor): Promise<TenantSettings>;
    /** Records the first incentive calculation (idempotent): from then on the settings are fixed. */
    markCalculated(name: string): Promise<void>;
  };
  registry(tenant: string): Promise<Registry>;
  metadata: MetadataService;
  records(tenant: string, access?: RecordAccess): Promise<RecordService>;
  /** The tenant's effective-dated org (memberships, unit history), the one owner of who reports to whom when. */
  org(tenant: string): Promise<OrgService>;
  /** The tenant and its registry from one revision check; undefined for an unknown tenant. */
  snapshot(tenant: string): Promise<TenantSnapshot | undefined>;
  /** Control-schema migrations this build expects that the database lacks (readiness; see /readyz). */
  pendingMigrations(): Promise<string[]>;
  /** Changes made through this process, after commit (see LocalChange). Returns an unsubscribe. */
  localChanges: { subscribe(listener: (change: LocalChange) => void): () => void };
  audit: { list(tenant: string, q?: { object?: string; recordId?: string; limit?: number; before?: string | number }): Promise<AuditEntry[]> };
  auth: AuthStore;
  /** Idempotency keys of bulk writes, per tenant, kept 24 h (idempotency.ts). */
  idempotency: IdempotencyStore;
  /** Durable jobs shared by every node (FOR UPDATE SKIP LOCKED with leases). */
  jobs: JobQueue;
  /** Record changes delivered to consumers as jobs on `event:<consumer>`, written in the change's transaction. */
  events: { subscribe(sub: EventSubscription): void; unsubscribe(consumer: string): void };
  /** Platform modules' own tables in each tenant schema, versioned and migrated on first use. */
  modules: { ensure(tenant: string, module: TenantModule): Promise<ModuleHandle> };
  /** A module's tenant-bound data port: its own tables by declared name, others' through their owners, the audit log (data-port.ts). */
  port<T extends string>(tenant: string, module: TenantModule<T>): Promise<DataPort<T>>;
  /** Vetoes on record updates and deletes, run inside the write's transaction. */
  writeGuards: { register(name: string, guard: WriteGuard): void; unregister(name: string): void };
  /** Hooks that see (and may refuse or amend) every record write before validation (tenant plugins). */
  beforeWrite: { register(name: string, hook: BeforeWriteRegistration): void; unregister(name: string): void };
  /** Whole-document checks modules add to every metadata plan (see document-checks.ts). */
  documentChecks: { register(name: string, check: DocumentCheck): void; unregister(name: string): void };
  /** The tenant plugins' formula functions (the plugin runtime registers as their provider). */
  formulaFunctions: FormulaFunctions;
  close(): Promise<void>;
}

/** What the migrator knows about the tables and columns that exist, keyed by stable ids. */
export interface PhysicalField {
  column: string;
  storage: Storage;
  sqlType: string;
  hidden: boolean;
}

export interface PhysicalObject {
  table: string;
  hidden: boolean;
  fields: Record<string, PhysicalField>;
}

export interface PhysicalState {
  objects: Record<string, PhysicalObject>;
}
