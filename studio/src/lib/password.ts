import { ApiError } from '../api/client.ts';
import type { TFunction } from '../i18n/i18n.tsx';

/** The server's password policy (PUT /auth/users/:id/password), checked before a round trip. */
export const MIN_PASSWORD_LENGTH = 10;

/** Rules a new password breaks, as the server names them (`minLength`, `not_email`). */
export function passwordRules(password: string, email: string): string[] {
  const rules: string[] = [];
  const normalized = password.normalize('NFKC');
  if ([...normalized].length < MIN_PASSWORD_LENGTH) rules.push('minLength');
  const lowered = normalized.trim().toLowerCase();
  const mail = email.trim().toLowerCase();
  if (mail && (lowered === mail || lowered === mail.split('@')[0])) rules.push('not_email');
  return rules;
}

/** Translated messages for broken rules; `/password` details of a 422 or rules checked locally. */
export function passwordMessages(source: unknown, t: TFunction): string[] {
  const rules = Array.isArray(source) ? (source as string[]) : source instanceof ApiError && source.status === 422 ? source.details.filter((d) => d.path === '/password').map((d) => d.rule) : [];
  return rules.map((rule) => {
    const key = `users.policy.${rule}`;
    const text = t(key);
    return text === key ? rule : text;
  });
}
