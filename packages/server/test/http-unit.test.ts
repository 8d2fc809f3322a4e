import { describe, expect, it } from 'vitest';
import { isAttainError, MetaValidationError, type ErrorDetail } from '@attain/meta';
import { GoalsError } from '@attain/engine';
import { StoreError } from '@attain/store';
import { WorkflowError } from '@attain/workflow';
import { SandboxError } from '@attain/sandbox';
import { ApiError, toErrorResponse } from '../src/index.ts';
import { parseClientJson } from '../src/http/json.ts';
import { parseListQuery, parseSort } from '../src/rest/list-query.ts';
import { toCsv } from '../src/rest/csv.ts';
import { LruCache, cacheKey } from '../src/cache.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return toErrorResponse(error, 'r1').body.error.code;
  }
  return 'no error';
};

describe('error mapping', () => {
  it('maps every kind of error to the envelope, never leaking internals', () => {
    expect(toErrorResponse(new ApiError(403, 'forbidden', 'no'), 'r').status).toBe(403);
    const storeError = new StoreError('conflict', 'Duplicate', [{ path: '/email', rule: 'unique', message: 'taken', document: 'x' }]);
    // Only the detail's own keys go out; the metadata document a path belongs to is one of them.
    expect(toErrorResponse(storeError, 'r')).toEqual({
      status: 409,
      body: { error: { code: 'conflict', message: 'Duplicate', details: [{ path: '/email', rule: 'unique', message: 'taken', document: 'x' }] } },
    });
    // A detail carrying more than its own keys (built loosely by some caller) loses the rest.
    const extra = new StoreError('conflict', 'Duplicate', [{ path: '/email', rule: 'unique', message: 'taken', stack: 'at x', sql: 'select' } as ErrorDetail]);
    expect(toErrorResponse(extra, 'r').body.error.details).toEqual([{ path: '/email', rule: 'unique', message: 'taken' }]);
    const internalStore = new StoreError('internal', 'select * from secret');
    expect(toErrorResponse(internalStore, 'req-9').body.error).toEqual({ code: 'internal_error', message: 'an internal error occurred (request req-9)', details: [], requestId: 'req-9' });
    const meta = new MetaValidationError([{ document: 'object "x"', path: '/name', rule: 'pattern', message: 'bad' }]);
    expect(toErrorResponse(meta, 'r')).toMatchObject({ status: 422, body: { error: { code: 'metadata_invalid', details: [{ path: '/name', rule: 'pattern' }] } } });
    expect(toErrorResponse({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 'r').body.error.code).toBe('payload_too_large');
    expect(toErrorResponse({ statusCode: 429 }, 'r').body.error.code).toBe('rate_limited');
    expect(toErrorResponse({ statusCode: 405 }, 'r')).toMatchObject({ status: 405, body: { error: { code: 'bad_request' } } });
    expect(toErrorResponse({ validation: [{ instancePath: '', keyword: 'required', message: 'x', params: { missingProperty: 'email' } }] }, 'r').body.error.details).toEqual([
      { path: '/email', rule: 'required', message: 'x' },
    ]);
    // One base for every package's errors, one mapping: codes and statuses are the packages' own.
    expect(toErrorResponse(new GoalsError('kpi_invalid', 'bad', [], 422), 'r')).toMatchObject({ status: 422, body: { error: { code: 'kpi_invalid' } } });
    expect(toErrorResponse(new WorkflowError('self_approval', 'no'), 'r')).toMatchObject({ status: 403, body: { error: { code: 'self_approval' } } });
    expect(toErrorResponse(new SandboxError('capability_denied', 'no'), 'r')).toMatchObject({ status: 403, body: { error: { code: 'capability_denied' } } });
    expect(toErrorResponse(new SandboxError('worker_crashed', 'secret'), 'r').body.error.code).toBe('internal_error');
    expect([new GoalsError('x', 'y'), new WorkflowError('conflict', 'y'), new SandboxError('timeout', 'y'), meta].every(isAttainError)).toBe(true);
    const boom = toErrorResponse(new TypeError('cannot read property of undefined at /src/x.ts:1'), 'r2');
    expect(boom.status).toBe(500);
    expect(JSON.stringify(boom.body)).not.toContain('x.ts');
  });
});

describe('client JSON', () => {
  it('refuses prototype poisoning anywhere and reports syntax errors', () => {
    expect(parseClientJson('{"a":[{"b":1}]}')).toEqual({ a: [{ b: 1 }] });
    expect(codeOf(() => parseClientJson('{"__proto__":{"admin":true}}'))).toBe('forbidden_key');
    expect(codeOf(() => parseClientJson('{"a":{"constructor":{"prototype":{"x":1}}}}'))).toBe('forbidden_key');
    expect(codeOf(() => parseClientJson('{"a":{"prototype":1}}'))).toBe('forbidden_key');
    expect(codeOf(() => parseClientJson('{"a":'))).toBe('invalid_json');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('list query parsing', () => {
  it('parses filter, sort and paging', () => {
    expect(parseListQuery({ filter: '{"amount":{"gt":5}}', sort: '-amount,name', limit: '10', after: 'c', offset: '0', count: 'true', q: 'acme' })).toEqual({
      filter: { amount: { gt: 5 } },
      sort: [
        { field: 'amount', dir: 'desc' },
        { field: 'name', dir: 'asc' },
      ],
      limit: 10,
      after: 'c',
      offset: 0,
      withTotal: true,
      search: 'acme',
    });
    expect(parseListQuery({})).toEqual({ limit: 50 });
    expect(parseListQuery({ count: 'false', q: '  ' })).toEqual({ limit: 50, withTotal: false });
  });

  it('refuses SQL-looking sorts and bad numbers', () => {
    for (const sort of ['name; drop table deal', 'amount desc', '"name"', 'name,(select 1)', '--name', '']) {
      expect(codeOf(() => parseSort(sort))).toBe('invalid_sort');
    }
    expect(codeOf(() => parseSort(Array.from({ length: 9 }, (_, i) => `f${i}`).join(',')))).toBe('invalid_sort');
    expect(codeOf(() => parseListQuery({ limit: '0' }))).toBe('invalid_query');
    expect(codeOf(() => parseListQuery({ limit: '501' }))).toBe('invalid_query');
    expect(codeOf(() => parseListQuery({ limit: ['1', '2'] }))).toBe('invalid_query');
    expect(codeOf(() => parseListQuery({ count: 'yes' }))).toBe('invalid_query');
    expect(codeOf(() => parseListQuery({ q: 'x'.repeat(201) }))).toBe('invalid_query');
    expect(codeOf(() => parseListQuery({ filter: '[1]' }))).toBe('invalid_filter');
    expect(codeOf(() => parseListQuery({ filter: '{bad' }))).toBe('invalid_filter');
    expect(codeOf(() => parseListQuery({ filter: '{"__proto__":{}}' }))).toBe('forbidden_key');
  });
});

describe('CSV', () => {
  it('quotes, escapes formula injection and keeps numbers', () => {
    const csv = toCsv(
      ['name', 'amount', 'tags'],
      [
        { name: '=HYPERLINK("x")', amount: '-5.00', tags: ['a', 'b'] },
        { name: 'a,b', amount: null, tags: { x: 1 } },
      ],
      new Set(['amount']),
    );
    expect(csv).toBe('name,amount,tags\r\n"\'=HYPERLINK(""x"")",-5.00,a;b\r\n"a,b",,"{""x"":1}"\r\n');
  });
});

describe('LRU cache', () => {
  it('evicts the least recently used and builds keys safely', () => {
    const c = new LruCache<number>(2);
    c.getOrCreate('a', () => 1);
    c.getOrCreate('b', () => 2);
    c.get('a');
    c.getOrCreate('c', () => 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(cacheKey('t|1', 2)).not.toBe(cacheKey('t', '1|2'));
  });
});
