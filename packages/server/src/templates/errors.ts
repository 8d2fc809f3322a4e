import { ApiError } from '../http/errors.ts';

export interface TemplateProblem {
  /** The file and, for data, the row: `data/people.json#3/manager`. */
  path: string;
  rule: string;
  message: string;
}

/** A template that cannot be read, resolved or installed; 422 unless said otherwise. */
export class TemplateError extends ApiError {
  constructor(code: string, message: string, details: TemplateProblem[] = [], status = 422) {
    super(status, code, message, details);
    this.name = 'TemplateError';
  }
}

export function refuse(code: string, problems: TemplateProblem[], status = 422): never {
  const first = problems[0];
  throw new TemplateError(code, problems.length === 1 && first ? `${first.path}: ${first.message}` : `${problems.length} problems in the template`, problems, status);
}
