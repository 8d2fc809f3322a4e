// Response shape of `GET /analytics/funnel` (validation of what leaves, OpenAPI, client types).
const NUM = { type: ['number', 'null'] } as const;
const INT = { type: 'integer' } as const;
const STRINGS = { type: 'array', items: { type: 'string' } } as const;

const stageFigures = {
  type: 'object',
  required: ['stage', 'kind', 'reached', 'current', 'stays', 'aging'],
  properties: {
    stage: { type: 'string' },
    kind: { enum: ['open', 'won', 'lost'] },
    reached: INT,
    current: INT,
    toNext: NUM,
    toWon: NUM,
    dropOff: { type: ['integer', 'null'] },
    lostHere: { type: ['integer', 'null'] },
    stays: INT,
    avgDays: NUM,
    medianDays: NUM,
    aging: { type: 'object', properties: { records: INT, avgDays: NUM, maxDays: NUM } },
  },
} as const;

const funnelFigures = {
  type: 'object',
  required: ['records', 'open', 'won', 'lost', 'stages'],
  properties: {
    records: INT,
    open: INT,
    won: INT,
    lost: INT,
    winRate: NUM,
    avgWonAmount: { type: ['string', 'null'] },
    avgCycleDays: NUM,
    velocity: NUM,
    stages: { type: 'array', items: stageFigures },
  },
} as const;

export const funnelResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['object', 'stageField', 'stages', 'asOf', 'total', 'groups'],
      properties: {
        object: { type: 'string' },
        stageField: { type: 'string' },
        stages: { type: 'object', properties: { open: STRINGS, won: STRINGS, lost: STRINGS } },
        period: { type: ['object', 'null'], properties: { from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } } },
        asOf: { type: 'string' },
        by: { type: ['string', 'null'] },
        total: funnelFigures,
        groups: {
          type: 'array',
          items: { type: 'object', required: ['key', 'funnel'], properties: { key: { type: ['string', 'null'] }, label: { type: ['string', 'null'] }, funnel: funnelFigures } },
        },
        cohort: {
          type: ['array', 'null'],
          items: {
            type: 'object',
            required: ['month', 'created', 'stages'],
            properties: { month: { type: 'string' }, created: INT, stages: { type: 'object', additionalProperties: INT } },
          },
        },
      },
    },
  },
} as const;
