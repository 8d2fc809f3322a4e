// Issue 12, finding 12: 4,000 chained `1+1+…` overflowed the checker's stack (a 500) on every route
// that takes a formula. The parser now limits length and depth; these tests send the adversarial
// formulas and a fuzzed stream of formula texts over HTTP, as a client would.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH } from '@attain/formula';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { dealDoc } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await createTenant(store, 'secfx');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  for (const [i, amount] of [1, 99999.99, 0].entries()) await admin.post('/api/v1/objects/deal', { name: `D${i}`, amount, close_date: '2026-01-15' });
});
afterAll(async () => {
  await app.close();
});

const CHAIN = Array(4000).fill('1').join('+');
const DEEP_PARENS = '('.repeat(1000) + '1' + ')'.repeat(1000);
/** Deeper than the limit but short enough for documents that cap a formula's length (KPIs: 2,000). */
const DEEP_SHORT = Array(MAX_FORMULA_DEPTH + 50)
  .fill('amount')
  .join('+');
const TOO_LONG = '1+'.repeat(MAX_FORMULA_LENGTH / 2) + '1';

/** A deal document with one formula field and one validation rule using the given expressions. */
function dealWith(field: string, rule: string): Record<string, unknown> {
  const d = structuredClone(dealDoc) as unknown as { schema: { properties: Record<string, unknown> }; 'x-attain': Record<string, unknown> };
  d.schema.properties.calc = { type: 'number', 'x-attain': { id: 'fld_deal_calc', storage: 'decimal', formula: { expression: field } } };
  d['x-attain'].validationRules = [{ id: 'rule_fx', name: 'fx_rule', condition: rule, field: 'amount', message: { en: 'no' } }];
  return d as unknown as Record<string, unknown>;
}

