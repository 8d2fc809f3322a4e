// The safe-integer fast path of the JS back end: it must give exactly what the general BigInt
// path gives (text with PostgreSQL's scale, or the nearest double), fall back on overflow, NULL,
// odd input and errors, and be used for the numeric subset. Runs in a real isolate.
import fc from 'fast-check';
import ivm from 'isolated-vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compileJs, createRuntime, formulaRuntimeSource, type CompileJsOptions } from '../src/index.ts';
import { schema } from './fixture.ts';

let isolate: ivm.Isolate;
let context: ivm.Context;
beforeAll(() => {
  isolate = new ivm.Isolate({ memoryLimit: 128 });
  context = isolate.createContextSync();
  context.evalSync(formulaRuntimeSource);
});
afterAll(() => isolate.dispose());

type Cols = Record<string, unknown[]>;
/** Run a formula in the isolate; `typed` columns travel as Float64Array (as the sandbox sends them). */
function run(formula: string, columns: Cols, opts: CompileJsOptions = {}, typed: string[] = []): { out: unknown[]; fast: boolean; typedOut: boolean } {
  const c = check(formula, { schema, root: 'deal' });
  if (!c.ok) throw new Error(`${formula}: ${c.errors.map((e) => e.message.en).join('; ')}`);
  const js = compileJs(c, { today: '2026-03-15', ...opts });
  const rowCount = Object.values(columns)[0]?.length ?? 1;
  context.global.setSync('__cols', new ivm.ExternalCopy(columns).copyInto());
  context.global.setSync('__typed', new ivm.ExternalCopy(typed).copyInto());
  const code = `(() => { const cols = __cols; for (const k of __typed) cols[k] = Float64Array.from(cols[k]);
    const out = (${js.source})(cols, ${rowCount});
    const typedOut = out instanceof Float64Array;
    return JSON.stringify({ typedOut, out: Array.from(out, (x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) }); })()`;
  const res = JSON.parse(context.evalSync(code) as string) as { out: unknown[]; typedOut: boolean };
  return { ...res, fast: js.fast };
}
/** Fast and general paths side by side, text and numeric output. */
function agree(formula: string, columns: Cols, typed: string[] = []): unknown[] {
  const slow = run(formula, columns, { fastPath: false }).out;
  const fast = run(formula, columns, {}, typed);
  expect(fast.out, formula).toEqual(slow);
  const num = run(formula, columns, { numericOutput: true }, typed).out;
  const nonFinite = (x: number) => (x === 0 ? 0 : Number.isFinite(x) ? x : String(x)); // JSON has no -0
  const want = slow.map((v) => (typeof v === 'string' ? nonFinite(Number(v)) : v === null ? 'NaN' : v));
  expect(
    num.map((v) => (v === null ? 'NaN' : v)),
    formula,
  ).toEqual(want);
  return fast.out;
}

