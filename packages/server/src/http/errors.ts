import { AttainError, isAttainError, type ErrorBody, type ErrorDetail } from '@attain/meta';

export type { ErrorBody, ErrorDetail };

/** An error the server itself raises for the client: the shared AttainError, named for logs. */
export class ApiError extends AttainError {
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(status, code, message, details);
    this.name = 'ApiError';
  }
}

export const forbidden = (message = 'you do not have permission to do this', details: ErrorDetail[] = []) => new ApiError(403, 'forbidden', message, details);
export const notFound = (message = 'not found') => new ApiError(404, 'not_found', message);
export const unauthorized = (message = 'authentication required', code = 'unauthorized') => new ApiError(401, code, message);
export const badRequest = (code: string, message: string, details: ErrorDetail[] = []) => new ApiError(400, code, message, details);

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

interface SchemaError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** ajv's errors as our details: the field's JSON pointer, the schema keyword as the rule. */
export function validationDetails(errors: readonly SchemaError[]): ErrorDetail[] {
  return errors.map((v) => ({
    path: v.instancePath || (typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : ''),
    rule: v.keyword ?? 'invalid',
    message: v.message ?? 'is invalid',
  }));
}

/** Maps anything thrown while serving a request to a status and a client-safe body. */
export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  const body = (status: number, code: string, message: string, details: ErrorDetail[] = []) => ({
    status,
    body: { error: { code, message, details } },
  });
  // Every package's errors (store, meta, engine, workflow, sandbox, the server's own) share one
  // base; a 4xx is the client's and shown as is, anything else is ours and hidden.
  if (isAttainError(error)) {
    const clients = (error.status >= 400 && error.status < 500) || error.status === 503;
    if (!clients) return internal(requestId);
    return body(error.status, error.code, error.message, error.details.map(cleanDetail));
  }
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
    const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
    if (known) return body(known.status, known.code, known.message, known.rule ? [{ path: '', rule: known.rule, message: known.message }] : []);
    if (isDatabaseDataError(error))
      return body(400, 'invalid_input', 'a value in the request is not valid for its type', [{ path: '', rule: 'type', message: 'a value could not be stored or compared as its type' }]);
    if (Array.isArray(e.validation)) return body(400, 'validation_failed', 'the request is invalid', validationDetails(e.validation));
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
