import { createHash } from 'node:crypto';
import { quoteIdent } from '@attain/meta';

export { quoteIdent };

/** `"schema"."table"`: both parts must already be safe identifiers (from the registry or our own prefixes). */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A short, stable, identifier-safe name derived from stable ids (so renames never rename it). */
export function hashedName(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20);
  return `${prefix}_${h}`;
}

/**
 * A SQL literal for DDL, where PostgreSQL accepts no bound parameters (column DEFAULTs). Only
 * used for metadata defaults that the meta-schema already typed as string, number or boolean.
 * Strings are single-quoted with quotes doubled; standard_conforming_strings (on since PG 9.1,
 * and set explicitly per transaction by the migrator) makes backslashes plain characters.
 */
export function ddlLiteral(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('refusing a non-finite number literal');
    return `'${String(value)}'`;
  }
  if (typeof value !== 'string' || value.includes('\u0000')) throw new Error('refusing an unsafe literal');
  return `'${value.replaceAll("'", "''")}'`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
