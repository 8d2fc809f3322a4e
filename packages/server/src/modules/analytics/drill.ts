// Drill-down: the records behind one cell of a report, as the list filter that selects them (the
// list route's URL) and, read through the caller's record service, the rows themselves.
import type { FieldDef } from '@attain/meta';
import type { Filter, ListResult } from '@attain/store';
import { isDay } from './kind.ts';
import { bucketRange, rangeFilter } from './period.ts';
import { filterOf, invalidReport, plan, topKeys, type RunContext } from './run.ts';
import type { ReportQuestion } from './schema.ts';

/** A cell: the key of each grouping it sits on, by index ("0".."2"); a grouping left out is rolled up (a total). */
export interface Cell {
  keys: Record<string, string | null>;
  /** The "other" row of a top-N (grouping 0). */
  other?: boolean;
}

const KEY_SHAPE: Record<string, RegExp> = { day: /^\d{4}-\d{2}-\d{2}$/, week: /^\d{4}-\d{2}-\d{2}$/, month: /^\d{4}-\d{2}$/, quarter: /^\d{4}-\d{2}$/, year: /^\d{4}-\d{2}$/ };

/** A key (text, as the report shows it) as the value the list filter expects for the field. */
function valueOf(field: FieldDef, key: string): unknown {
  if (field.storage === 'integer' && /^-?\d+$/.test(key)) return Number(key);
  if (field.storage === 'boolean') return key === 'true' ? true : key === 'false' ? false : key;
  return key;
}

function keyFilter(field: FieldDef, bucket: string | null, key: string | null, path: string, timeZone: string): Filter {
  if (key === null) return { [field.name]: { isNull: true } } as Filter;
  if (bucket) {
    if (!(KEY_SHAPE[bucket] as RegExp).test(key) || !isDay(key.length === 7 ? `${key}-01` : key))
      throw invalidReport([{ path, rule: 'bucket_key', message: `"${key.slice(0, 20)}" is not a ${bucket} key` }]);
    return rangeFilter(field.name, field.storage, bucketRange(key, bucket), timeZone) as Filter;
  }
  return { [field.name]: { eq: valueOf(field, key) } } as Filter;
}

export interface DrillResult {
  object: string;
  filter: Filter | null;
  /** The list route that returns these records, page by page. */
  url: string;
  data: ListResult['data'];
  page: ListResult['page'];
}

export async function drill(q: ReportQuestion, cell: Cell, ctx: RunContext, page: { limit: number; after?: string }): Promise<DrillResult> {
  const p = plan(q, ctx);
  const extra: Filter[] = [];
  for (const [index, key] of Object.entries(cell.keys)) {
    const i = Number(index);
    const field = p.groupFields[i];
    if (i >= p.groupFields.length) throw invalidReport([{ path: `/cell/keys/${index}`, rule: 'unknown_group', message: `the report has ${p.groupFields.length} grouping(s)` }]);
    // The list filter language names fields, not formulas: a formula grouping's cell has no list filter.
    if (!field) throw invalidReport([{ path: `/cell/keys/${index}`, rule: 'not_drillable', message: 'a formula grouping cannot be drilled into; group by a field' }]);
    if (i === 0 && cell.other) continue;
    extra.push(keyFilter(field, p.buckets[i] ?? null, key, `/cell/keys/${index}`, ctx.calendar.timeZone));
  }
  if (cell.other) {
    const top = await topKeys(p, ctx);
    const field = p.groupFields[0];
    if (!field && top) throw invalidReport([{ path: '/cell/other', rule: 'not_drillable', message: 'a formula grouping cannot be drilled into; group by a field' }]);
    if (!top || !field) throw invalidReport([{ path: '/cell/other', rule: 'requires_top', message: 'only a top-N report has an "other" row' }]);
    // "Other" is every non-empty key outside the top: the empty key is a row of its own.
    extra.push({ not: { or: [{ [field.name]: { isNull: true } } as Filter, ...top.keys.map((k) => keyFilter(field, p.buckets[0] ?? null, k, '/cell/other', ctx.calendar.timeZone))] } });
  }
  const filter = filterOf(p, p.period, ctx.calendar.timeZone, extra) ?? null;
  if (!ctx.service.list) throw invalidReport([{ path: '/object', rule: 'not_drillable', message: `"${p.object.name}" is a dataset, not records; it has no records to list` }]);
  const list = await ctx.service.list(p.object.name, { ...(filter ? { filter } : {}), limit: page.limit, ...(page.after ? { after: page.after } : {}) });
  const url = `/api/v1/objects/${p.object.name}${filter ? `?filter=${encodeURIComponent(JSON.stringify(filter))}` : ''}`;
  return { object: p.object.name, filter, url, data: list.data, page: list.page };
}
