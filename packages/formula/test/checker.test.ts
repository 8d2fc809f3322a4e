// Parser and checker diagnostics, SQL injection attempts, registry extension by a plugin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compileJs, compileSql, createFunctionRegistry, createRuntime, parse, sqlFragment, type FormulaError } from '../src/index.ts';
import { closest } from '../src/diagnostics.ts';
import { ident } from '../src/sqlfrag.ts';
import { compileAll, evalJs, evalSql, JsRunner, openDb, schema, seed, type Db } from './fixture.ts';

const errs = (f: string, root = 'deal'): FormulaError[] => {
  const r = check(f, { schema, root });
  return r.ok ? [] : r.errors;
};

describe('parser errors', () => {
  it.each([
    ['1 +', 'UNEXPECTED_END', 1, 4],
    ['(1', 'UNEXPECTED_END', 1, 3],
    ['"abc', 'UNTERMINATED_TEXT', 1, 1],
    ['1 $ 2', 'UNEXPECTED_CHAR', 1, 3],
    ['', 'EMPTY_FORMULA', 1, 1],
    ['IF(1,\n  2 3)', 'UNEXPECTED_TOKEN', 2, 5],
    ['a.', 'UNEXPECTED_END', 1, 3],
    [')', 'UNEXPECTED_TOKEN', 1, 1],
  ])('%j -> %s at %i:%i', (f, code, line, column) => {
    const r = parse(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ code, line, column });
    expect(r.errors[0]!.message['zh-CN']).not.toBe('');
    expect(r.errors[0]!.message['zh-CN']).not.toMatch(/^[A-Za-z ]+$/);
  });
  it('refuses very deep nesting without a stack overflow', () => {
    expect(parse('('.repeat(500) + '1' + ')'.repeat(500)).ok).toBe(false);
  });
  it('accepts full-width brackets and commas and multi-line formulas', () => {
    expect(parse('IF（TRUE，1，2）').ok).toBe(true);
    expect(check('IF(won,\n  amount,\n  0)', { schema, root: 'deal' }).ok).toBe(true);
  });
});

