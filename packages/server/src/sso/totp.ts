// A user's TOTP second factor (RFC 6238, 6 digits, 30 s, SHA-1 as authenticator apps expect):
// the secret sealed at rest, the last step used (a code is good once: replay inside its window
// is refused) and hashed single-use recovery codes.
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { SecretKeys } from '@attain/plugins';
import { hashValue } from './pending.ts';
import type { SsoPort } from './tables.ts';

const PERIOD = 30;
const RECOVERY_CODES = 10;

interface Row {
  user_id: string;
  secret: string;
  confirmed_at: Date | string | null;
  last_step: string | number;
  recovery: string[];
}

function totpOf(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

async function row(port: SsoPort, userId: string): Promise<Row | undefined> {
  return (await port.table('totp').where({ user_id: userId }).first()) as Row | undefined;
}

export async function hasConfirmedTotp(port: SsoPort, userId: string): Promise<boolean> {
  const r = await row(port, userId);
  return Boolean(r?.confirmed_at);
}

/** A new (unconfirmed) secret for the user, replacing an unconfirmed one; undefined when one is confirmed already. */
export async function enrolTotp(port: SsoPort, keys: SecretKeys, userId: string, label: string, issuer: string): Promise<{ secret: string; otpauthUrl: string } | undefined> {
  const current = await row(port, userId);
  if (current?.confirmed_at) return undefined;
  const secret = new Secret({ size: 20 }).base32;
  const sealed = keys.seal(secret);
  await port.table('totp').insert({ user_id: userId, secret: sealed, confirmed_at: null, last_step: 0, recovery: '[]', updated_at: new Date() }).onConflict('user_id').merge();
  return { secret, otpauthUrl: totpOf(secret, label, issuer).toString() };
}

/**
 * Checks a code (±1 step of clock drift) and uses it up: the step must be later than the last
 * one used, and the update is conditional on that, so two racing requests cannot both pass.
 */
async function useCode(port: SsoPort, keys: SecretKeys, r: Row, code: string): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const secret = keys.open(r.secret, '/totp/secret') as string;
  const delta = totpOf(secret, 'x', 'x').validate({ token: code, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(Date.now() / 1000 / PERIOD) + delta;
  const updated = (await port.table('totp').where({ user_id: r.user_id }).andWhere('last_step', '<', step).update({ last_step: step, updated_at: new Date() }).returning('user_id')) as unknown[];
  return updated.length === 1;
}

/** Confirms an enrolment with its first code; answers the recovery codes (shown once), or undefined for a wrong code. */
export async function confirmTotp(port: SsoPort, keys: SecretKeys, userId: string, code: string): Promise<string[] | undefined | 'none'> {
  const r = await row(port, userId);
  if (!r || r.confirmed_at) return 'none';
  if (!(await useCode(port, keys, r, code))) return undefined;
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = randomBytes(10).toString('hex');
    return `${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10, 15)}-${raw.slice(15)}`;
  });
  await port
    .table('totp')
    .where({ user_id: userId })
    .update({ confirmed_at: new Date(), recovery: JSON.stringify(codes.map((c) => hashValue(c))), updated_at: new Date() });
  return codes;
}

/** A code of the confirmed factor, or one of its recovery codes (each good once). */
export async function verifyTotp(port: SsoPort, keys: SecretKeys, userId: string, input: { code?: string; recoveryCode?: string }): Promise<'code' | 'recovery' | undefined> {
  const r = await row(port, userId);
  if (!r?.confirmed_at) return undefined;
  if (input.code !== undefined) return (await useCode(port, keys, r, input.code)) ? 'code' : undefined;
  if (input.recoveryCode === undefined) return undefined;
  const hash = hashValue(input.recoveryCode.trim().toLowerCase());
  if (!r.recovery.includes(hash)) return undefined;
  const rest = r.recovery.filter((h) => h !== hash);
  // Conditional on the list still holding the code: a code races to one use only.
  const updated = await port
    .table('totp')
    .where({ user_id: userId })
    .andWhereRaw('recovery = ?::jsonb', [JSON.stringify(r.recovery)])
    .update({ recovery: JSON.stringify(rest), updated_at: new Date() })
    .returning('user_id');
  return (updated as unknown[]).length === 1 ? 'recovery' : undefined;
}

export async function removeTotp(port: SsoPort, userId: string): Promise<boolean> {
  const gone = (await port.table('totp').where({ user_id: userId }).delete().returning('user_id')) as unknown[];
  return gone.length > 0;
}
