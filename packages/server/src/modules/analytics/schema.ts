import type { Label } from '@attain/meta';

// The report question, once: the `analytics.report` kind's meta-schema and the ad-hoc query body of
// `POST /api/v1/analytics/query` are built from these properties, so a saved report and an ad-hoc
// one accept exactly the same things. A dashboard widget (a later part) is a report plus a chart.
const API_NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const FORMULA = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const LABEL = {
  type: 'object',
  required: ['en'],
  properties: { en: { type: 'string', maxLength: 200 } },
  propertyNames: { pattern: '^[a-z]{2}(-[A-Z]{2})?$' },
  additionalProperties: { type: 'string', maxLength: 200 },
} as const;

export const RELATIVE_RANGES = ['today', 'yesterday', 'this_week', 'last_week', 'this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year'] as const;
export const BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export const MEASURE_OPS = ['count', 'sum', 'avg', 'min', 'max', 'count_distinct', 'ratio'] as const;
export const COMPARISONS = ['mom', 'qoq', 'yoy'] as const;
export const CHARTS = ['table', 'pivot', 'kpi', 'line', 'bar', 'stacked', 'area', 'pie', 'funnel', 'gauge', 'leaderboard', 'heatmap', 'combo', 'map'] as const;

const range = {
  oneOf: [
    { enum: RELATIVE_RANGES },
    { type: 'object', required: ['last', 'unit'], additionalProperties: false, properties: { last: { type: 'integer', minimum: 1, maximum: 3660 }, unit: { enum: ['day', 'month'] } } },
    { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: DAY, to: DAY } },
  ],
} as const;

/** The question's properties (everything but the document's kind, id, name and label). */
export const questionProperties = {
  /** An object's api name, or a module's dataset `<module>.<name>` (`incentives.payout`). */
  object: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}(\\.[a-z][a-z0-9_]{0,62})?$' },
  /** The list routes' filter language (`GET /objects/:object?filter=`), checked when the report runs. */
  filter: { type: 'object' },
  period: { type: 'object', required: ['field', 'range'], additionalProperties: false, properties: { field: API_NAME, range } },
  compare: { enum: COMPARISONS },
  groups: {
    type: 'array',
    maxItems: 3,
    items: {
      type: 'object',
      additionalProperties: false,
      // A field of the object, or a formula over it and its relations (`customer.region`).
      oneOf: [
        { properties: { field: API_NAME }, required: ['field'] },
        { properties: { formula: FORMULA }, required: ['formula'] },
      ],
      properties: { field: API_NAME, formula: FORMULA, bucket: { enum: BUCKETS }, label: LABEL },
    },
  },
  measures: {
    type: 'array',
    minItems: 1,
    maxItems: 20,
    items: {
      type: 'object',
      required: ['name', 'op'],
      additionalProperties: false,
      properties: {
        name: API_NAME,
        label: LABEL,
        op: { enum: MEASURE_OPS },
        field: API_NAME,
        formula: FORMULA,
        of: { type: 'array', minItems: 2, maxItems: 2, items: API_NAME },
      },
    },
  },
  pivot: { type: 'boolean' },
  top: { type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'integer', minimum: 1, maximum: 100 }, by: API_NAME, other: { type: 'boolean' } } },
  chart: { enum: CHARTS },
} as const;

/** The ad-hoc report of `POST /analytics/query`: the same question, no document fields. */
export const questionSchema = {
  type: 'object',
  required: ['object', 'measures'],
  additionalProperties: false,
  properties: questionProperties,
} as const;

/** The `analytics.report` kind's meta-schema. */
export const reportSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://attain.dev/meta/analytics.report.schema.json',
  title: 'Report',
  description: 'A question over an object: filters, a period, up to three groupings, measures, comparison, pivot and top-N.',
  type: 'object',
  required: ['kind', 'id', 'name', 'label', 'object', 'measures'],
  additionalProperties: false,
  properties: {
    kind: { const: 'analytics.report' },
    id: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/StableId' },
    name: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/ApiName' },
    label: { $ref: 'https://attain.dev/meta/common.schema.json#/$defs/Label' },
    description: { type: 'string', maxLength: 2000 },
    ...questionProperties,
  },
} as const;

export type RelativeRange = (typeof RELATIVE_RANGES)[number];
export type Range = RelativeRange | { last: number; unit: 'day' | 'month' } | { from: string; to: string };

/** A report's question as written (a saved report's document, or an ad-hoc body). */
export interface ReportQuestion {
  object: string;
  filter?: Record<string, unknown>;
  period?: { field: string; range: Range };
  compare?: (typeof COMPARISONS)[number];
  groups?: Array<{ field?: string; formula?: string; bucket?: (typeof BUCKETS)[number]; label?: Label }>;
  measures: Array<{ name: string; label?: Label; op: (typeof MEASURE_OPS)[number]; field?: string; formula?: string; of?: [string, string] }>;
  pivot?: boolean;
  top?: { n: number; by?: string; other?: boolean };
  chart?: (typeof CHARTS)[number];
}