describe('checker errors', () => {
  it('unknown field with a did-you-mean hint, position and zh-CN text', () => {
    const [e] = errs('1 + ammount');
    expect(e).toMatchObject({ code: 'UNKNOWN_FIELD', line: 1, column: 5, offset: 4, length: 7 });
    expect(e!.hint.en).toBe('Did you mean "amount"?');
    expect(e!.hint['zh-CN']).toContain('amount');
    expect(e!.message['zh-CN']).toContain('ammount');
  });
  it('unknown field deep in a path', () => {
    const [e] = errs('customer.owner.nme');
    expect(e).toMatchObject({ code: 'UNKNOWN_FIELD' });
    expect(e!.hint.en).toContain('name');
    expect(errs('customer.zzzzzzzz')[0]!.hint.en).toContain('Check the spelling');
  });
  it('unknown function with hint', () => {
    const [e] = errs('ROUDN(amount, 2)');
    expect(e).toMatchObject({ code: 'UNKNOWN_FUNCTION', column: 1, length: 5 });
    expect(e!.hint.en).toContain('ROUND');
  });
  it.each([
    ['amount + close_date', 'OPERATOR_TYPE', 'Money and dates'],
    ['amount + rate', 'OPERATOR_TYPE', 'percent'],
    ['amount * amount', 'OPERATOR_TYPE', ''],
    ['qty / amount', 'OPERATOR_TYPE', ''],
    ['name * 2', 'OPERATOR_TYPE', ''],
    ['won AND 1', 'OPERATOR_TYPE', ''],
    ['close_date + close_date', 'OPERATOR_TYPE', ''],
    ['name = 1', 'OPERATOR_TYPE', ''],
    ['-name', 'UNARY_TYPE', ''],
    ['NOT 1', 'UNARY_TYPE', ''],
    ['ROUND(1, 2, 3)', 'ARG_COUNT', ''],
    ['IF(TRUE)', 'ARG_COUNT', ''],
    ['ROUND("a", 2)', 'ARG_TYPE', ''],
    ['IF(1, 2, 3)', 'ARG_TYPE', ''],
    ['IF(TRUE, 1, "a")', 'INCOMPATIBLE_TYPES', ''],
    ['IFS(TRUE, 1, FALSE)', 'ARG_COUNT', ''],
    ['IFS(1, 1)', 'NOT_BOOLEAN', ''],
    ['SWITCH(name, 1, 2)', 'INCOMPATIBLE_TYPES', ''],
    ['DATEDIFF(close_date, start_date, "week")', 'LITERAL_REQUIRED', ''],
    ['DATEDIFF(close_date, start_date, stage)', 'LITERAL_REQUIRED', ''],
    ['TEXT(amount, "YYYY")', 'ARG_TYPE', ''],
    ['TEXT(close_date, "0.00")', 'ARG_TYPE', ''],
    ['TEXT(amount, "#,##0")', 'LITERAL_REQUIRED', ''],
    ['MIN(won, won)', 'ARG_TYPE', ''],
    ['lines', 'COLLECTION_OUTSIDE_AGGREGATE', 'SUM(orders.amount)'],
    ['lines.amount + 1', 'COLLECTION_OUTSIDE_AGGREGATE', ''],
    ['SUM(lines)', 'COLLECTION_OUTSIDE_AGGREGATE', ''],
    ['COUNT(amount)', 'COLLECTION_OUTSIDE_AGGREGATE', ''],
    ['AVG(1, 2)', 'COLLECTION_OUTSIDE_AGGREGATE', ''],
    ['SUM(lines.amount, lines.product)', 'NOT_BOOLEAN', ''],
    ['SUM(lines.product)', 'ARG_TYPE', ''],
    ['MAX(lines.amount > 0)', 'ARG_TYPE', ''],
    ['SUM(lines.amount, TRUE, 1)', 'ARG_COUNT', ''],
    ['SUM(lines.amount + customer.orders.amount)', 'NESTED_AGGREGATE', ''],
    ['SUM(lines.amount, SUM(lines.qty) > 1)', 'NESTED_AGGREGATE', ''],
    ['name.first', 'NOT_A_RELATION', ''],
    ['TIER(amount, nope)', 'UNKNOWN_TABLE', ''],
    ['TIER(amount, region_bonus)', 'TABLE_KIND', ''],
    ['LOOKUP(1, region_bonus)', 'ARG_TYPE', ''],
    ['LOOKUP(name, stage_prob)', 'ARG_TYPE', ''],
    ['TIER(amount, commission, "linear")', 'LITERAL_REQUIRED', ''],
  ])('%s -> %s', (f, code, hintPart) => {
    const e = errs(f);
    expect(e.length).toBeGreaterThan(0);
    expect(e[0]!.code).toBe(code);
    expect(e[0]!.message.en.length).toBeGreaterThan(0);
    expect(e[0]!.message['zh-CN'].length).toBeGreaterThan(0);
    if (hintPart) expect(e[0]!.hint.en).toContain(hintPart);
  });
  it('reports several errors at once', () => {
    expect(errs('ammount + costt').map((e) => e.code)).toEqual(['UNKNOWN_FIELD', 'UNKNOWN_FIELD']);
    expect(errs('ROUND(ammount, 1, 2)').map((e) => e.code)).toEqual(['ARG_COUNT', 'UNKNOWN_FIELD']);
  });
  it('unknown root object', () => {
    expect(errs('1', 'nope')[0]!.code).toBe('UNKNOWN_OBJECT');
  });
  it('never throws on garbage input', () => {
    for (const f of ['"', '((((', '1..2', 'a.b.c.d.e', 'IF(,)', ',', '%', '1 2', '€', 'NULL(1)', 'SUM()', 'COUNT()', 'TRUE.x']) {
      expect(() => check(f, { schema, root: 'deal' })).not.toThrow();
    }
  });
  it('types results', () => {
    const t = (f: string) => {
      const r = check(f, { schema, root: 'deal' });
      return r.ok ? r.type : r.errors[0]!.code;
    };
    expect(t('amount + cost')).toBe('money');
    expect(t('amount * 2')).toBe('money');
    expect(t('amount / cost')).toBe('number');
    expect(t('amount / 2')).toBe('money');
    expect(t('rate * rate')).toBe('percent');
    expect(t('qty + qty')).toBe('integer');
    expect(t('close_date - start_date')).toBe('integer');
    expect(t('close_date + 1')).toBe('date');
    expect(t('IF(won, amount, 0)')).toBe('money');
    expect(t('IF(won, amount, rate)')).toBe('number');
    expect(t('12%')).toBe('percent');
    expect(t('amount%')).toBe('money');
    expect(t('"a" & 1')).toBe('text');
    expect(t('COUNT(lines)')).toBe('integer');
    expect(t('AVG(lines.qty)')).toBe('number');
    expect(t('SUM(lines.amount)')).toBe('money');
    expect(t('LOOKUP("east", region_bonus)')).toBe('number');
    expect(t('TIER(amount, commission)')).toBe('money');
  });
  it('closest() suggests only near names', () => {
    expect(closest('amont', ['amount', 'cost'])).toBe('amount');
    expect(closest('xyzzy', ['amount', 'cost'])).toBeUndefined();
  });
});

