import { AttainError } from '@attain/meta/errors';

/** Stable error codes; callers switch on `code`, never on `message`. */
export type SandboxErrorCode =
  | 'timeout'
  | 'memory_limit'
  | 'worker_crashed'
  | 'guest_error'
  | 'output_too_large'
  | 'concurrency_limit'
  | 'capability_denied'
  | 'invalid_manifest'
  | 'invalid_request'
  | 'closed';

export interface SandboxErrorDetail {
  path: string;
  rule: string;
  message: string;
}

const CODES: ReadonlySet<string> = new Set<SandboxErrorCode>([
  'timeout',
  'memory_limit',
  'worker_crashed',
  'guest_error',
  'output_too_large',
  'concurrency_limit',
  'capability_denied',
  'invalid_manifest',
  'invalid_request',
  'closed',
]);

// The status a server answers with: the guest's own faults are the request's (422), a refused
// capability is forbidden, a full pool asks to retry, a crashed or closed worker is ours (5xx).
const STATUS: Record<SandboxErrorCode, number> = {
  timeout: 422,
  memory_limit: 422,
  worker_crashed: 500,
  guest_error: 422,
  output_too_large: 422,
  concurrency_limit: 429,
  capability_denied: 403,
  invalid_manifest: 422,
  invalid_request: 400,
  closed: 503,
};

export class SandboxError extends AttainError {
  declare readonly code: SandboxErrorCode;
  declare readonly details: SandboxErrorDetail[];

  constructor(code: SandboxErrorCode, message: string, details: SandboxErrorDetail[] = []) {
    super(STATUS[code], code, message, details);
    this.name = 'SandboxError';
  }
}

export function isSandboxErrorCode(value: unknown): value is SandboxErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** Rebuilds an error that crossed the worker boundary as `{code, message}`. */
export function revive(code: unknown, message: unknown): SandboxError {
  const text = typeof message === 'string' ? message : 'sandbox error';
  return new SandboxError(isSandboxErrorCode(code) ? code : 'guest_error', text);
}
