import { checkDecimal, fieldDecimalBounds, type FieldDef } from '@attain/meta';
import { isUuid } from './uuid.ts';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `rule` names the broken rule when it is not plain `type` (a decimal's `scale` or `range`). */
export type Coerced = { ok: true; value: unknown } | { ok: false; message: string; rule?: string };

function bad(message: string, rule?: string): Coerced {
  return rule ? { ok: false, message, rule } : { ok: false, message };
}

export function isValidDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Normalises an ISO date-time to millisecond precision UTC, so stored and returned values match exactly. */
export function normalizeDateTime(text: string): string | undefined {
  if (!DATETIME_RE.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Checks one scalar against a field's storage and returns the value to bind. Used for filter
 * values, cursor values and backfills, so a bad value is a clear 400 and never reaches the
 * database as a type error.
 */
export function coerceScalar(field: FieldDef, value: unknown): Coerced {
  const storage = field.system && field.name === 'id' ? 'ref' : field.storage;
  switch (storage) {
    case 'ref':
      return isUuid(value) ? { ok: true, value: value.toLowerCase() } : bad('must be a uuid');
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return { ok: true, value: Number(value) };
      return bad('must be a whole number');
    case 'decimal':
    case 'money':
    case 'percent': {
      // Scale and column precision, as on write (a value the column cannot hold can match no
      // row, and pg would fail on it); a field's minimum/maximum do not limit what one may ask.
      const { minimum: _min, maximum: _max, ...shape } = fieldDecimalBounds(field);
      const c = checkDecimal(value, shape);
      if (c.ok) return { ok: true, value: c.text };
      return c.rule === 'type' ? bad('must be a number') : bad(c.message, c.rule);
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : bad('must be true or false');
    case 'date':
      return typeof value === 'string' && isValidDate(value) ? { ok: true, value } : bad('must be a date like 2026-01-31');
    case 'datetime': {
      const v = typeof value === 'string' ? normalizeDateTime(value) : undefined;
      return v ? { ok: true, value: v } : bad('must be an ISO date-time like 2026-01-31T12:00:00Z');
    }
    default:
      if (typeof value !== 'string') return bad('must be a text value');
      if (value.length > 10_000) return bad('is too long');
      if (value.includes('\u0000')) return bad('must not contain NUL characters');
      return { ok: true, value };
  }
}