/** Never a 500, never outside the API's shapes. */
function expectHandled(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
  const body = res.json();
  if (res.statusCode >= 400) {
    expect(body.error, what).toEqual({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
    expect(res.body).not.toMatch(/RangeError|Maximum call stack|\bat .+\.ts:\d+/);
  }
}

describe('formula size limits on every route that takes a formula', () => {
  it('/formula/check reports formula_too_deep and formula_too_long with a position', async () => {
    for (const [formula, code] of [
      [CHAIN, 'formula_too_deep'],
      [DEEP_PARENS, 'formula_too_deep'],
      [TOO_LONG, 'formula_too_long'],
    ] as const) {
      const res = await admin.post('/api/v1/formula/check', { object: 'deal', formula });
      expect(res.statusCode).toBe(200);
      expect(res.json().ok).toBe(false);
      expect(res.json().errors[0]).toMatchObject({ code, line: 1, column: expect.any(Number), offset: expect.any(Number), message: expect.any(String) });
    }
    const zh = await app.inject({
      method: 'POST',
      url: '/api/v1/formula/check?locale=zh-CN',
      headers: { authorization: `Bearer ${await login(app, t.name, t.users.admin.email)}` },
      payload: { object: 'deal', formula: CHAIN },
    });
    expect(zh.json().errors[0].message).toMatch(/嵌套/);
  });

  it('/formula/preview answers 422 formula_invalid naming the rule, on both engines', async () => {
    for (const engine of ['sql', 'sandbox']) {
      for (const [formula, code] of [
        [CHAIN, 'formula_too_deep'],
        [TOO_LONG, 'formula_too_long'],
      ] as const) {
        const res = await admin.post(`/api/v1/formula/preview?engine=${engine}`, { object: 'deal', formula });
        expect(res.statusCode, res.body.slice(0, 200)).toBe(422);
        expect(res.json().error).toMatchObject({ code: 'formula_invalid', details: [{ path: '/formula', rule: code }] });
      }
    }
  });

  it('the deepest formula allowed still previews on both engines', async () => {
    const deepest = Array(MAX_FORMULA_DEPTH - 1)
      .fill('amount')
      .join('+');
    for (const engine of ['sql', 'sandbox']) {
      const res = await admin.post(`/api/v1/formula/preview?engine=${engine}`, { object: 'deal', formula: deepest });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(new Set(res.json().rows.map((r: { value: string }) => r.value))).toEqual(new Set(['0.00', '199.00', '19899998.01']));
    }
  });

  it('metadata plan and apply refuse formula fields and rules that are too deep, applying nothing', async () => {
    const before = (await admin.get('/api/v1/metadata/revisions')).json().data[0].revision;
    for (const doc of [dealWith(CHAIN, 'amount > 0'), dealWith('amount', `${CHAIN} > 0`), dealWith(TOO_LONG, 'amount > 0')]) {
      for (const url of ['/api/v1/metadata/plan', '/api/v1/metadata/apply']) {
        const res = await admin.post(url, { documents: [doc] });
        expectHandled(res, url);
        expect(res.statusCode).toBe(422);
        expect(res.json().error.code).toBe('metadata_invalid');
        expect(res.json().error.details[0]).toMatchObject({ rule: 'formula', message: expect.stringMatching(/too deeply|too long/) });
      }
    }
    expect((await admin.get('/api/v1/metadata/revisions')).json().data[0].revision).toBe(before);
  });

  it('KPIs and automations take the same limits without a 500', async () => {
    const kpi = { kind: 'kpi', id: 'kpi_fx', name: 'fx', label: { en: 'Fx' }, object: 'deal', measure: { aggregate: 'sum', value: DEEP_SHORT }, dateField: 'close_date', unit: 'number' };
    const k = await admin.put('/api/v1/goals/kpis/fx', kpi);
    expectHandled(k, 'kpi');
    expect(k.statusCode).toBe(422);
    expect(k.body).toMatch(/too deeply/);
    const automation = {
      kind: 'automation',
      id: 'auto_fx',
      name: 'fx',
      label: { en: 'Fx' },
      object: 'deal',
      trigger: { type: 'record', on: ['create'] },
      condition: `${DEEP_SHORT} > 0`,
      actions: [{ type: 'update', set: { notes: '="x"' } }],
    };
    const a = await admin.put('/api/v1/workflow/automations/fx', automation);
    expectHandled(a, 'automation');
    expect(a.statusCode).toBe(422);
  });
});

describe('fuzzed formulas over HTTP', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      'amount',
      'name',
      'stage',
      'close_date',
      'customer_id.name',
      'nope',
      'IF(',
      'ROUND(',
      'SUM(',
      'MAX(',
      'DATEDIFF(',
      'TEXT(',
      '(',
      ')',
      ',',
      '+',
      '-',
      '*',
      '/',
      '^',
      '&',
      '=',
      '<>',
      '%',
      ' AND ',
      ' OR ',
      'NOT ',
      '"',
      '""',
      '.',
      'TRUE',
      'NULL',
    ),
    fc.integer({ min: -1e9, max: 1e9 }).map(String),
    fc.constantFrom('9'.repeat(300), '1e308', '0.0000000000000000000001', '\u0000', '\ud800', '\u202e', '😀', '金额', '\uffff', '\n'),
    fc.string({ unit: 'binary', maxLength: 5 }),
  );
  const formula = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: 30 }).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => '('.repeat(n) + 'amount' + ')'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 4500 }).map((n) => Array(n).fill('amount').join('+')) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }).map((n) => '"' + 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => '-'.repeat(n) + 'amount') },
  );

  it('POST /formula/check: a verdict or a clear 4xx, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(formula, async (f) => {
        const res = await admin.post('/api/v1/formula/check', { object: 'deal', formula: f, kind: f.length % 2 ? 'field' : 'rule' });
        expectHandled(res, JSON.stringify(f.slice(0, 80)));
        if (res.statusCode === 200) {
          const body = res.json();
          if (body.ok) expect(body.type).toEqual(expect.any(String));
          else expect(body.errors[0]).toMatchObject({ code: expect.any(String), line: expect.any(Number), column: expect.any(Number) });
        }
      }),
      { numRuns: 250, seed: 2026 },
    );
  }, 120_000);

  it('POST /formula/preview: values or a clear 4xx on both engines, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(formula, fc.constantFrom('sql', 'sandbox'), async (f, engine) => {
        const res = await admin.post(`/api/v1/formula/preview?engine=${engine}`, { object: 'deal', formula: f });
        expectHandled(res, `${engine} ${JSON.stringify(f.slice(0, 80))}`);
        if (res.statusCode === 200) expect(res.json().rows).toHaveLength(3);
      }),
      { numRuns: 120, seed: 7 },
    );
  }, 180_000);
});