describe('SQL safety', () => {
  it('binds every literal, including injection attempts', () => {
    const evil = `x'); DROP TABLE deal; --`;
    const r = check(`"${evil}" & name`, { schema, root: 'deal' });
    if (!r.ok) throw new Error('check failed');
    const c = compileSql(r, { alias: 't' });
    expect(c.sql).not.toContain('DROP');
    expect(c.bindings).toContain(evil);
    const r2 = check('amount * 1.5 > 100', { schema, root: 'deal' });
    if (!r2.ok) throw new Error('check failed');
    const c2 = compileSql(r2, { alias: 't' });
    expect(c2.sql).not.toMatch(/1\.5|100/);
    expect(c2.bindings).toEqual(['1.5', '100']);
  });
  it('refuses field names that are not in the schema', () => {
    for (const f of ['amount"; DROP TABLE deal; --', 'amount; DROP TABLE deal', '"t"."amount"', 'pg_sleep(10)']) {
      expect(check(f, { schema, root: 'deal' }).ok).toBe(false);
    }
  });
  it('quotes identifiers through one helper that refuses bad names', () => {
    expect(ident('deal').sql).toBe('"deal"');
    for (const bad of ['Deal', 'a"b', 'a b', '', '1a', 'x'.repeat(64)]) expect(() => ident(bad)).toThrow();
    const r = check('amount', { schema, root: 'deal' });
    if (!r.ok) throw new Error('check failed');
    expect(() => compileSql(r, { alias: 't"; --' })).toThrow();
    expect(() => compileSql(r, { alias: 't', schema: 'Bad"Schema' })).toThrow();
    expect(() => compileSql(r, { alias: 't', today: "2026-01-01'; --" })).toThrow();
    expect(() => compileJs(r, { today: 'tomorrow' })).toThrow();
    const bad = { ...schema, object: (n: string) => (n === 'deal' ? { name: 'deal', table: 'deal', field: () => ({ name: 'x', column: 'x"; DROP', type: 'number' as const }) } : undefined) };
    const r3 = check('x', { schema: bad, root: 'deal' });
    if (!r3.ok) throw new Error('check failed');
    expect(() => compileSql(r3, { alias: 't' })).toThrow(/invalid SQL identifier/);
  });
  it('JS source embeds text literals as JSON strings', () => {
    const r = check('"""); globalThis.x = 1; //" & name', { schema, root: 'deal' });
    if (!r.ok) throw new Error('check failed');
    const js = compileJs(r);
    expect(js.source).toContain(JSON.stringify('"); globalThis.x = 1; //'));
    expect(js.inputs).toEqual(['name']);
  });
});

