/** A refusal of bad goals input: a stable code and the cells or fields at fault. Nothing was changed. */
export interface GoalsIssue {
  path: string;
  rule: string;
  message: string;
}

export class GoalsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: GoalsIssue[];
  constructor(code: string, message: string, details: GoalsIssue[] = [], status = 422) {
    super(message);
    // Named like the store's errors so the server maps it by shape to a 4xx body.
    this.name = 'StoreError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}
