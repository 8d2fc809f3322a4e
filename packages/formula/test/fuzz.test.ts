// Fuzzing the formula language: random and adversarial texts through parse, check and both
// compilers. Whatever comes in, the answer is a value (a checked formula that compiles) or a list
// of diagnostics with a code and a position — never an exception, never a stack overflow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, compileJs, compileSql, MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, parse, type FormulaError } from '../src/index.ts';
import { schema } from './fixture.ts';

const FIELDS = ['amount', 'cost', 'rate', 'qty', 'score', 'won', 'close_date', 'name', 'stage', 'customer.tier', 'owner.quota', 'customer.orders', 'nope', 'customer.nope'];
const FUNCS = ['IF', 'AND', 'OR', 'NOT', 'ROUND', 'SUM', 'MIN', 'MAX', 'ABS', 'COUNT', 'DATEDIFF', 'TIER', 'LOOKUP', 'ISBLANK', 'TEXT', 'NOPE'];
const OPS = ['+', '-', '*', '/', '^', '&', '=', '<>', '<', '<=', '>', '>=', ' AND ', ' OR ', '%'];

/** Pieces that look like the language, so random text reaches deep into parser and checker. */
const token = fc.oneof(
  fc.constantFrom(...FIELDS, ...FUNCS.map((f) => `${f}(`), ...OPS, '(', ')', ',', '.', '"', '""', ' ', '\n', 'TRUE', 'NULL', '-', 'NOT '),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.constantFrom('9'.repeat(400), '0.000000000000000000001', '1e308', '1.5.5', '.5', '00012'),
  fc.string({ maxLength: 6 }).map((s) => `"${s.replace(/"/g, '""')}"`),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\u3000', '\u00a0', '😀', '金额', '\uffff', '\t', '\r'),
);

/** Adversarial shapes: the ones that broke or could break a recursive implementation. */
const adversarial = fc.oneof(
  fc.integer({ min: 1, max: 3000 }).map((n) => '('.repeat(n) + '1' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => '('.repeat(n)),
  fc.integer({ min: 1, max: 4000 }).map((n) => Array(n).fill('1').join('+')),
  fc.integer({ min: 1, max: 2000 }).map((n) => Array(n).fill('amount').join('*')),
  fc.integer({ min: 1, max: 3000 }).map((n) => '-'.repeat(n) + '1'),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'NOT '.repeat(n) + 'won'),
  fc.integer({ min: 1, max: 3000 }).map((n) => '1' + '%'.repeat(n)),
  fc.integer({ min: 1, max: 1000 }).map((n) => 'ABS('.repeat(n) + 'amount' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 1000 }).map((n) => 'IF(won,'.repeat(n) + '1' + ',0)'.repeat(n)),
  fc.integer({ min: 1, max: 2000 }).map((n) => `MAX(${Array(n).fill('amount').join(',')})`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '"' + 'x'.repeat(n)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '9'.repeat(n)),
  fc.integer({ min: 1, max: 5000 }).map((n) => 'customer' + '.owner'.repeat(n)),
  fc.integer({ min: 7990, max: 8010 }).map((n) => '1' + ' '.repeat(n - 1)),
);

function assertOutcome(source: string): void {
  let result: ReturnType<typeof check>;
  try {
    result = check(source, { schema, root: 'deal' });
  } catch (error) {
    throw new Error(`check threw on ${JSON.stringify(source.slice(0, 120))}: ${String(error)}`);
  }
  if (result.ok) {
    // What checks must compile on both back ends.
    expect(() => compileSql(result, { alias: 't' })).not.toThrow();
    expect(() => compileJs(result)).not.toThrow();
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) assertDiagnostic(e, source);
}

function assertDiagnostic(e: FormulaError, source: string): void {
  expect(typeof e.code).toBe('string');
  expect(e.message.en.length).toBeGreaterThan(0);
  expect(e.line).toBeGreaterThanOrEqual(1);
  expect(e.column).toBeGreaterThanOrEqual(1);
  expect(e.offset).toBeGreaterThanOrEqual(0);
  expect(e.offset).toBeLessThanOrEqual(source.length);
}

describe('formula fuzz', () => {
  it('random token soup parses and checks to a value or diagnostics', () => {
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }).map((parts) => parts.join('')),
        assertOutcome,
      ),
      { numRuns: 400, seed: 12_345 },
    );
  });

  it('random text of any characters never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), assertOutcome), { numRuns: 300, seed: 4242 });
  });

  it('adversarial shapes (deep nesting, long chains, huge literals) get a limit error or a value', () => {
    fc.assert(fc.property(adversarial, assertOutcome), { numRuns: 150, seed: 777 });
  });

  it('refuses over-long and over-deep formulas with their codes and a position', () => {
    const long = parse('1+'.repeat(MAX_FORMULA_LENGTH));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.errors[0]).toMatchObject({ code: 'formula_too_long', line: 1, column: MAX_FORMULA_LENGTH + 1, offset: MAX_FORMULA_LENGTH });
    const multiline = parse('1+\n'.repeat(MAX_FORMULA_LENGTH));
    if (!multiline.ok) expect(multiline.errors[0]).toMatchObject({ code: 'formula_too_long', line: Math.floor(MAX_FORMULA_LENGTH / 3) + 1, column: (MAX_FORMULA_LENGTH % 3) + 1 });
    // 4,000 chained additions: short enough, but a tree far deeper than the limit.
    const chain = parse(Array(4000).fill('1').join('+'));
    expect(chain.ok).toBe(false);
    if (!chain.ok) expect(chain.errors[0]!.code).toBe('formula_too_deep');
    const parens = parse('('.repeat(MAX_FORMULA_DEPTH + 1) + '1' + ')'.repeat(MAX_FORMULA_DEPTH + 1));
    if (!parens.ok) expect(parens.errors[0]).toMatchObject({ code: 'formula_too_deep', line: 1 });
    expect(parens.ok).toBe(false);
    // Just inside the limits still works on every stage.
    const ok = Array(MAX_FORMULA_DEPTH - 1)
      .fill('amount')
      .join('+');
    const checked = check(ok, { schema, root: 'deal' });
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(() => compileSql(checked, { alias: 't' })).not.toThrow();
      expect(() => compileJs(checked)).not.toThrow();
    }
  });
});