describe('runtime on the host (pure functions)', () => {
  const R = createRuntime();
  it('parses and prints decimals', () => {
    expect(R.decText(R.inDec('1e-3')!)).toBe('0.001');
    expect(R.decText(R.inDec(0.1)!)).toBe('0.1');
    expect(R.decText(R.inDec(12n)!)).toBe('12');
    expect(R.decText(R.inDec('-.5')!)).toBe('-0.5');
    expect(R.decText(R.inDec('1.5E2')!)).toBe('150');
    expect(R.inDec(null)).toBeNull();
    expect(() => R.inDec('abc')).toThrow();
    expect(() => R.inDec({})).toThrow();
    expect(() => R.inDec(Number.NaN)).toThrow();
    expect(() => R.inDate('2026-02-30')).toThrow();
    expect(() => R.inDate(5)).toThrow();
    expect(() => R.inDateTime('nope')).toThrow();
    expect(R.inDateTime(null)).toBeNull();
    expect(R.inBool('t')).toBe(true);
    expect(R.out('datetime', R.inDateTime('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(R.text('datetime', 0)).toBe('1970-01-01T00:00:00.000Z');
    expect(R.today(null)).toBeGreaterThan(20000);
    expect(R.run(() => R.div(R.inDec('1'), R.inDec('0')), 'number')).toEqual({ error: '#DIV/0!' });
    expect(() =>
      R.run(() => {
        throw new Error('bug');
      }, 'number'),
    ).toThrow('bug');
    expect(R.aggregate('SUM', 'dec', null, () => [true, null])).toEqual(R.inDec('0'));
    expect(R.pow(R.inDec('4'), R.inDec('0.5'))).toEqual(R.inDec('2'));
  });
});

describe('plugin functions', () => {
  let db: Db;
  let js: JsRunner;
  beforeAll(async () => {
    db = await openDb();
    await seed(db);
    js = new JsRunner();
  });
  afterAll(async () => {
    js.dispose();
    await db.close();
  });
  it('a plugin registers a function that both back ends run', async () => {
    const functions = createFunctionRegistry();
    functions.register({
      name: 'double_it',
      params: [{ name: 'value', type: 'numeric' }],
      returns: (t) => t[0] ?? 'number',
      sql: ([a]) => ({ v: sqlFragment`(${a!.v} * 2)` }),
      js: ([a]) => `R.mul(${a}, R.dec("2", 0))`,
    });
    expect(functions.has('DOUBLE_IT')).toBe(true);
    expect(() => functions.register({ ...functions.get('ABS')!, name: 'bad name' })).toThrow();
    const r = check('DOUBLE_IT(amount) + 1', { schema, root: 'deal', functions });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.type).toBe('money');
    expect(check('DOUBLE_IT(amount)', { schema, root: 'deal' }).ok).toBe(false);
    const items = [{ formula: 'DOUBLE_IT(amount) + 1', checked: r }, ...compileAll(['amount'])];
    const s = await evalSql(db, items);
    const j = await evalJs(db, js, items);
    expect(s[0]).toEqual(['24692.34', null, '1', '-20']);
    expect(j).toEqual(s);
  });
  it('errors go to errorSql while sql is NULL, usable in WHERE', async () => {
    const r = check('amount / qty > 1000', { schema, root: 'deal' });
    if (!r.ok) throw new Error('check failed');
    const c = compileSql(r, { alias: 't', schema: db.schemaName });
    expect(c.errorSql).not.toBeNull();
    let i = 0;
    const rows = await db.query(`SELECT "t"."n" FROM "${db.schemaName}"."deal" AS "t" WHERE ${c.sql.replace(/\?/g, () => `$${++i}`)} ORDER BY "t"."n"`, c.bindings);
    expect(rows.map((x) => x.n)).toEqual([1]);
  });
});
