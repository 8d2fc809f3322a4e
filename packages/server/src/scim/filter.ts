// RFC 7644 §3.4.2.2 filters, parsed by hand (no host evaluation) into the records service's own
// Filter, so RBAC, bound values and the registry's identifiers apply as on every other list.
import type { Filter } from '../store-port.ts';
import { ScimError } from './errors.ts';

/** How a SCIM attribute path lands on a record field; undefined: the attribute cannot be filtered. */
export type AttributeMap = (path: string) => { field: string; type: 'string' | 'boolean' | 'datetime'; lower?: boolean; constant?: string } | undefined;

type Value = string | number | boolean | null;
const OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);
const MAX_LENGTH = 2000;

const fail = (message: string) => new ScimError(400, 'invalidFilter', message, [{ path: '/filter', rule: 'syntax', message }]);

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push(c);
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw fail('a quoted value is not closed');
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !' \t()[]"'.includes(text[j] as string)) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function literal(token: string | undefined): Value {
  if (token === undefined) throw fail('a comparison needs a value');
  if (token.startsWith('"')) {
    try {
      return JSON.parse(token) as string;
    } catch {
      throw fail(`the value ${token.slice(0, 60)} is not a valid JSON string`);
    }
  }
  const word = token.toLowerCase();
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (word === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  throw fail(`"${token.slice(0, 60)}" is not a value (quote text values)`);
}

/** Parses a SCIM filter into a records-service Filter over the fields `map` names. */
export function parseScimFilter(text: string, map: AttributeMap): Filter {
  if (text.length > MAX_LENGTH) throw fail(`the filter is longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]?.toLowerCase();
  const next = () => tokens[at++];

  function comparison(path: string, prefix: string): Filter {
    const op = next()?.toLowerCase();
    if (!op || !OPS.has(op)) throw fail(`"${path}" must be followed by one of ${[...OPS].join(', ')}`);
    const target = map(prefix ? `${prefix}.${path}` : path);
    if (!target) throw fail(`the attribute "${path.slice(0, 100)}" cannot be filtered on`);
    const { field, type } = target;
    if (op === 'pr') return { [field]: { isNull: false } };
    const raw = literal(next());
    // Emails are stored in lower case, so a case-insensitive attribute (userName) compares so too.
    const value = target.lower && typeof raw === 'string' ? raw.toLowerCase() : raw;
    if (target.constant !== undefined) {
      // An attribute with one value for every resource: eq/ne hold for all or for none.
      if ((op !== 'eq' && op !== 'ne') || typeof value !== 'string') throw fail(`"${path}" only compares with eq or ne and a quoted value`);
      return { [field]: { isNull: (value.toLowerCase() === target.constant) !== (op === 'eq') } };
    }
    if (type === 'boolean' && typeof value !== 'boolean') throw fail(`"${path}" compares with true or false`);
    if (type !== 'boolean' && typeof value !== 'string' && value !== null) throw fail(`"${path}" compares with a quoted text value`);
    if (value === null) {
      if (op === 'eq') return { [field]: { isNull: true } };
      if (op === 'ne') return { [field]: { isNull: false } };
      throw fail(`"${op}" does not compare with null`);
    }
    if ((op === 'co' || op === 'sw' || op === 'ew') && type !== 'string') throw fail(`"${op}" applies to text attributes only`);
    switch (op) {
      case 'eq':
        // userName and emails are case-insensitive (RFC 7643 caseExact false): the stored email is compared as written.
        return { [field]: { eq: value } };
      case 'ne':
        return { [field]: { ne: value } };
      case 'co':
        return { [field]: { contains: value as string } };
      case 'sw':
        return { [field]: { startsWith: value as string } };
      case 'ew':
        throw new ScimError(400, 'invalidFilter', 'the "ew" operator is not supported', [{ path: '/filter', rule: 'operator', message: 'ew is not supported; use co or eq' }]);
      case 'gt':
        return { [field]: { gt: value } };
      case 'ge':
        return { [field]: { gte: value } };
      case 'lt':
        return { [field]: { lt: value } };
      default:
        return { [field]: { lte: value } };
    }
  }

  function term(prefix: string): Filter {
    const t = next();
    if (t === undefined) throw fail('the filter ends too early');
    if (t.toLowerCase() === 'not') {
      if (next() !== '(') throw fail('"not" must be followed by "("');
      const inner = or(prefix);
      if (next() !== ')') throw fail('a "(" is not closed');
      return { not: inner };
    }
    if (t === '(') {
      const inner = or(prefix);
      if (next() !== ')') throw fail('a "(" is not closed');
      return inner;
    }
    if (t.startsWith('"') || '()[]'.includes(t)) throw fail(`unexpected "${t.slice(0, 60)}"`);
    if (tokens[at] === '[') {
      // A value path: emails[type eq "work" and value eq "a@b"] filters on the sub-attributes.
      if (prefix) throw fail('value paths do not nest');
      at++;
      const inner = or(t);
      if (next() !== ']') throw fail('a "[" is not closed');
      return inner;
    }
    return comparison(t, prefix);
  }

  function and(prefix: string): Filter {
    const parts = [term(prefix)];
    while (peek() === 'and') {
      at++;
      parts.push(term(prefix));
    }
    return parts.length === 1 ? (parts[0] as Filter) : { and: parts };
  }

  function or(prefix: string): Filter {
    const parts = [and(prefix)];
    while (peek() === 'or') {
      at++;
      parts.push(and(prefix));
    }
    return parts.length === 1 ? (parts[0] as Filter) : { or: parts };
  }

  const filter = or('');
  if (at < tokens.length) throw fail(`unexpected "${String(tokens[at]).slice(0, 60)}"`);
  return filter;
}
