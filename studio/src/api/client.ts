import type { ErrorDetail } from './types.ts';

/** Sent with every change; the server refuses a cookie-authenticated change without it. */
const CSRF_HEADER = 'x-attain-csrf';

/** An error answered by the server: `{error: {code, message, details}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// The session itself is the server's HttpOnly cookie (set by login, sent by the browser, never
// readable here), so every tab and every reload of this origin is signed in. What the studio
// keeps is the session's anti-CSRF token, in memory only: login returns it, and a new tab learns
// it from GET /auth/me, which only a page of this origin can read.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the server says the session is gone (401), so the shell can show the login. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

// The language the user picked: the server words its answers (report labels, messages) in it.
let answerLocale: string | undefined;
export function setAnswerLocale(locale: string): void {
  answerLocale = locale;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query, extraHeaders?: Record<string, string>): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (answerLocale) headers['x-attain-locale'] = answerLocale;
  if (csrfToken && !isSafe(method)) headers[CSRF_HEADER] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  return answer<T>(await fetch(withQuery(`/api/v1${path}`, query), init));
}

/** A response's JSON, or the ApiError it carries (and the session's end told to the shell). */
async function answer<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    // A 403 csrf_required means another tab signed in anew: this tab's token is for a gone session.
    const gone = res.status === 401 || (res.status === 403 && err?.code === 'csrf_required');
    if (gone && csrfToken) for (const l of unauthorizedListeners) l();
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText, err?.details ?? []);
  }
  return data as T;
}

/** Uploads one file as `multipart/form-data` (part `file`), with the session's CSRF token and any extra headers. */
export async function uploadFile<T>(path: string, file: Blob, name: string, extraHeaders: Record<string, string> = {}): Promise<T> {
  const form = new FormData();
  form.append('file', file, name);
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (answerLocale) headers['x-attain-locale'] = answerLocale;
  if (csrfToken) headers[CSRF_HEADER] = csrfToken;
  return answer<T>(await fetch(`/api/v1${path}`, { method: 'POST', headers, body: form, credentials: 'same-origin' }));
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) => request<T>('POST', path, body ?? {}, undefined, headers),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown, version?: number) => request<T>('PATCH', path, body, undefined, version !== undefined ? { 'if-match': String(version) } : undefined),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** Downloads a server file (with the session cookie) under a name of our choosing. */
export async function download(path: string, query: Query, filename: string): Promise<void> {
  const res = await fetch(withQuery(`/api/v1${path}`, query), { credentials: 'same-origin' });
  if (!res.ok) {
    let message = res.statusText;
    try {
      message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      /* not JSON: keep the status text */
    }
    throw new ApiError(res.status, `http_${res.status}`, message);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
