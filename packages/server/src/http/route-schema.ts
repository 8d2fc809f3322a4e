/**
 * Building blocks for the fastify `schema` every route declares: its params, querystring, body and
 * responses. These schemas are the one source of a route's shapes: fastify validates requests
 * with them (see validation.ts), the OpenAPI document is generated from them (openapi/), the
 * tests check every response against them (response-check.ts) and the studio's client types are
 * generated from that document.
 */

export type Schema = Record<string, unknown>;

/** The body of every 4xx and 5xx (docs/CONVENTIONS.md); its one owner. */
export const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        requestId: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'rule', 'message'],
            properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' }, document: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** Any JSON object; used where a body's inner shape is owned by a metadata kind's meta-schema or the engine. */
export const OBJECT: Schema = { type: 'object' };
export const STRING: Schema = { type: 'string' };
export const UUID: Schema = { type: 'string', maxLength: 100 };
export const INTEGER: Schema = { type: 'integer' };
export const NUMBER: Schema = { type: 'number' };
export const BOOLEAN: Schema = { type: 'boolean' };
export const ANY: Schema = {};
export const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
export const arrayOf = (items: Schema = OBJECT): Schema => ({ type: 'array', items });

/** An object with these properties, `required` ones among them; other properties allowed. */
export function object(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', ...(required.length ? { required } : {}), properties };
}

/** `{data: [...]}`, the envelope of every list. */
export const list = (items: Schema = OBJECT, extra: Record<string, Schema> = {}): Schema => object({ data: arrayOf(items), ...extra }, ['data']);

/** `{ok: true}` and the like: the answer of an action that returns nothing else. */
export const OK: Schema = object({ ok: BOOLEAN }, ['ok']);

/** Path parameters: each a non-empty string of at most 200 characters (the router's own limit). */
export function params(...names: string[]): Schema {
  return { type: 'object', required: names, properties: Object.fromEntries(names.map((n) => [n, { type: 'string', minLength: 1, maxLength: 200 }])) };
}

/** Query parameters, all optional unless listed in `required`. */
export function query(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', ...(required.length ? { required } : {}), properties };
}

/**
 * A request body. A route whose body is optional (an action that may carry a comment) lists no
 * `required`; an absent body then reaches the handler as before (see validation.ts).
 */
export function jsonBody(properties: Record<string, Schema>, required: string[] = []): Schema {
  return object(properties, required);
}

/** The body of an action that takes none; anything sent is ignored as before. */
export const NO_BODY: Schema = { type: 'object', description: 'No body is needed' };

/** 204: nothing is sent. */
export const NO_CONTENT: Schema = { type: 'null', description: 'No content' };

/** Responses: the route's success answers, and the shared error shape for every 4xx and 5xx. */
export function replies(success: Record<number, Schema>): Record<string, Schema> {
  return { ...Object.fromEntries(Object.entries(success)), '4xx': ERROR_SCHEMA, '5xx': ERROR_SCHEMA };
}

/** A calendar day as text, `YYYY-MM-DD`; the route checks it is a real day and answers with its own code. */
export const DATE_TEXT: Schema = { type: 'string', description: 'YYYY-MM-DD' };

const REF = object({ id: STRING, name: STRING }, ['id', 'name']);

/** One step of a migration plan, as the store words it (a sentence, and a message id a client translates). */
export const PLAN_STEP: Schema = object(
  {
    kind: STRING,
    object: REF,
    field: REF,
    sentence: STRING,
    message: STRING,
    params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    safe: BOOLEAN,
    reason: STRING,
  },
  ['kind', 'object', 'sentence', 'safe'],
);

/** The dry run of a metadata change. */
export const MIGRATION_PLAN: Schema = object({ fromRevision: INTEGER, toRevision: nullable(INTEGER), hash: STRING, empty: BOOLEAN, safe: BOOLEAN, steps: arrayOf(PLAN_STEP) }, [
  'fromRevision',
  'toRevision',
  'hash',
  'empty',
  'safe',
  'steps',
]);

/** What applying metadata answers: the new revision and the migration plan it ran. */
export const APPLIED: Schema = object({ revision: INTEGER, plan: MIGRATION_PLAN }, ['revision', 'plan']);

/** A user's notices, newest first, and how many are unread. */
export const NOTICES: Schema = object({ data: arrayOf(), unread: INTEGER }, ['data', 'unread']);

/** A file download: its media type, documented; never checked as JSON. */
export const file = (mediaType: string): Schema => ({ description: `A ${mediaType} file`, content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } } });
