/** An incentive error for clients: a status, a stable code and the offending cells. */
export class IncentiveError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Array<{ path: string; rule: string; message: string }>;
  constructor(status: number, code: string, message: string, details: Array<{ path: string; rule: string; message: string }> = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}
