// Response shapes of the dashboard routes (validation of what leaves, OpenAPI, client types).
import { reportResponse } from './response-schemas.ts';

const LABEL = { type: 'object', additionalProperties: { type: 'string' } } as const;
const LAYOUT = { type: 'object', required: ['x', 'y', 'w', 'h'], properties: { x: { type: 'integer' }, y: { type: 'integer' }, w: { type: 'integer' }, h: { type: 'integer' } } } as const;
/** A dashboard document as stored (the `analytics.dashboard` meta-schema checks its parts). */
const DASHBOARD = {
  type: 'object',
  required: ['kind', 'id', 'name', 'label', 'widgets'],
  additionalProperties: true,
  properties: {
    kind: { const: 'analytics.dashboard' },
    id: { type: 'string' },
    name: { type: 'string' },
    label: LABEL,
    widgets: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

const META = {
  type: 'object',
  properties: { source: { enum: ['metadata', 'user'] }, editable: { type: 'boolean' }, team: { type: 'boolean' }, version: { type: ['integer', 'null'] } },
} as const;
export const dashboardResponse = { type: 'object', required: ['data'], properties: { data: { anyOf: [DASHBOARD, { type: 'null' }] }, meta: META } } as const;
/** A built dashboard after a save: the document and who may see it. */
export const savedDashboardResponse = { type: 'object', required: ['data', 'meta'], properties: { data: DASHBOARD, meta: META } } as const;

export const dashboardListResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'label', 'widgets', 'default'],
        properties: {
          name: { type: 'string' },
          label: LABEL,
          description: { type: 'string' },
          widgets: { type: 'integer' },
          default: { type: 'boolean' },
          source: { enum: ['metadata', 'user'] },
          mine: { type: 'boolean' },
          team: { type: 'boolean' },
          editable: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const ERROR = { anyOf: [{ type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } }, { type: 'null' }] } as const;
const SERIES_ANSWER = {
  type: 'object',
  required: ['id', 'object', 'applied', 'question', 'result', 'error'],
  properties: {
    id: { type: 'string' },
    title: { anyOf: [LABEL, { type: 'null' }] },
    object: { type: 'string' },
    applied: { type: 'array', items: { type: 'string' } },
    question: { type: 'object', additionalProperties: true },
    result: { anyOf: [reportResponse.properties.data, { type: 'null' }] },
    error: ERROR,
  },
} as const;

const WIDGET_ANSWER = {
  type: 'object',
  required: ['id', 'chart', 'layout', 'object', 'applied', 'question', 'result', 'error'],
  properties: {
    id: { type: 'string' },
    title: { anyOf: [LABEL, { type: 'null' }] },
    chart: { type: 'string' },
    target: { type: ['string', 'null'] },
    layout: LAYOUT,
    object: { type: 'string' },
    applied: { type: 'array', items: { type: 'string' } },
    question: { type: 'object', additionalProperties: true },
    result: { anyOf: [reportResponse.properties.data, { type: 'null' }] },
    error: ERROR,
    /** The widget's further series (a `combo` chart), each answered like the widget. */
    series: { type: 'array', items: SERIES_ANSWER },
  },
} as const;

export const dashboardRunResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['name', 'label', 'filters', 'widgets'],
      properties: { name: { type: 'string' }, label: LABEL, filters: { type: 'array', items: { type: 'object', additionalProperties: true } }, widgets: { type: 'array', items: WIDGET_ANSWER } },
    },
  },
} as const;
