// Short-lived steps of a sign-in, kept in the tenant's own table and found by the hash of a random
// value the client holds: an OIDC state (until its callback) and a second factor (until its code).
import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../http/errors.ts';
import type { SsoPort } from './tables.ts';

export const hashValue = (value: string): string => createHash('sha256').update(value).digest('base64url');
export const randomValue = (): string => randomBytes(32).toString('base64url');

export interface PendingRow<T> {
  id: string;
  data: T;
  attempts: number;
}

export async function putPending(port: SsoPort, kind: string, secret: string, data: unknown, ttlSeconds: number): Promise<Date> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  // Expired steps of the tenant go as new ones come.
  await port.table('pending').where('expires_at', '<', new Date()).delete();
  await port.table('pending').insert({ id: hashValue(secret), kind, data: JSON.stringify(data), attempts: 0, expires_at: expiresAt });
  return expiresAt;
}

/** The live step of `kind` for `secret`, or undefined. */
export async function getPending<T>(port: SsoPort, kind: string, secret: string): Promise<PendingRow<T> | undefined> {
  const row = (await port
    .table('pending')
    .where({ id: hashValue(secret), kind })
    .andWhere('expires_at', '>', new Date())
    .first()) as { id: string; data: T; attempts: number } | undefined;
  return row ? { id: row.id, data: row.data, attempts: Number(row.attempts) } : undefined;
}

/** Takes the step (single use): only one of two racing requests gets it. */
export async function takePending<T>(port: SsoPort, kind: string, secret: string): Promise<T | undefined> {
  const rows = (await port
    .table('pending')
    .where({ id: hashValue(secret), kind })
    .andWhere('expires_at', '>', new Date())
    .delete()
    .returning('data')) as Array<{ data: T }>;
  return rows[0]?.data;
}

export async function dropPending(port: SsoPort, id: string): Promise<void> {
  await port.table('pending').where({ id }).delete();
}

/** Counts a failed code against the step; past `max` the step is gone and the sign-in starts over. */
export async function failPending(port: SsoPort, id: string, max: number): Promise<void> {
  const rows = (await port.table('pending').where({ id }).increment('attempts', 1).returning('attempts')) as Array<{ attempts: number }>;
  if (Number(rows[0]?.attempts ?? max) >= max) await dropPending(port, id);
}

/**
 * A second-factor step's token names its tenant (the step lives in that tenant's table):
 * `<tenant, base64url>.<random>`. Only the random part's hash is stored.
 */
export function pendingToken(tenant: string, secret: string): string {
  return `${Buffer.from(tenant).toString('base64url')}.${secret}`;
}

export function parsePendingToken(token: string): { tenant: string; secret: string } {
  const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m)
    throw new ApiError(401, 'second_factor_expired', 'the sign-in step has expired or is unknown; sign in again', [{ path: '/pendingToken', rule: 'format', message: 'not a pending sign-in token' }]);
  return { tenant: Buffer.from(m[1] as string, 'base64url').toString('utf8'), secret: m[2] as string };
}
