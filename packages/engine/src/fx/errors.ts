import { AttainError, type ErrorDetail } from '@attain/meta';

/** A refused rate change: a status, a stable code and the fields (or file rows) at fault. */
export class FxError extends AttainError {
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(status, code, message, details);
    this.name = 'FxError';
  }
}
