import { AttainError, type ErrorDetail } from '@attain/meta';

/** An incentive error for clients: a status, a stable code and the offending cells. */
export class IncentiveError extends AttainError {
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(status, code, message, details);
    this.name = 'IncentiveError';
  }
}
