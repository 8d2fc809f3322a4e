import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { AttainError, type ErrorDetail } from '@attain/meta';

/** How an encrypted setting starts in the database: a version, then key id, IV, ciphertext and tag. */
export const SEALED_PREFIX = 'attain:aes-256-gcm:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export type SecretsErrorCode = 'secrets_key_invalid' | 'secrets_key_mismatch';

/**
 * A secret setting cannot be read with the keys this node has (or the key given is malformed).
 * A configuration problem of the server, not of the request: 503, with the setting named.
 */
export class SecretsError extends AttainError {
  declare readonly code: SecretsErrorCode;
  constructor(code: SecretsErrorCode, message: string, details: ErrorDetail[] = []) {
    super(503, code, message, details);
    this.name = 'SecretsError';
  }
}

interface SecretKey {
  /** Short fingerprint stored with each value, so the right key of a ring is picked at once. */
  id: string;
  key: Buffer;
}

const fingerprint = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/** A 32-byte key written as 64 hex digits or as base64 / base64url (43–44 characters). */
export function parseSecretsKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (key === null || key.length !== KEY_BYTES) {
    throw new SecretsError('secrets_key_invalid', 'ATTAIN_SECRETS_KEY must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)', [
      { path: '/ATTAIN_SECRETS_KEY', rule: 'key_format', message: 'not 32 bytes of hex or base64' },
    ]);
  }
  return key;
}

/** The key used when none is configured: derived (HKDF-SHA256) from the server's signing secret. */
export function deriveSecretsKey(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'attain', 'attain plugin settings v1', KEY_BYTES));
}

/**
 * The keys of this node: the first encrypts, every one decrypts (a ring, so that keys can be
 * rotated: put the new key first, keep the old one after it until `attain secrets rotate` has
 * re-encrypted every value). AES-256-GCM, a random 12-byte IV per value, the tag checked.
 */
export class SecretKeys {
  readonly #keys: SecretKey[];

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new SecretsError('secrets_key_invalid', 'no key to encrypt plugin secrets with');
    const seen = new Set<string>();
    this.#keys = [];
    for (const key of keys) {
      if (key.length !== KEY_BYTES) throw new SecretsError('secrets_key_invalid', 'a secrets key must be 32 bytes');
      const id = fingerprint(key);
      if (!seen.has(id)) this.#keys.push({ id, key });
      seen.add(id);
    }
  }

  /**
   * `ATTAIN_SECRETS_KEY` (comma-separated, newest first) then, for reading only when the variable
   * is set, the key derived from `serverSecret`; or that derived key alone.
   */
  static from(opts: { env?: string | undefined; serverSecret?: string | undefined }): SecretKeys {
    const configured = (opts.env ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k.length > 0)
      .map(parseSecretsKey);
    const derived = opts.serverSecret ? [deriveSecretsKey(opts.serverSecret)] : [];
    return new SecretKeys([...configured, ...derived]);
  }

  /** This ring, then `older`'s keys for reading what was sealed with them. */
  followedBy(older: SecretKeys): SecretKeys {
    return new SecretKeys([...this.#keys, ...older.#keys].map((k) => k.key));
  }

  /** Id of the key new values are encrypted with. */
  get currentId(): string {
    return this.#keys[0]!.id;
  }

  seal(value: unknown): string {
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value) ?? 'null', 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${id}:${iv.toString('base64url')}:${data.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}`;
  }

  /** The plain value; `path` names the setting in the error when no key of the ring opens it. */
  open(sealed: string, path: string): unknown {
    const parts = sealed.slice(SEALED_PREFIX.length).split(':');
    const [id, iv, data, tag] = parts;
    const mismatch = (why: string): SecretsError =>
      new SecretsError('secrets_key_mismatch', `a secret setting cannot be decrypted with this server's keys (${why}); set ATTAIN_SECRETS_KEY to the key it was saved with`, [
        { path, rule: 'secrets_key', message: why },
      ]);
    if (parts.length !== 4 || !id || iv === undefined || data === undefined || tag === undefined) throw mismatch('the stored value is malformed');
    const entry = this.#keys.find((k) => k.id === id);
    if (!entry) throw mismatch(`it was encrypted with key ${id}, which this server does not have`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      throw mismatch('its authentication tag does not match');
    }
  }
}

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(SEALED_PREFIX);
