import { expect } from 'vitest';
import { SandboxError, type SandboxErrorCode, type SandboxPool, type BatchRequest } from '../src/index.ts';

export const PRELUDE = 'globalThis.F = Object.freeze({ dbl: (x) => x * 2 });';

export function batch(tenant: string, source: string, extra: Partial<BatchRequest> = {}): BatchRequest {
  return {
    tenant,
    revision: 1,
    key: `k:${source.length}:${hash(source)}`,
    prelude: PRELUDE,
    source,
    columns: { a: [1, 2, 3] },
    rowCount: 3,
    ...extra,
  };
}

function hash(text: string): string {
  let h = 7;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h.toString(36);
}

export async function expectCode(promise: Promise<unknown>, code: SandboxErrorCode | SandboxErrorCode[]): Promise<SandboxError> {
  const codes = Array.isArray(code) ? code : [code];
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a SandboxError ${codes.join('|')}`).toBeInstanceOf(SandboxError);
  const e = caught as SandboxError;
  expect(codes, `got ${e.code}: ${e.message}`).toContain(e.code);
  expect(e.message).not.toMatch(/\n\s+at /); // never a stack trace
  return e;
}

/** The pool still serves a normal call. */
export async function expectHealthy(pool: SandboxPool, tenant = 'healthy'): Promise<void> {
  await expect(pool.runBatch(batch(tenant, '(c, n) => c.a.map(F.dbl)'))).resolves.toEqual([2, 4, 6]);
}
