/**
 * What the security suite sends. Values go into every path parameter, query key and body key of
 * a request; whole-request inputs (huge or malformed bodies) replace the body itself.
 */

export interface ValueInput {
  name: string;
  value: unknown;
}

/** Strings that would do harm if anything interpolated them into SQL, a template, a path or a spreadsheet. */
export const INJECTION: readonly ValueInput[] = [
  { name: 'sql-or', value: "' OR '1'='1" },
  { name: 'sql-drop', value: "x'; drop table users; --" },
  { name: 'pg-param', value: '$1' },
  { name: 'quoted-ident', value: 'a"b\'c`d' },
  { name: 'formula-cmd', value: "=cmd|' /C calc'!A0" },
  { name: 'template', value: '{{7*7}}${7*7}<%= 7*7 %>' },
  { name: 'traversal', value: '../../../etc/passwd' },
];

/** Values of the wrong kind, out of range or malformed. Small non-negative integers are left out
 * on purpose: `{"revision": 0}` is a valid rollback, not bad input. */
export const BAD_VALUES: readonly ValueInput[] = [
  { name: 'nul-byte', value: 'a\u0000b' },
  { name: 'bad-date', value: '2026-02-30' },
  { name: 'bad-month', value: '2026-13' },
  { name: 'huge-number', value: 1e308 },
  { name: 'negative-number', value: -1e21 },
  { name: 'huge-number-text', value: '99999999999999999999999999999999.99' },
  { name: 'negative-number-text', value: '-12345678901234567890' },
  { name: 'not-a-number', value: 'NaN' },
  { name: 'long-text', value: 'x'.repeat(300) },
  { name: 'array', value: [] },
  { name: 'object', value: {} },
  { name: 'boolean', value: true },
  { name: 'null', value: null },
];

/** Whole bodies that are not a plain, sane JSON object. */
export interface BodyInput {
  name: string;
  /** The raw payload, sent as application/json. */
  payload: () => string | Buffer;
}

const DEPTH = 10_000;

export const BAD_BODIES: readonly BodyInput[] = [
  { name: 'body-10mb', payload: () => `{"name":"${'x'.repeat(10 * 1024 * 1024)}"}` },
  { name: 'body-deep-nesting', payload: () => `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}` },
  { name: 'body-deep-array', payload: () => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}` },
  {
    name: 'body-invalid-utf8',
    payload: () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('","formula":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  },
  { name: 'body-proto-key', payload: () => '{"__proto__":{"admin":true},"name":"x","documents":[]}' },
  { name: 'body-constructor-prototype', payload: () => '{"constructor":{"prototype":{"admin":true}},"name":"x"}' },
  { name: 'body-nested-proto', payload: () => '{"rows":[{"__proto__":{"polluted":1}}],"filter":{"__proto__":{"x":1}}}' },
  { name: 'body-not-json', payload: () => '{"name": "x",,}' },
  { name: 'body-array', payload: () => '[1,2,3]' },
  { name: 'body-string', payload: () => '"just text"' },
];

/** Query keys the routes read (gathered from the route handlers); every one gets the value. */
export const QUERY_KEYS = [
  'filter',
  'sort',
  'limit',
  'offset',
  'after',
  'q',
  'count',
  'format',
  'object',
  'recordId',
  'period',
  'payeeId',
  'person',
  'unit',
  'team',
  'kpi',
  'status',
  'before',
  'from',
  'to',
  'start',
  'end',
  'asOf',
  'code',
  'txId',
  'name',
  'locale',
  'engine',
  'rule',
  'dimension',
  'unread',
  'trace',
  'withTotal',
  'plan',
  'query',
  'variables',
];

/** Body keys the routes read (gathered from the route handlers), for routes without a body schema. */
export const BODY_KEYS = [
  'object',
  'formula',
  'kind',
  'filter',
  'limit',
  'locale',
  'ids',
  'amount',
  'version',
  'payees',
  'weights',
  'period',
  'timezone',
  'locks',
  'comment',
  'status',
  'planId',
  'rows',
  'method',
  'steps',
  'samples',
  'rules',
  'resolution',
  'plan',
  'payeeId',
  'lineKey',
  'total',
  'submitterId',
  'recordId',
  'from',
  'to',
  'dryRun',
  'name',
  'label',
  'id',
  'documents',
  'purge',
  'backfill',
  'smtp',
  'secrets',
  'delegateId',
  'userId',
  'reason',
  'query',
  'variables',
  'kpi',
  'unit',
  'person',
  'asOf',
  'start',
  'end',
  'value',
  'values',
  'expression',
  'channel',
  'channels',
  'email',
  'password',
];
