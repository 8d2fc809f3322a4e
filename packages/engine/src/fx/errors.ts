import type { ErrorDetail } from '@attain/store';

/** A refused rate change: a status, a stable code and the fields (or file rows) at fault. */
export class FxError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'FxError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}
