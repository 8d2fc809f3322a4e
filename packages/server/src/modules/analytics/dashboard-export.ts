// A dashboard as a file for one viewer: the run route's widgets (their scope, hidden fields and the
// dashboard's filters), with `export` on every object a visible widget reads (as a report export
// needs), drawn as PNG or PDF. Subscriptions call the same function with the owner's access.
import { tenantCalendar } from '@attain/engine';
import { badRequest } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { filterValues, runDashboard } from './dashboard-run.ts';
import type { DashboardDoc, FilterValue } from './dashboard-schema.ts';
import { seenDashboard } from './dashboard-visible.ts';
import { dashboardPdfOf, dashboardPng, labelIn } from './snapshot-render.ts';

export type SnapshotFormat = 'png' | 'pdf';

export interface RenderedSnapshot {
  bytes: Buffer;
  contentType: string;
  filename: string;
  title: string;
}

const SCALAR = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** `?filters=` is the run body's `filters` as JSON text; the same shapes, checked here (a query string has no schema for JSON). */
export function parseFilters(raw: string | undefined): Record<string, FilterValue> {
  if (raw === undefined || raw === '') return {};
  const bad = (message: string) => badRequest('invalid_query', `filters: ${message}`, [{ path: '/filters', rule: 'format', message }]);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw bad('must be a JSON object of filter values');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('must be a JSON object of filter values');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 10) throw bad('at most 10 filters');
  for (const [k, v] of entries) {
    const ok =
      SCALAR(v) ||
      (Array.isArray(v) && v.length <= 200 && v.every((x) => typeof x === 'string' || typeof x === 'number')) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= 2 && Object.values(v).every((x) => typeof x === 'string' || Number.isInteger(x)));
    if (!ok || (typeof v === 'string' && v.length > 200))
      throw badRequest('invalid_filter', `filter "${k.slice(0, 40)}" has a value of the wrong shape`, [
        { path: `/filters/${k.slice(0, 40)}`, rule: 'type', message: 'must be a value, a list of values or a period' },
      ]);
  }
  return value as Record<string, FilterValue>;
}

const shown = (v: FilterValue): string => {
  if (Array.isArray(v)) return v.join(', ');
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return 'from' in o ? `${String(o.from)} – ${String(o.to)}` : `last ${String(o.last)} ${String(o.unit)}`;
  }
  return String(v);
};

/** The lines under the title: each filter in force, then the time the snapshot was taken on the tenant's clock. */
function headerLines(doc: DashboardDoc, sent: Record<string, FilterValue>, locale: string, zone: string, now: Date): string[] {
  const zh = locale === 'zh-CN';
  const filters = [...filterValues(doc, sent).values()].map(({ filter, value }) => `${labelIn(filter.label, locale, filter.name)}: ${shown(value)}`);
  const at = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(now);
  return [...(filters.length ? [`${zh ? '筛选' : 'Filters'}: ${filters.join('; ')}`] : []), `${zh ? '截至' : 'As of'} ${at} (${zone})`];
}

/** The run route's widgets, after checking `export` on every object a visible widget reads. */
export async function runForExport(store: Store, access: AccessContext, doc: DashboardDoc, filters: Record<string, FilterValue>, asOf: string | undefined) {
  const widgets = await runDashboard(store, access, doc, filters, asOf);
  // A file leaves the product: export on each object a visible widget shows, as a report file needs.
  for (const object of new Set(widgets.filter((w) => w.result).map((w) => w.object))) await access.grant(object, 'read', 'export');
  return widgets;
}

export async function renderDashboard(
  store: Store,
  access: AccessContext,
  name: string,
  opts: { format: SnapshotFormat; filters: Record<string, FilterValue>; asOf?: string; now: Date },
): Promise<RenderedSnapshot> {
  const { doc } = await seenDashboard(store, access, name);
  const widgets = await runForExport(store, access, doc, opts.filters, opts.asOf);
  const locale = access.locale ?? 'en';
  const cal = await tenantCalendar(store, access.tenantName);
  const title = labelIn(doc.label, locale, doc.name);
  const snapshot = { title, lines: headerLines(doc, opts.filters, locale, cal.timeZone, opts.now), widgets, locale, now: opts.now };
  const day = new Intl.DateTimeFormat('sv-SE', { timeZone: cal.timeZone }).format(opts.now);
  if (opts.format === 'png') return { bytes: await dashboardPng(snapshot), contentType: 'image/png', filename: `${doc.name}-${day}.png`, title };
  return { bytes: await dashboardPdfOf(snapshot), contentType: 'application/pdf', filename: `${doc.name}-${day}.pdf`, title };
}
