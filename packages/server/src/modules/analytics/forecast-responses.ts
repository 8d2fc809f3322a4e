// Request and response shapes of the forecast routes (validation, OpenAPI, the studio's client types).
import { PERIOD_PATTERN } from './forecast-period.ts';

const MONEY = { type: 'string', pattern: '^-?\\d+\\.\\d{2}$' } as const;
const NULL_MONEY = { anyOf: [MONEY, { type: 'null' }] } as const;
const RATE = { anyOf: [{ type: 'string', pattern: '^\\d+\\.\\d{4}$' }, { type: 'null' }] } as const;
const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export const PERIOD_QUERY = {
  type: 'object',
  required: ['period'],
  additionalProperties: false,
  properties: { period: { type: 'string', maxLength: 12, pattern: PERIOD_PATTERN } },
} as const;

const NUMBERS = {
  type: 'object',
  required: ['categories', 'commit', 'bestCase', 'weightedPipeline', 'winRate', 'weightedByWinRate', 'wonToDate', 'runRate', 'seasonal'],
  properties: {
    categories: { type: 'object', required: ['pipeline', 'best_case', 'commit', 'closed'], properties: { pipeline: MONEY, best_case: MONEY, commit: MONEY, closed: MONEY } },
    commit: MONEY,
    bestCase: MONEY,
    weightedPipeline: MONEY,
    winRate: RATE,
    weightedByWinRate: MONEY,
    wonToDate: MONEY,
    runRate: NULL_MONEY,
    seasonal: NULL_MONEY,
  },
} as const;

export const SUBMISSION = {
  type: 'object',
  required: ['id', 'period', 'userId', 'kind', 'unitId', 'commit', 'bestCase', 'note', 'submittedAt'],
  properties: {
    id: { type: 'string' },
    period: { type: 'string' },
    userId: { type: 'string' },
    kind: { enum: ['own', 'override'] },
    unitId: { type: ['string', 'null'] },
    commit: MONEY,
    bestCase: MONEY,
    note: { type: ['string', 'null'] },
    submittedAt: { type: 'string' },
  },
} as const;
const NULL_SUBMISSION = { anyOf: [SUBMISSION, { type: 'null' }] } as const;

const MEMBER = {
  type: 'object',
  required: ['userId', 'numbers', 'submission'],
  properties: { userId: { type: 'string' }, name: { type: ['string', 'null'] }, numbers: NUMBERS, submission: NULL_SUBMISSION },
} as const;

export const forecastResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['period', 'from', 'to', 'today', 'numbers', 'submission', 'team'],
      properties: {
        period: { type: 'string' },
        from: DAY,
        to: DAY,
        today: DAY,
        numbers: NUMBERS,
        submission: NULL_SUBMISSION,
        team: {
          anyOf: [
            {
              type: 'object',
              required: ['unitId', 'members', 'rollup', 'override'],
              properties: {
                unitId: { type: ['string', 'null'], description: "the caller's org unit: the forUnit of an override" },
                members: { type: 'array', items: MEMBER },
                rollup: {
                  type: 'object',
                  required: ['commit', 'bestCase', 'submitted', 'computed'],
                  properties: { commit: MONEY, bestCase: MONEY, submitted: { type: 'integer' }, computed: { type: 'integer' } },
                },
                override: NULL_SUBMISSION,
              },
            },
            { type: 'null' },
          ],
        },
      },
    },
  },
} as const;

export const submissionBody = {
  type: 'object',
  required: ['period', 'commit', 'bestCase'],
  additionalProperties: false,
  properties: {
    period: { type: 'string', maxLength: 12 },
    commit: { type: 'string', maxLength: 40, description: 'money as decimal text, e.g. "1200.50"' },
    bestCase: { type: 'string', maxLength: 40, description: 'money as decimal text' },
    note: { type: 'string', maxLength: 2000 },
    forUnit: { type: 'string', maxLength: 100, description: "an org unit of the caller's team: the submission overrides that team's roll-up (a note is required)" },
  },
} as const;

export const submissionResponse = { type: 'object', required: ['data'], properties: { data: SUBMISSION } } as const;

export const historyResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['period', 'weeks'],
      properties: {
        period: { type: 'string' },
        weeks: {
          type: 'array',
          items: { type: 'object', required: ['week', 'takenAt', 'rows'], properties: { week: DAY, takenAt: { type: 'string' }, rows: { type: 'array', items: MEMBER } } },
        },
      },
    },
  },
} as const;

const PERSON = {
  type: 'object',
  required: ['userId', 'forecast', 'submittedAt', 'actual', 'accuracy'],
  properties: { userId: { type: 'string' }, forecast: NULL_MONEY, submittedAt: { type: ['string', 'null'] }, actual: MONEY, accuracy: RATE },
} as const;

export const accuracyResponse = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['period', 'people', 'team'],
      properties: {
        period: { type: 'string' },
        people: { type: 'array', items: PERSON },
        team: {
          anyOf: [
            {
              type: 'object',
              required: ['forecast', 'source', 'actual', 'accuracy'],
              properties: { forecast: NULL_MONEY, source: { enum: ['override', 'members', null] }, actual: MONEY, accuracy: RATE },
            },
            { type: 'null' },
          ],
        },
      },
    },
  },
} as const;

const CATEGORY_OR_OMITTED = { enum: ['pipeline', 'best_case', 'commit', 'closed', 'omitted'] } as const;
export const settingsBody = {
  type: 'object',
  required: ['stageMap'],
  additionalProperties: false,
  properties: { stageMap: { type: 'object', maxProperties: 50, additionalProperties: CATEGORY_OR_OMITTED } },
} as const;
export const settingsResponse = {
  type: 'object',
  required: ['data'],
  properties: { data: { type: 'object', required: ['stageMap'], properties: { stageMap: { type: 'object', additionalProperties: CATEGORY_OR_OMITTED } } } },
} as const;
