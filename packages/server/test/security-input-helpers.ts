import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** The standard error shape, exactly: no stack, no fastify fields, details naming path and rule. */
export function expectApiError(res: LightMyRequestResponse, status: number, code: string, path?: string): void {
  expect(res.statusCode, `${code}: ${res.body.slice(0, 300)}`).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code, message: expect.any(String), details: expect.any(Array) });
  expect(res.body).not.toMatch(/\bat .+\.ts:\d+|stack|FST_ERR/);
  for (const d of body.error.details) expect(d).toEqual({ path: expect.any(String), rule: expect.any(String), message: expect.any(String) });
  if (path !== undefined) expect(body.error.details, res.body.slice(0, 300)).toContainEqual(expect.objectContaining({ path }));
}
