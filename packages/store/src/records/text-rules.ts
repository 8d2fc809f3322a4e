import type { FieldDef, ObjectDef } from '@attain/meta';
import { findField } from '@attain/meta';
import type { ErrorDetail } from '../errors.ts';

/**
 * Rules on text values that JSON Schema cannot say with the allowlisted keywords:
 * - a required text field needs a value: "" or only whitespace is as good as missing;
 * - a URL field holds a link a browser may follow, so only http, https and mailto: a
 *   `javascript:`, `data:` or `vbscript:` URL is a valid URI but stored XSS when rendered.
 */

const TEXT_STORAGE = new Set(['text', 'long_text', 'email', 'phone', 'url']);
const URL_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (!URL_SCHEMES.has(url.protocol)) return `must be an http, https or mailto URL (not "${url.protocol.slice(0, 20)}")`;
  if (url.protocol !== 'mailto:' && !url.hostname) return 'must name a host';
  return undefined;
}

/** Details for every value in `data` that breaks one of these rules; `data` passed the schema. */
export function textRuleDetails(object: ObjectDef, data: Record<string, unknown>, prefix = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') continue;
    const f = findField(object, key) as FieldDef | undefined;
    if (!f || !TEXT_STORAGE.has(f.storage)) continue;
    if (f.required && value.trim() === '') {
      details.push({ path: `${prefix}/${key}`, rule: 'required', message: `"${key}" is required and cannot be empty or only spaces` });
      continue;
    }
    if (f.storage === 'url' && value !== '') {
      const problem = urlProblem(value);
      if (problem) details.push({ path: `${prefix}/${key}`, rule: 'format', message: `"${key}" ${problem}` });
    }
  }
  return details;
}