describe('fast path', () => {
  it('is compiled for the numeric subset and not for text, dates, aggregates', () => {
    expect(run('amount * 2', { amount: ['1'] }).fast).toBe(true);
    expect(run('TIER(amount, commission, "step") + LOOKUP(qty, stage_prob)', { amount: ['1'], qty: [1] }).fast).toBe(true);
    expect(run('LEN(name)', { name: ['x'] }).fast).toBe(false);
    expect(run('SUM(lines.amount)', { lines: [[]] }).fast).toBe(false);
    expect(run('IF(won, amount, NULL)', { won: [true], amount: ['1'] }).fast).toBe(false);
    expect(run('YEAR(close_date)', { close_date: ['2026-01-01'] }).fast).toBe(false);
  });

  it('is exact: 0.1 + 0.2, half away from zero at the cent, division scale', () => {
    expect(agree('score + 0.2', { score: [0.1, '0.1', '0.10'] })).toEqual(['0.3', '0.3', '0.30']);
    expect(agree('ROUND(amount * 0.5, 2)', { amount: ['0.05', '-0.05', '0.01', '-0.03', '2.35'] })).toEqual(['0.03', '-0.03', '0.01', '-0.02', '1.18']);
    expect(agree('ROUNDUP(score, 1) + ROUNDDOWN(score, -1) + ROUND(score, -2)', { score: ['-1234.5678', '1234.5678', '0', '50'] })).toEqual(['-3664.6', '3664.6', '0.0', '200.0']);
    expect(agree('amount / 3', { amount: ['1.00', '-2.00', '10', '0'] })).toEqual(['0.3333333333', '-0.6666666667', '3.3333333333', '0.0000000000']);
    expect(agree('score / rate', { score: ['1', '123456.789', '0.0001'], rate: ['7.0000', '0.03', '3000000'] })).toEqual(['0.1428571429', '4115226.3000000000', '0.0000000000']);
    expect(agree('(amount + 0.005) * 3', { amount: [12.5, 12, 0.1] }, ['amount'])).toEqual(['37.515', '36.015', '0.315']);
  });

  it('falls back on overflow, NULL, odd input and errors', () => {
    const big = '90071992547409.91';
    expect(agree('amount * 1000', { amount: [big, '1.00'] })).toEqual(['90071992547409910.00', '1000.00']);
    expect(agree('amount * score * score', { amount: ['123456789.12', '-1.50'], score: ['98765.4321', '1.5'] })).toEqual(['1204272901063485880.5964387392', '-3.3750']);
    expect(agree('amount + 1', { amount: [null, ' 5', '1e3', 'x', '12345678901234567890.12', 1e300] })).toEqual(
      [null, '6', '1001', { error: '#VALUE!' }, '12345678901234567891.12', null].map((v, i) => (i === 5 ? run('amount + 1', { amount: [1e300] }, { fastPath: false }).out[0] : v)),
    );
    expect(agree('amount / qty', { amount: ['1.00', '1.00'], qty: [0, 3] })).toEqual([{ error: '#DIV/0!' }, '0.3333333333']);
    expect(agree('LOOKUP(qty, stage_prob) * 2', { qty: [2, 9] })).toEqual(['1.0', { error: '#N/A' }]);
    expect(agree('IFS(qty > 5, 1, qty > 2, 2)', { qty: [6, 3, 1] })).toEqual(['1', '2', { error: '#N/A' }]);
    expect(agree('IF(qty > 5, amount)', { qty: [6, 1], amount: ['2.50', '1.00'] })).toEqual(['2.50', null]);
    expect(agree('score * 1', { score: ['0.123456'] })).toEqual(['0.123456']);
  });

  it('numeric output: Float64Array, or a plain array when a row has an error', () => {
    const ok = run('amount * 5%', { amount: [10, 0.1, -3] }, { numericOutput: true }, ['amount']);
    expect(ok.typedOut).toBe(true);
    expect(ok.out).toEqual([0.5, 0.005, -0.15]);
    const bad = run('amount / qty', { amount: ['1', null, '3'], qty: [2, 1, 0] }, { numericOutput: true });
    expect(bad.typedOut).toBe(false);
    expect(bad.out).toEqual([0.5, null, { error: '#DIV/0!' }]);
    const text = check('UPPER(name)', { schema, root: 'deal' });
    expect(text.ok && compileJs(text, { numericOutput: true }).numericOutput).toBe(false);
  });

  it('input scales can be set per path', () => {
    expect(run('score * 2', { score: ['1.123456'] }, { inputScales: { score: 6 } }).out).toEqual(['2.246912']);
    const c = check('score * 2', { schema, root: 'deal' });
    expect(() => c.ok && compileJs(c, { inputScales: { score: 99 } })).toThrow(/scale/);
  });

  it('agrees with the general path on random numeric formulas and inputs', () => {
    const num: fc.Arbitrary<string> = fc.letrec<{ n: string; b: string }>((tie) => ({
      n: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('amount', 'cost', 'rate', 'qty', 'score', '0.1', '3', '12%', '1e3', '0.005'),
        fc.tuple(tie('n'), fc.constantFrom('+', '-', '*', '/'), tie('n')).map(([a, o, b]) => `(${a} ${o} ${b})`),
        fc.tuple(fc.constantFrom('ROUND', 'ROUNDUP', 'ROUNDDOWN'), tie('n'), fc.integer({ min: -3, max: 4 })).map(([f, a, k]) => `${f}(${a}, ${k})`),
        tie('n').map((a) => `ABS(-${a})`),
        fc.tuple(tie('n'), fc.integer({ min: 0, max: 3 })).map(([a, k]) => `POWER(${a}, ${k})`),
        fc.tuple(fc.constantFrom('MIN', 'MAX', 'SUM', 'COALESCE'), tie('n'), tie('n')).map(([f, a, b]) => `${f}(${a}, ${b})`),
        fc.tuple(tie('b'), tie('n'), tie('n')).map(([c, a, b]) => `IF(${c}, ${a}, ${b})`),
        fc.tuple(tie('b'), tie('n'), tie('n')).map(([c, a, b]) => `IFS(${c}, ${a}, TRUE, ${b})`),
        fc.tuple(tie('n'), fc.constantFrom('marginal', 'step')).map(([a, m]) => `TIER(${a}, commission, "${m}")`),
        tie('n').map((a) => `LOOKUP(${a}, stage_prob)`),
        tie('n').map((a) => `(${a})%`),
      ),
      b: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('won', 'TRUE', 'FALSE'),
        fc.tuple(tie('n'), fc.constantFrom('=', '<>', '<', '<=', '>', '>='), tie('n')).map(([a, o, b]) => `(${a} ${o} ${b})`),
        fc.tuple(tie('b'), fc.constantFrom('AND', 'OR'), tie('b')).map(([a, o, b]) => `(${a} ${o} ${b})`),
        tie('b').map((a) => `NOT(${a})`),
        fc.tuple(tie('b'), tie('b'), tie('b')).map(([c, a, b]) => `IF(${c}, ${a}, ${b})`),
      ),
    })).n;
    const money = fc.oneof(
      fc.integer({ min: -2_000_000, max: 2_000_000 }).map((c) => (c / 100).toFixed(2)),
      fc.integer({ min: -2_000_000, max: 2_000_000 }).map((c) => c / 100),
      fc.constantFrom('90071992547409.91', '-0.00', '0.5', null, '1e2'),
    );
    const rows = 24;
    const col = <T>(a: fc.Arbitrary<T>) => fc.array(a, { minLength: rows, maxLength: rows });
    const colsArb = fc.record({
      amount: col(money),
      cost: col(money),
      rate: col(fc.integer({ min: -10000, max: 20000 }).map((x) => (x / 10000).toFixed(4))),
      qty: col(fc.integer({ min: -3, max: 5 })),
      score: col(
        fc.oneof(
          fc.integer({ min: -100000, max: 100000 }).map((x) => (x / 1000).toString()),
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        ),
      ),
      won: col(fc.boolean()),
    });
    fc.assert(
      fc.property(fc.array(num, { minLength: 5, maxLength: 5 }), colsArb, (formulas, cols) => {
        for (const f of formulas) if (check(f, { schema, root: 'deal' }).ok) agree(f, cols as Cols);
      }),
      { numRuns: 60, seed: Number(process.env.FORMULA_SEED ?? Date.now() % 1e9) },
    );
  });
});

