// Request and response shapes of dashboard subscriptions (fastify validates the body; refusals name
// the field and rule).
import type { FilterValue } from './dashboard-schema.ts';
import type { RobotFormat, Schedule } from './subscription-store.ts';

const FILTER_VALUE = {
  anyOf: [
    { type: ['string', 'number', 'boolean', 'null'], maxLength: 200 },
    { type: 'array', maxItems: 200, items: { type: ['string', 'number'], maxLength: 200 } },
    { type: 'object', maxProperties: 2, additionalProperties: { type: ['string', 'integer'], maxLength: 20 } },
  ],
} as const;

const SCHEDULE = {
  type: 'object',
  required: ['every', 'hour'],
  additionalProperties: false,
  properties: {
    every: { type: 'string', enum: ['week', 'month'] },
    weekday: { type: 'integer', minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday (weekly)' },
    day: { type: 'integer', minimum: 1, maximum: 31, description: 'day of the month; a shorter month runs on its last day (monthly)' },
    hour: { type: 'integer', minimum: 0, maximum: 23, description: "hour on the tenant's clock" },
  },
} as const;

const ROBOT_FORMATS = ['json', 'feishu', 'dingtalk', 'wecom'] as const;

export const subscriptionBody = {
  type: 'object',
  required: ['schedule', 'format', 'channel'],
  additionalProperties: false,
  properties: {
    schedule: SCHEDULE,
    format: { type: 'string', enum: ['png', 'pdf'] },
    filters: { type: 'object', maxProperties: 10, propertyNames: { pattern: '^[a-z][a-z0-9_]{0,62}$' }, additionalProperties: FILTER_VALUE },
    channel: { type: 'string', enum: ['email', 'robot'] },
    recipients: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', format: 'uuid' } },
    robot: {
      type: 'object',
      required: ['format', 'url'],
      additionalProperties: false,
      properties: { format: { type: 'string', enum: ROBOT_FORMATS }, url: { type: 'string', maxLength: 2000, pattern: '^https?://' }, secret: { type: 'string', maxLength: 200 } },
    },
  },
} as const;

export interface SubscriptionBody {
  schedule: Schedule;
  format: 'png' | 'pdf';
  filters?: Record<string, FilterValue>;
  channel: 'email' | 'robot';
  recipients?: string[];
  robot?: { format: RobotFormat; url: string; secret?: string };
}

const NULLABLE_TIME = { type: ['string', 'null'] } as const;

const SUBSCRIPTION = {
  type: 'object',
  required: ['id', 'dashboard', 'ownerId', 'schedule', 'format', 'filters', 'channel', 'recipients', 'robot', 'nextRun', 'lastRun', 'lastError', 'createdAt'],
  properties: {
    id: { type: 'string' },
    dashboard: { type: 'string' },
    ownerId: { type: 'string' },
    schedule: SCHEDULE,
    format: { type: 'string' },
    filters: { type: 'object' },
    channel: { type: 'string' },
    recipients: { type: 'array', items: { type: 'string' } },
    robot: {
      anyOf: [{ type: 'null' }, { type: 'object', required: ['format', 'url', 'signed'], properties: { format: { type: 'string' }, url: { type: 'string' }, signed: { type: 'boolean' } } }],
      description: "the robot's address without its key, and whether messages are signed",
    },
    nextRun: NULLABLE_TIME,
    lastRun: NULLABLE_TIME,
    lastError: { type: ['string', 'null'], description: 'why the last run failed; null when it was sent' },
    createdAt: { type: 'string' },
  },
} as const;

export const subscriptionResponse = { type: 'object', required: ['data'], properties: { data: SUBSCRIPTION } } as const;
export const subscriptionListResponse = { type: 'object', required: ['data'], properties: { data: { type: 'array', items: SUBSCRIPTION } } } as const;
