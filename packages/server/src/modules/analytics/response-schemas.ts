// Response shapes of the analytics routes (validation of what leaves, OpenAPI, client types).
const VALUE = { type: ['string', 'number', 'null'] } as const;
const VALUES = { type: 'object', additionalProperties: VALUE } as const;
const KEYS = { type: 'array', items: { type: ['string', 'null'] } } as const;
const RANGE = { type: ['object', 'null'], required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } } as const;
const LABEL = { type: 'object', additionalProperties: { type: 'string' } } as const;
const COMPARED = { values: VALUES, previous: VALUES, delta: VALUES, deltaPct: VALUES } as const;
const AXIS = { type: 'array', items: { type: 'object', properties: { key: { type: ['string', 'null'] }, label: { type: ['string', 'null'] }, other: { type: 'boolean' } } } } as const;

export const reportResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['object', 'groups', 'measures', 'rows', 'totals'],
      properties: {
        object: { type: 'string' },
        asOf: { type: ['string', 'null'] },
        period: RANGE,
        previous: RANGE,
        groups: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, bucket: { type: ['string', 'null'] }, label: { type: 'string' } } } },
        measures: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, op: { type: 'string' }, label: { type: 'string' } } } },
        rows: { type: 'array', items: { type: 'object', required: ['keys', 'labels', 'other', 'values'], properties: { keys: KEYS, labels: KEYS, other: { type: 'boolean' }, ...COMPARED } } },
        totals: { type: 'object', properties: COMPARED },
        pivot: {
          type: 'object',
          properties: {
            rows: AXIS,
            columns: AXIS,
            cells: { type: 'array', items: { type: 'array', items: { anyOf: [VALUES, { type: 'null' }] } } },
            rowTotals: { type: 'array', items: VALUES },
            columnTotals: { type: 'array', items: VALUES },
            total: VALUES,
          },
        },
      },
    },
  },
} as const;

export const reportListResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'object'],
        properties: { name: { type: 'string' }, label: LABEL, object: { type: 'string' }, description: { type: 'string' }, chart: { type: 'string' } },
      },
    },
  },
} as const;

export const drillResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      properties: {
        object: { type: 'string' },
        // The list filter language: any JSON object.
        filter: { type: ['object', 'null'], additionalProperties: true },
        url: { type: 'string' },
        data: { type: 'array', items: { type: 'object', additionalProperties: true } },
        page: { type: 'object', properties: { next: { type: ['string', 'null'] }, limit: { type: 'integer' } } },
      },
    },
  },
} as const;

/** The datasets modules contribute: what a question may name as its `object`, and their fields. */
export const datasetListResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'label', 'fields'],
        properties: {
          name: { type: 'string' },
          label: LABEL,
          description: { type: 'string' },
          fields: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'label', 'storage'],
              properties: { name: { type: 'string' }, label: LABEL, storage: { type: 'string' }, values: { type: 'array', items: { type: 'string' } }, ref: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;