describe('fast runtime helpers', () => {
  const R = createRuntime();
  it('parses inputs into scaled integers or NaN', () => {
    expect(R.fx('12.5', 2)).toBe(1250);
    expect(R.fxd()).toBe(1);
    expect(R.fx(12.25, 2)).toBe(1225);
    expect(R.fxd()).toBe(2);
    expect(R.fx(0.1, 4)).toBe(1000);
    expect(R.fxd()).toBe(1);
    expect(R.fx('+7', 0)).toBe(7);
    for (const bad of ['', '-', '1.2.3', '1e3', ' 1', '1.234', '99999999999999999']) expect(R.fx(bad, 2)).toBeNaN();
    for (const bad of [0.125, 1e300, Number.NaN, true, null]) expect(R.fx(bad, 2)).toBeNaN();
  });
  it('divides with PostgreSQL scale and rounding, refuses what it cannot do exactly', () => {
    expect(R.fdiv(1, 0, 3, 0)).toBe(3333333333);
    expect(R.fdiv(-2, 0, 3, 0)).toBe(-6666666667);
    expect(R.fdiv(1, 0, 0, 0)).toBeNaN();
    expect(R.fdiv(0, 0, 7, 0)).toBe(0);
    expect(R.fdiv(10 ** 15, 0, 3, 0)).toBeNaN();
    expect(R.fround(-12345, 2, 1, 0)).toBe(-1235);
    expect(R.fround(12345, 2, -2, 1)).toBe(200);
    expect(R.fround(12345, 2, 0, 2)).toBe(123);
    expect(R.fround(9007199254740991, 0, -15, 1)).toBeNaN();
    expect(R.ftext(-5, 2, 2)).toBe('-0.05');
    expect(R.ftext(1200, 2, 1)).toBe('12.0');
    expect(R.ftext(-0, 4, 0)).toBe('0');
  });
});
