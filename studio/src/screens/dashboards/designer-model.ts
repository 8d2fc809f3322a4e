// What the dashboard designer edits: widgets as the API takes them, and the choices a widget
// offers (objects the user may read, their fields by kind) read from the session's metadata.
import type { Label } from '../../api/types.ts';
import type { FieldInfo } from '../../lib/meta.ts';

export const CHARTS = ['kpi', 'bar', 'line', 'area', 'stacked', 'pie', 'funnel', 'gauge', 'table', 'leaderboard', 'combo', 'heatmap', 'map'] as const;
export const OPS = ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'] as const;
export const BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;

export interface Question {
  object: string;
  filter?: Record<string, unknown>;
  period?: { field: string; range: string };
  groups?: Array<{ field: string; bucket?: string }>;
  measures: Array<{ name: string; op: string; field?: string; label?: Label }>;
}

export interface DesignWidget {
  id: string;
  title: Label;
  chart: string;
  target?: string;
  question: Question;
  /** A combo's further series, kept as they are (the designer edits the widget's own question). */
  series?: Array<Record<string, unknown>>;
  layout: { x: number; y: number; w: number; h: number };
}

export interface Design {
  label: Label;
  description?: string;
  team: boolean;
  periodFilter: boolean;
  ownerFilter: boolean;
  widgets: DesignWidget[];
  version?: number;
}

const NUMERIC = new Set(['integer', 'decimal', 'money', 'percent', 'number']);
const DATES = new Set(['date', 'datetime']);
const GROUPABLE = new Set(['text', 'enum', 'ref', 'boolean', 'date', 'datetime', 'email']);

// Over the fields of an object or of a dataset a module contributes (GET /analytics/datasets).
export const numericFields = (fields: readonly FieldInfo[]): FieldInfo[] => fields.filter((f) => NUMERIC.has(f.storage));
export const dateFields = (fields: readonly FieldInfo[]): FieldInfo[] => fields.filter((f) => DATES.has(f.storage));
export const groupFields = (fields: readonly FieldInfo[]): FieldInfo[] => fields.filter((f) => GROUPABLE.has(f.storage) && f.name !== 'id' && f.name !== 'external_id');
export const isDate = (fields: readonly FieldInfo[] | undefined, field: string): boolean => Boolean(fields && dateFields(fields).some((f) => f.name === field));

/** A dataset's fields as the designer lists an object's. */
export function datasetFields(dataset: { name: string; fields: Array<{ name: string; label: Label; storage: string; ref?: string }> }): FieldInfo[] {
  return dataset.fields.map((f, order) => ({
    name: f.name,
    id: `${dataset.name}.${f.name}`,
    label: f.label,
    storage: f.storage as FieldInfo['storage'],
    required: false,
    readOnly: true,
    system: false,
    order,
    ...(f.ref ? { ref: f.ref } : {}),
  }));
}

/** The next free widget id (`w1`, `w2`, …) and a place below the others. */
export function newWidget(widgets: readonly DesignWidget[], object: string, title: string): DesignWidget {
  let n = widgets.length + 1;
  while (widgets.some((w) => w.id === `w${n}`)) n += 1;
  const bottom = widgets.reduce((m, w) => Math.max(m, w.layout.y + w.layout.h), 0);
  return { id: `w${n}`, title: { en: title }, chart: 'kpi', question: { object, measures: [{ name: 'value', op: 'count' }] }, layout: { x: 0, y: bottom, w: 4, h: 3 } };
}

/** The body of `POST/PUT /analytics/dashboards` for a design. */
export function bodyOf(d: Design): Record<string, unknown> {
  const filters = [
    ...(d.periodFilter ? [{ name: 'period', type: 'period', label: { en: 'Period', 'zh-CN': '期间' } }] : []),
    ...(d.ownerFilter ? [{ name: 'owner', type: 'field', field: 'owner_id', label: { en: 'Owner', 'zh-CN': '负责人' } }] : []),
  ];
  return {
    label: d.label,
    ...(d.description ? { description: d.description } : {}),
    ...(filters.length ? { filters } : {}),
    widgets: d.widgets.map((w) => ({
      id: w.id,
      title: w.title,
      chart: w.chart,
      ...(w.target ? { target: w.target } : {}),
      question: w.question,
      ...(w.series ? { series: w.series } : {}),
      layout: w.layout,
    })),
    team: d.team,
    ...(d.version ? { version: d.version } : {}),
  };
}

/** A stored dashboard document as a design (the filters the designer offers, the rest kept). */
export function designOf(doc: Record<string, unknown>, meta: { team?: boolean; version?: number | null } = {}): Design {
  const filters = (doc.filters ?? []) as Array<{ type: string; field?: string }>;
  return {
    label: doc.label as Label,
    ...(typeof doc.description === 'string' ? { description: doc.description } : {}),
    team: meta.team ?? false,
    periodFilter: filters.some((f) => f.type === 'period'),
    ownerFilter: filters.some((f) => f.type === 'field' && f.field === 'owner_id'),
    widgets: ((doc.widgets ?? []) as DesignWidget[]).filter((w) => w.question).map((w) => ({ ...w, title: w.title ?? { en: w.id } })),
    ...(meta.version ? { version: meta.version } : {}),
  };
}
