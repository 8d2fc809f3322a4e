import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import type { ErrorDetail } from '../http/errors.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;
/** zxcvbn's 0–4 scale: 3 is "safely unguessable" (~10^8 guesses or more) against an online or slowed offline attack. */
export const MIN_PASSWORD_SCORE = 3;

/** Who the password is for: what an attacker guesses first, so the estimator counts it as known. */
export interface PasswordOwner {
  email?: string | undefined;
  name?: string | undefined;
  tenant?: string | undefined;
}

// Building the ranked dictionaries takes a while; do it once, on first use. No Levenshtein
// matching: it compares the whole password with every dictionary word, seconds per check.
let estimator: ZxcvbnFactory | undefined;
function strength(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    // Its repeat and sequence matchers grow faster than linearly; beyond 128 characters a
    // password is strong anyway, so only its start is judged.
    maxLength: 128,
  });
  return estimator;
}

/** The owner's email, its parts, their name and the tenant, lower-cased: the estimator's user inputs. */
function ownerWords(owner: PasswordOwner): string[] {
  const words = new Set<string>();
  const add = (value: string | undefined) => {
    const v = value?.trim().toLowerCase();
    if (!v) return;
    words.add(v);
    for (const part of v.split(/[^\p{L}\p{N}]+/u)) if (part.length >= 3) words.add(part);
  };
  add(owner.email);
  add(owner.email?.split('@')[0]);
  add(owner.name);
  add(owner.tenant);
  return [...words];
}

/**
 * What is wrong with a new password, as error details on `/password` (empty when it is fine).
 * Every path that sets a password asks this one function (password change, admin reset, the
 * first admin from the CLI). Rules: a text value; 10 to 1024 characters (code points after NFKC,
 * as they are hashed); not the email; and a zxcvbn score of at least 3 with the owner's email,
 * name and tenant counted as known words, so `password12`, `aaaaaaaaaa`, `1234567890` or
 * `acme-2024` for tenant acme are refused with the estimator's own reason.
 */
export function passwordProblems(password: unknown, owner: PasswordOwner | string | undefined = {}): ErrorDetail[] {
  const who: PasswordOwner = typeof owner === 'string' ? { email: owner } : (owner ?? {});
  if (typeof password !== 'string') return [{ path: '/password', rule: 'type', message: 'must be text' }];
  const problems: ErrorDetail[] = [];
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < MIN_PASSWORD_LENGTH) problems.push({ path: '/password', rule: 'minLength', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  if (length > MAX_PASSWORD_LENGTH) problems.push({ path: '/password', rule: 'maxLength', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` });
  const lowered = normalized.trim().toLowerCase();
  const mail = who.email?.trim().toLowerCase();
  if (mail && (lowered === mail || lowered === mail.split('@')[0])) {
    problems.push({ path: '/password', rule: 'not_email', message: 'must not be the email address' });
  }
  if (problems.length) return problems;
  const result = strength().check(normalized, ownerWords(who));
  if (result.score < MIN_PASSWORD_SCORE) {
    const reasons = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => typeof s === 'string' && s.length > 0);
    problems.push({
      path: '/password',
      rule: 'strength',
      message: `is too easy to guess (strength ${result.score} of 4, at least ${MIN_PASSWORD_SCORE} needed)${reasons.length ? `: ${reasons.join(' ')}` : ''}`,
    });
  }
  return problems;
}
