// Relative dates inside the list filter language: `{"created_at": {"relative": "this_month"}}` or
// `{"close_date": {"relative": {"last": 12, "unit": "month"}}}` becomes the day range on the tenant's
// calendar (gte/lte or, for a datetime, gte/lt of moments) before the list routes' compiler sees it.
import { findField, type ObjectDef } from '@attain/meta';
import type { TenantCalendar } from '@attain/engine';
import { rangeFilter, resolveRange } from './period.ts';
import { RELATIVE_RANGES, type Range } from './schema.ts';
import type { QuestionIssue } from './kind.ts';

const DATES = new Set(['date', 'datetime']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a `relative` value is not one (undefined when it is). */
export function relativeIssue(value: unknown): string | undefined {
  if (typeof value === 'string') return (RELATIVE_RANGES as readonly string[]).includes(value) ? undefined : `must be one of ${RELATIVE_RANGES.join(', ')} or {"last": N, "unit": "day"|"month"}`;
  if (
    isObject(value) &&
    Object.keys(value).length === 2 &&
    Number.isInteger(value.last) &&
    (value.last as number) >= 1 &&
    (value.last as number) <= 3660 &&
    (value.unit === 'day' || value.unit === 'month')
  )
    return undefined;
  return 'must be a named range or {"last": N (1..3660), "unit": "day"|"month"}';
}

/** The filter with every `relative` operator replaced by its days; problems are reported, not thrown. */
export function expandRelative(filter: unknown, object: ObjectDef, cal: TenantCalendar, asOf: string | undefined, issues: QuestionIssue[], path = '/filter'): unknown {
  if (!isObject(filter)) return filter;
  const out: Record<string, unknown> = {};
  const extra: unknown[] = [];
  for (const [key, value] of Object.entries(filter)) {
    const p = `${path}/${key}`;
    if ((key === 'and' || key === 'or') && Array.isArray(value)) out[key] = value.map((v, i) => expandRelative(v, object, cal, asOf, issues, `${p}/${i}`));
    else if (key === 'not') out[key] = expandRelative(value, object, cal, asOf, issues, p);
    else if (isObject(value) && 'relative' in value) {
      const field = findField(object, key);
      const problem = relativeIssue(value.relative);
      if (!field || !DATES.has(field.storage)) issues.push({ path: `${p}/relative`, rule: 'date_field', message: `"relative" applies to a date or datetime field` });
      else if (problem) issues.push({ path: `${p}/relative`, rule: 'relative_range', message: problem });
      else {
        const { relative, ...rest } = value;
        extra.push(rangeFilter(key, field.storage, resolveRange(relative as Range, cal, asOf), cal.timeZone));
        if (Object.keys(rest).length) out[key] = rest;
      }
    } else out[key] = value;
  }
  // The range joins the node's other conditions (all of one node's keys must hold).
  if (extra.length === 0) return out;
  return { and: [...(Object.keys(out).length ? [out] : []), ...extra] };
}
