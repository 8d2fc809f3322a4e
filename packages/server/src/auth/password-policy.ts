import type { ErrorDetail } from '../http/errors.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * What is wrong with a new password, as error details on `/password` (empty when it is fine):
 * at least 10 characters (counted as code points after NFKC, as they are hashed) and not the
 * user's email or the part of it before the `@`.
 */
export function passwordProblems(password: string, email: string | undefined): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < MIN_PASSWORD_LENGTH) problems.push({ path: '/password', rule: 'minLength', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  if (length > MAX_PASSWORD_LENGTH) problems.push({ path: '/password', rule: 'maxLength', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` });
  const lowered = normalized.trim().toLowerCase();
  const mail = email?.trim().toLowerCase();
  if (mail && (lowered === mail || lowered === mail.split('@')[0])) {
    problems.push({ path: '/password', rule: 'not_email', message: 'must not be the email address' });
  }
  return problems;
}
