import type { Label } from '@attain/meta';
import { CHARTS, questionSchema, type Range, type ReportQuestion } from './schema.ts';

// The `analytics.dashboard` kind: a grid of widgets, each a saved report (by name) or an inline
// question, with a chart type and a place on a 12-column grid; filters that apply to every widget
// they fit; sharing and per-role defaults by role name.
const API_NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const LABEL = { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/Label' } as const;
export const GRID_COLUMNS = 12;

const layout = {
  type: 'object',
  required: ['x', 'y', 'w', 'h'],
  additionalProperties: false,
  properties: {
    x: { type: 'integer', minimum: 0, maximum: GRID_COLUMNS - 1 },
    y: { type: 'integer', minimum: 0, maximum: 1000 },
    w: { type: 'integer', minimum: 1, maximum: GRID_COLUMNS },
    h: { type: 'integer', minimum: 1, maximum: 24 },
  },
} as const;

const widget = {
  type: 'object',
  required: ['id', 'layout'],
  additionalProperties: false,
  oneOf: [
    { properties: { report: API_NAME }, required: ['report'] },
    { properties: { question: { type: 'object' } }, required: ['question'] },
  ],
  properties: {
    id: API_NAME,
    title: LABEL,
    /** A saved `analytics.report` by name… */
    report: API_NAME,
    /** …or a question written in place (the same properties as a report's). */
    question: questionSchema,
    /** Overrides the report's own chart type. */
    chart: { enum: CHARTS },
    /**
     * More series on the same axis, each its own question (possibly over another object or a
     * dataset): a `combo` chart draws the widget's first measure as bars and each series' first
     * measure as a line, matched by their first grouping's key (payout cost vs revenue by month).
     */
    series: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: { type: 'object', required: ['id', 'question'], additionalProperties: false, properties: { id: API_NAME, title: LABEL, question: questionSchema } },
    },
    /** A KPI card's or gauge's target, in the first measure's unit. */
    target: { type: 'string', pattern: '^-?\\d{1,15}(\\.\\d{1,6})?$' },
    layout,
  },
} as const;

const filter = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: API_NAME,
    label: LABEL,
    /** `period`: replaces the range of every widget that has a period; `field`: equals / one of, on every widget whose object has the field. */
    type: { enum: ['period', 'field'] },
    field: API_NAME,
    default: {},
  },
} as const;

export const dashboardSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://attain.dev/meta/analytics.dashboard.schema.json',
  title: 'Dashboard',
  description: 'A grid of report widgets with dashboard-wide filters, shared with roles.',
  type: 'object',
  required: ['kind', 'id', 'name', 'label', 'widgets'],
  additionalProperties: false,
  properties: {
    kind: { const: 'analytics.dashboard' },
    id: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/StableId' },
    name: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/ApiName' },
    label: LABEL,
    // Plain text, or a label per language (shipped dashboards say what they show in each).
    description: { oneOf: [{ type: 'string', maxLength: 2000 }, LABEL] },
    filters: { type: 'array', maxItems: 10, items: filter },
    widgets: { type: 'array', minItems: 1, maxItems: 30, items: widget },
    /** Roles that see it; absent: every role. Admins see every dashboard. */
    sharedWith: { type: 'array', maxItems: 50, items: API_NAME },
    /** Roles whose Home opens it. */
    defaultFor: { type: 'array', maxItems: 50, items: API_NAME },
  },
} as const;

export interface DashboardFilter {
  name: string;
  label?: Label;
  type: 'period' | 'field';
  field?: string;
  default?: unknown;
}

export interface WidgetSeries {
  id: string;
  title?: Label;
  question: ReportQuestion;
}

export interface DashboardWidget {
  id: string;
  title?: Label;
  report?: string;
  question?: ReportQuestion;
  chart?: ReportQuestion['chart'];
  series?: WidgetSeries[];
  target?: string;
  layout: { x: number; y: number; w: number; h: number };
}

export interface DashboardDoc {
  kind: 'analytics.dashboard';
  id: string;
  name: string;
  label: Label;
  description?: string | Label;
  filters?: DashboardFilter[];
  widgets: DashboardWidget[];
  sharedWith?: string[];
  defaultFor?: string[];
}

/** A filter's value as a run sends it: a range for a period, one value or a list for a field. */
export type FilterValue = Range | string | number | boolean | null | Array<string | number>;
