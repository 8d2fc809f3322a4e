export { createDatabase, type Database, type DatabaseOptions, type Dialect } from './database.ts';
export { CHANGE_CHANNEL } from './change-feed.ts';
export { DataDirLockedError, lockDataDir, type DataDirLock } from './data-dir-lock.ts';
export { CORE_METADATA_DIR, provisionProblems, provisionTenant, type ProvisionInput, type ProvisionResult } from './provision-tenant.ts';
export { createStore, type StoreOptions } from './store.ts';
export { changesDelivered, openTestStore, sharedTestDatabase } from './testing.ts';
export { StoreError, type ErrorDetail, type StoreErrorCode } from './errors.ts';
export { uuidv7, isUuid } from './uuid.ts';
export { docsHash } from './metadata.ts';
export { composeDocuments, coreObjectIds, hiddenCoreObjects, mergeDocuments, type ApplyMode } from './metadata-compose.ts';
export type * from './types.ts';
export type { Job, JobInfo, JobInput, JobQueue } from './jobs.ts';
export { IDEMPOTENCY_TTL_MS, type IdempotencyClaim, type IdempotencyStore } from './idempotency.ts';
export { eventQueue, metadataQueue, type MetadataEvent, type RecordEvent, type EventSubscription } from './events.ts';
export type { ModuleHandle, TenantModule } from './modules.ts';
export type { DataPort, ForeignTable, ModuleAuditEntry } from './data-port.ts';
export type { WriteGuard, WriteGuardInput } from './write-guards.ts';
export type { BeforeWriteHook, BeforeWriteInput, BeforeWriteRegistration } from './write-hooks.ts';
export type { DocumentCheck } from './document-checks.ts';
export { canonicalJson, quoteIdent } from './sql.ts';
export { aggregateSource, type AggregateDeps } from './records/aggregate.ts';
export { JobDeferred, JobRunner, defaultBackoff, type BackgroundModule, type JobHandler, type JobRunnerOptions } from './job-runner.ts';
export {
  checkFormula,
  checkFormulaAsReader,
  describeFormulaError,
  evaluateColumns,
  evaluateInSandbox,
  fieldsRead,
  fitsStorage,
  type BatchPool,
  type FormulaValue,
  type SandboxInput,
} from './formula/index.ts';
export { readsCallPlugins } from './formula/host-fields.ts';
export { attachFunctions, functionsOf, FormulaFunctions, isBuiltinFunction, type ExternalFunctionSpec, type FormulaFunctionProvider, type TenantFunctions } from './formula/plugin-functions.ts';
export * as org from './org/index.ts';
export * as calendar from './calendar.ts';
export { orgBackground, ORG_DAILY_QUEUE, type OrgDailyOptions } from './org/daily.ts';
export {
  ORG_EVENT_OBJECT,
  orgEventBody,
  BEGINNING as ORG_BEGINNING,
  type OrgDay,
  type OrgMembership,
  type OrgUnitSpan,
  type OrgService,
  type OrgChange,
  type OrgChangeResult,
  type OrgEventBody,
  type MembershipRow,
  type UnitRow,
} from './org/index.ts';
export { canonicalTimeZone, checkTenantSettings, defaultTenantSettings, isCurrencyCode, type TenantSettings, type TenantSettingsInput } from './tenant-settings.ts';
