import { MetaValidationError } from '@attain/meta';

export interface ErrorDetail {
  path: string;
  rule: string;
  message: string;
  /** The metadata document a path belongs to, when a whole set of documents was checked. */
  document?: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[]; requestId?: string };
}

/** An error meant for the client: a status, a stable code and field-level details. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const forbidden = (message = 'you do not have permission to do this', details: ErrorDetail[] = []) =>
  new ApiError(403, 'forbidden', message, details);
export const notFound = (message = 'not found') => new ApiError(404, 'not_found', message);
export const unauthorized = (message = 'authentication required', code = 'unauthorized') => new ApiError(401, code, message);
export const badRequest = (code: string, message: string, details: ErrorDetail[] = []) => new ApiError(400, code, message, details);

interface StoreLikeError {
  code: string;
  status: number;
  message: string;
  details?: ErrorDetail[];
}

// The store is a separate package; recognise its errors by shape so the server does not depend
// on class identity (two copies of a module would break instanceof).
function isStoreError(error: unknown): error is StoreLikeError {
  if (!(error instanceof Error)) return false;
  const e = error as Error & Partial<StoreLikeError>;
  return e.name === 'StoreError' && typeof e.code === 'string' && typeof e.status === 'number';
}

// Fastify's own errors, by their stable codes.
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string; rule?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'unsupported content type; send application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'invalid content length' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url', message: 'the URL is not validly percent-encoded', rule: 'percent_encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'a part of the URL is longer than 200 characters', rule: 'max_length' },
};

// PostgreSQL refusing a value for its type (SQLSTATE class 22): a NUL or a bad byte, an impossible
// date, text where a uuid or number belongs. Routes validate their input first; this is the net
// under them, so a value that slips past still gets a 400 and never a 500.
const PG_DATA_EXCEPTIONS = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05']);

function isDatabaseDataError(error: object): boolean {
  const e = error as { code?: unknown; severity?: unknown };
  return typeof e.code === 'string' && PG_DATA_EXCEPTIONS.has(e.code) && typeof e.severity === 'string';
}

/** Maps anything thrown while serving a request to a status and a client-safe body. */
export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  const body = (status: number, code: string, message: string, details: ErrorDetail[] = []) => ({
    status,
    body: { error: { code, message, details } },
  });
  if (error instanceof ApiError) return body(error.status, error.code, error.message, error.details);
  if (isStoreError(error)) {
    const status = error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) return internal(requestId);
    return body(status, error.code, error.message, (error.details ?? []).map(cleanDetail));
  }
  if (error instanceof MetaValidationError) {
    return body(
      422,
      'metadata_invalid',
      error.message,
      error.issues.map((i) => ({ path: i.path, rule: i.rule, message: `${i.document}: ${i.message}` })),
    );
  }
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
    const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
    if (known) return body(known.status, known.code, known.message, known.rule ? [{ path: '', rule: known.rule, message: known.message }] : []);
    if (isDatabaseDataError(error)) return body(400, 'invalid_input', 'a value in the request is not valid for its type', [{ path: '', rule: 'type', message: 'a value could not be stored or compared as its type' }]);
    if (Array.isArray(e.validation)) {
      const details = (e.validation as Array<{ instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }>).map((v) => ({
        path: v.instancePath || (typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : ''),
        rule: v.keyword ?? 'invalid',
        message: v.message ?? 'is invalid',
      }));
      return body(400, 'validation_failed', 'the request is invalid', details);
    }
    if (e.statusCode === 429) return body(429, 'rate_limited', 'too many requests; try again later');
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return body(e.statusCode, 'bad_request', 'the request could not be processed');
    }
  }
  return internal(requestId);
}

function internal(requestId: string): { status: number; body: ErrorBody } {
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: `an internal error occurred (request ${requestId})`, details: [], requestId } },
  };
}

function cleanDetail(d: Partial<ErrorDetail>): ErrorDetail {
  return { path: String(d.path ?? ''), rule: String(d.rule ?? 'invalid'), message: String(d.message ?? ''), ...(typeof d.document === 'string' ? { document: d.document } : {}) };
}
