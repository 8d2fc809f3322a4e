import { assertNoForbiddenKeys, MetaValidationError } from '@attain/meta';
import secureJson from 'secure-json-parse';
import { ApiError } from './errors.ts';
import { assertCleanText } from './text-guard.ts';

/**
 * Parses client JSON. Prototype-poisoning keys (`__proto__`, `constructor`, `prototype`) anywhere
 * are refused with `forbidden_key` rather than stripped, so a crafted body changes nothing; a NUL
 * or an unpaired surrogate (also when written as a `\u` escape) in any key or string is
 * `invalid_text`.
 */
export function parseClientJson(text: string, what = 'the request body', syntaxCode = 'invalid_json'): unknown {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/prototype|constructor/i.test(message)) throw forbiddenKey('', String(message.match(/__proto__|constructor|prototype/)?.[0] ?? '__proto__'), what);
    throw new ApiError(400, syntaxCode, `${what} is not valid JSON`, [{ path: '', rule: 'json_syntax', message: 'malformed JSON' }]);
  }
  checkKeys(value, what);
  return value;
}

export function checkKeys(value: unknown, what = 'the request body'): void {
  assertCleanText(value, what);
  try {
    assertNoForbiddenKeys(value, what);
  } catch (error) {
    if (error instanceof MetaValidationError) {
      const issue = error.issues[0];
      throw forbiddenKey(issue?.path ?? '', issue?.path.split('/').pop() ?? '', what);
    }
    throw error;
  }
}

function forbiddenKey(path: string, key: string, what: string): ApiError {
  return new ApiError(400, 'forbidden_key', `${what} uses a forbidden key`, [{ path, rule: 'forbidden_key', message: `the key "${key}" is not allowed` }]);
}
