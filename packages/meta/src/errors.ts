/** One field-level problem in an error for clients: where, which rule, and what to do. */
export interface ErrorDetail {
  path: string;
  rule: string;
  message: string;
  /** The metadata document a path belongs to, when a whole set of documents was checked. */
  document?: string;
}

/** The body every 4xx carries (docs/CONVENTIONS.md). */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[]; requestId?: string };
}

// A registered symbol, not `instanceof`: two copies of this module (a bundled plugin, a second
// install) would each have their own class, yet both brand their errors the same way.
const BRAND = Symbol.for('attain.error');

/**
 * The one error type every package throws to callers: a stable `code`, the HTTP `status` it maps
 * to and field-level `details`. `message` and `details` are safe to show to a client; the original
 * cause, if any, is `cause` (for logs only). The packages' own errors (StoreError, WorkflowError,
 * GoalsError, ...) extend it; the server maps any of them to a response in one place.
 */
export class AttainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AttainError';
    this.status = status;
    this.code = code;
    this.details = details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Whether `error` is an AttainError (of any subclass, from any copy of this module). */
export function isAttainError(error: unknown): error is AttainError {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[BRAND] === true;
}

/** One problem found in a metadata document, phrased for an admin. */
export interface MetaIssue {
  /** Which document, e.g. `object "deal"` or `file deal.json`. */
  document: string;
  /** JSON pointer inside that document, e.g. `/schema/properties/amount/x-attain/storage`. */
  path: string;
  /** The rule that failed, a stable keyword such as `required`, `pattern`, `unknown_reference`. */
  rule: string;
  message: string;
}

/** Thrown when metadata cannot be accepted; carries every issue found, not just the first. */
export class MetaValidationError extends AttainError {
  declare readonly code: 'metadata_invalid';
  readonly issues: MetaIssue[];
  constructor(issues: MetaIssue[]) {
    super(
      422,
      'metadata_invalid',
      issues.length === 1 && issues[0] ? `${issues[0].document} ${issues[0].path}: ${issues[0].message}` : `${issues.length} problems in the metadata`,
      issues.map((i) => ({ path: i.path, rule: i.rule, message: `${i.document}: ${i.message}` })),
    );
    this.name = 'MetaValidationError';
    this.issues = issues;
  }
}
