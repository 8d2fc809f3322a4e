import { AttainError } from '@attain/meta';
export interface WorkflowErrorDetail {
  path: string;
  rule: string;
  message: string;
}

const STATUS = {
  not_found: 404,
  forbidden: 403,
  self_approval: 403,
  conflict: 409,
  invalid_state: 409,
  validation_failed: 422,
  entry_condition: 422,
  no_approver: 422,
  invalid_formula: 422,
  invalid_date: 400,
} as const;

export type WorkflowErrorCode = keyof typeof STATUS;

/** An error safe to show a client: a stable code, a status and field-level details. */
export class WorkflowError extends AttainError {
  declare readonly code: WorkflowErrorCode;
  constructor(code: WorkflowErrorCode, message: string, details: WorkflowErrorDetail[] = []) {
    super(STATUS[code], code, message, details);
    this.name = 'WorkflowError';
  }
}
