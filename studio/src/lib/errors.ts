import type { ErrorSchema } from '@rjsf/utils';
import type { ErrorDetail } from '../api/types.ts';

/**
 * Maps the server's 422 details (`path` like `/amount`, `/records/0/amount` or `amount`) onto an
 * rjsf error schema for `extraErrors`. Details that name no known field come back as `general`.
 */
export function detailsToErrorSchema(details: readonly ErrorDetail[], fields: ReadonlySet<string>): { errorSchema: ErrorSchema; general: ErrorDetail[] } {
  const errorSchema: Record<string, { __errors: string[] }> = {};
  const general: ErrorDetail[] = [];
  for (const d of details) {
    const parts = d.path.split('/').filter(Boolean);
    const name = [...parts].reverse().find((p) => fields.has(p));
    if (!name) {
      general.push(d);
      continue;
    }
    (errorSchema[name] ??= { __errors: [] }).__errors.push(d.message);
  }
  return { errorSchema: errorSchema as ErrorSchema, general };
}
