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

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly details: SandboxErrorDetail[];

  constructor(code: SandboxErrorCode, message: string, details: SandboxErrorDetail[] = []) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
    this.details = details;
  }

  /** The client-facing shape from CONVENTIONS.md (no stack). */
  toJSON(): { error: { code: SandboxErrorCode; message: string; details: SandboxErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
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
