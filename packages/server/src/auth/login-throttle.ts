import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../http/errors.ts';
import type { Store } from '../store-port.ts';

export interface ThrottleRule {
  /** Failed attempts allowed in one window. */
  max: number;
  windowSeconds: number;
}

/**
 * Budgets for failed logins, counted in the database so every node shares them:
 * - `address`: one client address, across every tenant and account (password spraying, or
 *   guessing many emails, from one place);
 * - `account`: one address against one account (the address is part of the key, so an attacker
 *   exhausting it does not lock the account for its owner elsewhere);
 * - `tenant`: every address against one tenant (a distributed attack). Past it, only addresses
 *   that have already failed in their own window are refused; an address with a clean record still
 *   gets its attempt, so a real user is slowed at worst, never locked out by someone else.
 */
export interface LoginThrottleOptions {
  address: ThrottleRule;
  account: ThrottleRule;
  tenant: ThrottleRule;
  /** Milliseconds since the epoch; tests pin it so a window edge cannot fall inside a test. */
  clock?: () => number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  address: { max: 30, windowSeconds: 15 * 60 },
  account: { max: 10, windowSeconds: 15 * 60 },
  tenant: { max: 100, windowSeconds: 60 },
};

type Scope = 'address' | 'account' | 'tenant';
const SCOPES: Scope[] = ['address', 'account', 'tenant'];

const MESSAGES: Record<Scope, string> = {
  address: 'from this address',
  account: 'for this account from this address',
  tenant: 'for this tenant',
};

// Counters outlive their window by this much before they are deleted.
const KEEP_MS = 24 * 3600 * 1000;
const PRUNE_EVERY = 500;

function hashKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

/** A 429 that knows how long to wait (the route sends it as `Retry-After`). */
export class LoginThrottled extends ApiError {
  readonly retryAfter: number;
  constructor(scope: Scope, rule: ThrottleRule, retryAfter: number) {
    super(429, 'rate_limited', `too many failed sign-ins ${MESSAGES[scope]}; retry in ${retryAfter} s`, [
      { path: '', rule: `login_${scope}`, message: `at most ${rule.max} failed sign-ins per ${rule.windowSeconds} s ${MESSAGES[scope]}` },
    ]);
    this.retryAfter = retryAfter;
  }
}

export interface LoginAttempt {
  /** Undo the count: the attempt succeeded (successful logins do not use up any budget). */
  succeeded(): Promise<void>;
}

/**
 * Counts an attempt before the password is checked (the KDF is the expensive part, so a refused
 * attempt costs one upsert) and refuses it with 429 and `Retry-After` when a budget is spent.
 * Counting first and refunding on success means parallel requests cannot all slip under the
 * limit. Windows are fixed (aligned to the epoch), so a burst at a window's edge may see up to
 * twice a budget; that bound is kept, and every node agrees on it.
 */
export class LoginThrottle {
  private readonly store: Store;
  private readonly rules: Record<Scope, ThrottleRule>;
  private readonly clock: () => number;
  private hits = 0;

  constructor(store: Store, rules: Partial<LoginThrottleOptions> = {}) {
    this.store = store;
    const { clock, ...budgets } = rules;
    this.rules = { ...DEFAULT_LOGIN_THROTTLE, ...budgets };
    for (const scope of SCOPES) {
      const { max, windowSeconds } = this.rules[scope];
      if (!Number.isInteger(max) || max < 1 || !Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 86_400) {
        throw new Error(`loginThrottle.${scope} needs a whole max >= 1 and windowSeconds from 1 to 86400`);
      }
    }
    this.clock = clock ?? Date.now;
  }

  /** Counts one attempt; on refusal sets `Retry-After` on `reply` (when given) and throws LoginThrottled. */
  async attempt(input: { address: string; tenant: string; email: string }, reply?: FastifyReply): Promise<LoginAttempt> {
    try {
      return await this.count(input);
    } catch (error) {
      if (reply && error instanceof LoginThrottled) reply.header('retry-after', String(error.retryAfter));
      throw error;
    }
  }

  private async count(input: { address: string; tenant: string; email: string }): Promise<LoginAttempt> {
    const now = this.clock();
    const tenant = input.tenant.trim().toLowerCase();
    const email = input.email.trim().toLowerCase();
    const keys: Record<Scope, string> = {
      address: hashKey(input.address),
      account: hashKey(input.address, tenant, email),
      tenant: hashKey(tenant),
    };
    const counters = SCOPES.map((scope) => {
      const ms = this.rules[scope].windowSeconds * 1000;
      return { scope: `login_${scope}`, key: keys[scope], windowStart: new Date(Math.floor(now / ms) * ms) };
    });
    const counts = await this.store.auth.throttle.add(counters, 1);
    this.maybePrune(now);
    const count = (scope: Scope) => counts[SCOPES.indexOf(scope)] ?? 0;
    const over = (scope: Scope) => count(scope) > this.rules[scope].max;
    // This attempt is counted already, so an address with a clean record has a count of 1.
    const refused: Scope | undefined = over('address') ? 'address' : over('account') ? 'account' : over('tenant') && count('address') > 1 ? 'tenant' : undefined;
    if (refused) {
      const ms = this.rules[refused].windowSeconds * 1000;
      const retryAfter = Math.max(1, Math.ceil((Math.floor(now / ms) * ms + ms - now) / 1000));
      throw new LoginThrottled(refused, this.rules[refused], retryAfter);
    }
    return {
      succeeded: async () => {
        await this.store.auth.throttle.add(counters, -1);
      },
    };
  }

  private maybePrune(now: number): void {
    this.hits += 1;
    if (this.hits % PRUNE_EVERY !== 0) return;
    // Housekeeping only: a failure here must not fail a login.
    this.store.auth.throttle.prune(new Date(now - KEEP_MS)).catch(() => {});
  }
}
