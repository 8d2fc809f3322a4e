import secureJson from 'secure-json-parse';
import { MetaValidationError } from './errors.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses tenant-written JSON. Prototype-poisoning keys are refused outright rather than stripped,
 * so a crafted document fails loudly instead of half-applying.
 */
export function parseMetadataJson(text: string, document = 'document'): unknown {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const poisoned = /prototype|constructor/i.test(message);
    throw new MetaValidationError([
      {
        document,
        path: '',
        rule: poisoned ? 'forbidden_key' : 'json_syntax',
        message: poisoned ? 'uses a forbidden key (__proto__, constructor or prototype)' : `is not valid JSON: ${message}`,
      },
    ]);
  }
  assertNoForbiddenKeys(value, document);
  return value;
}

/** Walks an already-parsed value (e.g. a request body) and refuses prototype-poisoning keys. */
export function assertNoForbiddenKeys(value: unknown, document = 'document'): void {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!item || typeof item.value !== 'object' || item.value === null) continue;
    for (const key of Object.keys(item.value)) {
      const path = `${item.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) {
        throw new MetaValidationError([{ document, path, rule: 'forbidden_key', message: `the key "${key}" is not allowed` }]);
      }
      stack.push({ value: (item.value as Record<string, unknown>)[key], path });
    }
  }
}
