import { ApiError } from './errors.ts';

/**
 * Text that PostgreSQL cannot store or that is not Unicode is refused at the edge, before any
 * route sees it: a NUL (U+0000) makes PostgreSQL fail on `text` and `jsonb` alike (a 500 deep in
 * some query), and an unpaired UTF-16 surrogate is not a character at all. One guard here covers
 * every route — path, query string, JSON body — instead of a check in each.
 */

// Paths are JSON pointers (RFC 6901), so a detail names exactly which key or value was refused;
// one inside a deeply nested body is shortened so the error stays small.
const MAX_POINTER = 256;
function pointer(parts: readonly string[]): string {
  const full = parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  return full.length > MAX_POINTER ? `${full.slice(0, MAX_POINTER)}…` : full;
}

/** Why a string is refused, or undefined when it is clean. */
export function textProblem(s: string): 'nul' | 'surrogate' | undefined {
  if (s.includes('\u0000')) return 'nul';
  if (!s.isWellFormed()) return 'surrogate';
  return undefined;
}

function refused(path: string, problem: 'nul' | 'surrogate', where: string): ApiError {
  const message = problem === 'nul' ? 'must not contain a NUL character (U+0000)' : 'must not contain an unpaired UTF-16 surrogate';
  return new ApiError(400, 'invalid_text', `${where} contains text that cannot be stored`, [{ path, rule: problem === 'nul' ? 'no_nul' : 'well_formed', message }]);
}

/** One string, e.g. a literal inside a GraphQL document; `path` names where it was. */
export function assertCleanString(value: string, path: string, where: string): void {
  const problem = textProblem(value);
  if (problem) throw refused(path, problem, where);
}

/** A place in the walked value; parents are linked, so a deep value costs no path copies. */
interface Place {
  value: unknown;
  key: string | null;
  parent: Place | null;
}

function pointerOf(place: Place, lastKey?: string): string {
  const parts: string[] = lastKey === undefined ? [] : [lastKey];
  for (let p: Place | null = place; p && p.key !== null; p = p.parent) parts.push(p.key);
  return pointer(parts.reverse());
}

/**
 * Walks a parsed JSON value (or query/params object) and throws 400 `invalid_text` at the first
 * bad key or string. Iterative and linear, so a deeply nested body costs neither stack nor time.
 */
export function assertCleanText(value: unknown, where = 'the request body'): void {
  const stack: Place[] = [{ value, key: null, parent: null }];
  while (stack.length) {
    const place = stack.pop()!;
    const v = place.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) throw refused(pointerOf(place), problem, where);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: place });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const problem = textProblem(k);
        // The key itself is shown escaped, so the detail stays printable.
        if (problem) throw refused(pointerOf(place, JSON.stringify(k).slice(1, -1)), problem, where);
        stack.push({ value: child, key: k, parent: place });
      }
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a request body strictly: invalid UTF-8 is refused with 400 `invalid_utf8` instead of
 * being replaced by U+FFFD, which would silently store text the client never sent.
 */
export function decodeUtf8(body: Buffer | string, where = 'the request body'): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new ApiError(400, 'invalid_utf8', `${where} is not valid UTF-8`, [{ path: '', rule: 'utf8', message: 'must be UTF-8 encoded text' }]);
  }
}

/** A percent-encoded NUL in the raw URL (the decoders may leave a malformed neighbour undecoded). */
const RAW_NUL = /%00/i;

/**
 * The request's path parameters and query string, as the router and query parser decoded them.
 * Runs as a preValidation hook, so it also covers routes with a fastify schema.
 */
export function assertCleanRequestText(request: { params?: unknown; query?: unknown; url: string }): void {
  // Details name the parameter as every other check does (`/period`); the message says where it was.
  if (request.params && typeof request.params === 'object') assertCleanText(request.params, 'the URL path');
  if (request.query && typeof request.query === 'object') assertCleanText(request.query, 'the query string');
  // Anything the parsers kept undecoded still must not carry a NUL onwards (e.g. a wildcard route).
  if (RAW_NUL.test(request.url)) throw refused('', 'nul', 'the URL');
}
