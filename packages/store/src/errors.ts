import { AttainError, MetaValidationError, type ErrorDetail } from '@attain/meta';

export type StoreErrorCode =
  | 'not_found'
  | 'validation_failed'
  | 'unknown_field'
  | 'field_hidden'
  | 'invalid_filter'
  | 'invalid_report'
  | 'invalid_cursor'
  | 'conflict'
  | 'record_locked'
  | 'unsafe_change'
  | 'core_object_required'
  | 'tenant_exists'
  | 'metadata_invalid'
  | 'base_currency_locked'
  | 'calendar_locked'
  | 'plugin_refused'
  | 'plugin_failed'
  | 'consent_required'
  | 'internal';

export type { ErrorDetail };

const STATUS: Record<StoreErrorCode, number> = {
  not_found: 404,
  validation_failed: 422,
  unknown_field: 400,
  field_hidden: 403,
  invalid_filter: 400,
  invalid_report: 400,
  invalid_cursor: 400,
  conflict: 409,
  record_locked: 409,
  unsafe_change: 422,
  core_object_required: 422,
  tenant_exists: 409,
  metadata_invalid: 422,
  base_currency_locked: 409,
  calendar_locked: 409,
  // A tenant plugin's before-hook said no (its message is shown to the user).
  plugin_refused: 422,
  // A tenant plugin was stopped (timeout, memory, error, capability); the detail's rule says which.
  plugin_failed: 422,
  consent_required: 409,
  internal: 500,
};

/**
 * The one error type the store throws to callers. `message` and `details` are safe to show to a
 * client: they never contain SQL or a stack. The original database error, if any, is `cause`
 * (for logs only).
 */
export class StoreError extends AttainError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(STATUS[code], code, message, details, options);
    this.name = 'StoreError';
  }
}

export function fromMetaError(error: MetaValidationError): StoreError {
  return new StoreError(
    'metadata_invalid',
    error.issues.length === 1 ? error.message : `${error.issues.length} problems in the metadata`,
    error.issues.map((i) => ({ path: i.path, rule: i.rule, message: `${i.document}: ${i.message}`, document: i.document })),
  );
}

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
}

/** PostgreSQL error code (SQLSTATE) of a driver error, if it is one. */
export function pgCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && typeof (error as PgLikeError).code === 'string') {
    const code = (error as PgLikeError).code as string;
    return /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  }
  return undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  const c = error && typeof error === 'object' ? (error as PgLikeError).constraint : undefined;
  return typeof c === 'string' ? c : undefined;
}

/** Turns anything unexpected into a StoreError whose message is safe for clients. */
export function wrapUnexpected(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof MetaValidationError) return fromMetaError(error);
  const code = pgCode(error);
  if (code === '23505') return new StoreError('conflict', 'A record with the same unique value already exists', [{ path: '', rule: 'unique', message: 'duplicate value' }], { cause: error });
  if (code === '23503')
    return new StoreError('conflict', 'The record is referenced by, or refers to, a record that does not allow it', [{ path: '', rule: 'foreign_key', message: 'reference rule violated' }], {
      cause: error,
    });
  if (code === '23502') return new StoreError('validation_failed', 'A required value is missing', [{ path: '', rule: 'required', message: 'a required value is missing' }], { cause: error });
  if (code?.startsWith('22'))
    return new StoreError('validation_failed', 'A value is not valid for its field', [{ path: '', rule: 'type', message: 'a value does not fit its field' }], { cause: error });
  return new StoreError('internal', 'The database could not complete the request', [], { cause: error });
}
