// Whether a sign-in that proved the user's identity (password or OIDC) gets its session now, or
// must first pass (or enrol) a TOTP second factor: then it gets a pending step instead.
import { randomValue, pendingToken, putPending } from './pending.ts';
import { readSettings } from './settings.ts';
import { hasConfirmedTotp } from './totp.ts';
import type { SsoPort } from './tables.ts';

/** Roles that must use TOTP in a tenant that has not chosen its own list. */
export const DEFAULT_TOTP_ROLES: readonly string[] = ['admin', 'finance'];
export const SECOND_FACTOR_KIND = 'second_factor';
const PENDING_SECONDS = 300;

export interface SecondFactorData {
  userId: string;
  step: 'totp' | 'enrol';
  via: 'password' | 'oidc';
}

export interface PendingStep {
  secondFactor: 'totp' | 'enrol';
  pendingToken: string;
  expiresAt: string;
}

/** The pending step for this user, or undefined when the session may be issued at once. */
export async function secondFactorStep(
  port: SsoPort,
  tenant: string,
  user: Readonly<Record<string, unknown>> & { id: string },
  via: SecondFactorData['via'],
  defaultRoles: readonly string[],
): Promise<PendingStep | undefined> {
  let step: SecondFactorData['step'] | undefined;
  if (await hasConfirmedTotp(port, user.id)) step = 'totp';
  else {
    const required = (await readSettings(port)).totpRequiredRoles ?? defaultRoles;
    if (typeof user.role === 'string' && required.includes(user.role)) step = 'enrol';
  }
  if (!step) return undefined;
  const secret = randomValue();
  const data: SecondFactorData = { userId: user.id, step, via };
  const expiresAt = await putPending(port, SECOND_FACTOR_KIND, secret, data, PENDING_SECONDS);
  return { secondFactor: step, pendingToken: pendingToken(tenant, secret), expiresAt: expiresAt.toISOString() };
}
