import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'atn_';

/** A new integration token: shown to the caller once, stored only as its SHA-256. */
export function newApiToken(): { token: string; hash: string } {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiToken(token) };
}

// Tokens carry 256 random bits, so a fast hash is enough; a slow one would only cost latency.
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isApiToken(value: string): boolean {
  return value.startsWith(API_TOKEN_PREFIX) && /^atn_[A-Za-z0-9_-]{20,100}$/.test(value);
}
