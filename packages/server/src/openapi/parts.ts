/** Small building blocks shared by the object paths and the route paths of the document. */

export type Operation = Record<string, unknown>;

export const json = (schema: unknown) => ({ 'application/json': { schema } });

export const ERROR_STATUSES: Record<string, string> = {
  '400': 'Bad request',
  '401': 'Not authenticated',
  '403': 'Forbidden',
  '404': 'Not found',
  '409': 'Conflict',
  '413': 'Payload too large',
  '415': 'Unsupported media type',
  '422': 'Validation failed',
  '429': 'Too many requests',
};

/** References to the shared error responses: 400, 401, 403 and 429 always, plus `codes`. */
export function errors(...codes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const code of ['400', '401', '403', '429', ...codes]) {
    out[code] = { $ref: `#/components/responses/Error${code}` };
  }
  return out;
}
