import { AttainError } from '@attain/meta';

/** A refusal of bad goals input: a stable code and the cells or fields at fault. Nothing was changed. */
export interface GoalsIssue {
  path: string;
  rule: string;
  message: string;
}

export class GoalsError extends AttainError {
  constructor(code: string, message: string, details: GoalsIssue[] = [], status = 422) {
    super(status, code, message, details);
    this.name = 'GoalsError';
  }
}
