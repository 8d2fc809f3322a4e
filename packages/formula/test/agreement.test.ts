// Property-based agreement: random well-typed formulas over random rows (nulls, money with
// cents, dates) must give identical results from the SQL back end (real database) and the JS
// back end (real isolate). Batched: one SQL query and one isolate call per 100 formulas.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { check } from '../src/index.ts';
import { compileAll, createFixture, evalJs, evalSql, insert, JsRunner, openDb, schema, uuid, type Db } from './fixture.ts';

let db: Db;
let js: JsRunner;

const ROWS = 16;
const alphabet = fc.constantFrom('a', 'B', 'z', 'é', '中', ' ', '"', "'", '-', '1');
const str = fc.string({ unit: alphabet, maxLength: 6 });
const money = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((c) => (c / 100).toFixed(2));
const day = fc.integer({ min: Date.UTC(2019, 0, 1) / 864e5, max: Date.UTC(2031, 11, 31) / 864e5 }).map((d) => new Date(d * 864e5).toISOString().slice(0, 10));
const nul = <T>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 5, nil: null });

const rowArb = fc.record({
  amount: nul(money),
  cost: nul(money),
  rate: nul(fc.integer({ min: -10000, max: 20000 }).map((x) => (x / 10000).toFixed(4))),
  qty: nul(fc.integer({ min: -5, max: 20 })),
  score: nul(fc.integer({ min: -100000, max: 100000 }).map((x) => (x / 1000).toString())),
  name: nul(str),
  stage: nul(fc.constantFrom('won', 'lost', 'open')),
  note: nul(str),
  won: nul(fc.boolean()),
  close_date: nul(day),
  start_date: nul(day),
  // References read as their id (uuid columns): compared, concatenated and measured like text.
  customer_id: nul(fc.constantFrom('00000000-0000-4000-8000-00000000000a', '0000000a-0000-4000-8000-000000000000')),
  owner_id: nul(fc.constantFrom('00000000-0000-4000-8000-00000000000a', 'ffffffff-0000-4000-8000-000000000001')),
  lines: fc.array(fc.record({ amount: nul(money), qty: nul(fc.integer({ min: -2, max: 9 })), product: nul(fc.constantFrom('A', 'B', 'C')) }), { maxLength: 3 }),
});

beforeAll(async () => {
  db = await openDb();
  await createFixture(db);
  const rows = fc.sample(rowArb, { numRuns: ROWS, seed: 42 });
  for (const [i, r] of rows.entries()) {
    const { lines, ...deal } = r;
    const id = uuid();
    await insert(db, 'deal', { id, n: i + 1, ...deal });
    for (const l of lines) await insert(db, 'deal_line', { id: uuid(), deal_id: id, ...l });
  }
  js = new JsRunner();
});
afterAll(async () => {
  js.dispose();
  await db.close();
});

type Kinds = { num: string; text: string; bool: string; date: string };

const gens = fc.letrec<Kinds>((tie) => {
  const num = tie('num');
  const text = tie('text');
  const bool = tie('bool');
  const date = tie('date');
  const small = fc.integer({ min: -3, max: 3 }).map(String);
  const unit = fc.constantFrom('"day"', '"month"', '"year"');
  return {
    num: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('amount', 'cost', 'rate', 'qty', 'score', 'SUM(lines.amount)', 'COUNT(lines)', 'AVG(lines.qty)', 'MAX(lines.amount, lines.qty > 1)', 'NULL'),
      fc.integer({ min: 0, max: 1000 }).map(String),
      money.filter((m) => !m.startsWith('-')),
      fc.integer({ min: 0, max: 200 }).map((p) => `${p}%`),
      fc.tuple(num, fc.constantFrom('+', '-', '*', '/'), num).map(([a, o, b]) => `(${a} ${o} ${b})`),
      fc.tuple(fc.constantFrom('ROUND', 'ROUNDUP', 'ROUNDDOWN'), num, small).map(([f, a, k]) => `${f}(${a}, ${k})`),
      num.map((a) => `ABS(${a})`),
      num.map((a) => `-${a}`),
      fc.tuple(num, num).map(([a, b]) => `MOD(${a}, ${b})`),
      fc.tuple(num, fc.integer({ min: -2, max: 3 })).map(([a, k]) => `(${a}) ^ ${k}`),
      fc.tuple(bool, num, num).map(([c, a, b]) => `IF(${c}, ${a}, ${b})`),
      fc.tuple(num, num).map(([a, b]) => `COALESCE(${a}, ${b})`),
      fc.tuple(fc.constantFrom('MIN', 'MAX'), num, num).map(([f, a, b]) => `${f}(${a}, ${b})`),
      text.map((t) => `LEN(${t})`),
      fc.tuple(fc.constantFrom('YEAR', 'MONTH', 'QUARTER', 'WEEKDAY'), date).map(([f, d]) => `${f}(${d})`),
      fc.tuple(date, date, unit).map(([a, b, u]) => `DATEDIFF(${a}, ${b}, ${u})`),
      fc.tuple(date, date).map(([a, b]) => `(${a} - ${b})`),
      num.map((a) => `TIER(${a}, commission, "marginal")`),
      num.map((a) => `TIER(${a}, commission, "step")`),
    ),
    text: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('name', 'stage', 'note', 'NULL', 'customer', 'owner'),
      str.map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.tuple(text, text).map(([a, b]) => `${a} & ${b}`),
      fc.tuple(fc.constantFrom('LEFT', 'RIGHT'), text, fc.integer({ min: -1, max: 7 })).map(([f, t, k]) => `${f}(${t}, ${k})`),
      fc.tuple(fc.constantFrom('UPPER', 'LOWER'), text).map(([f, t]) => `${f}(${t})`),
      num.map((a) => `TEXT(${a})`),
      num.map((a) => `TEXT(${a}, "0.00")`),
      date.map((d) => `TEXT(${d}, "DD/MM/YYYY")`),
      fc.tuple(num, text, bool).map(([a, t, b]) => `CONCAT(${a}, ${t}, ${b})`),
      fc.tuple(bool, text, text).map(([c, a, b]) => `IF(${c}, ${a}, ${b})`),
      fc.tuple(text, text, text).map(([x, a, b]) => `SWITCH(${x}, "won", ${a}, ${b})`),
      fc.constantFrom('MIN(lines.product)', 'MAX(lines.product, lines.amount > 0)'),
    ),
    bool: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('won', 'TRUE', 'FALSE', 'NULL'),
      fc.tuple(num, fc.constantFrom('=', '<>', '<', '<=', '>', '>='), num).map(([a, o, b]) => `(${a} ${o} ${b})`),
      fc.tuple(text, fc.constantFrom('=', '<', '>='), text).map(([a, o, b]) => `(${a} ${o} ${b})`),
      fc.tuple(date, fc.constantFrom('=', '<', '>'), date).map(([a, o, b]) => `(${a} ${o} ${b})`),
      fc.tuple(bool, fc.constantFrom('AND', 'OR'), bool).map(([a, o, b]) => `(${a} ${o} ${b})`),
      bool.map((a) => `NOT ${a}`),
      fc.oneof(num, text, date).map((a) => `ISBLANK(${a})`),
      fc.tuple(text, text).map(([a, b]) => `CONTAINS(${a}, ${b})`),
    ),
    date: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('close_date', 'start_date', 'TODAY()', 'NULL'),
      fc.tuple(fc.integer({ min: 1990, max: 2040 }), fc.integer({ min: -2, max: 14 }), fc.integer({ min: -3, max: 33 })).map(([y, m, d]) => `DATE(${y}, ${m}, ${d})`),
      fc.tuple(date, fc.integer({ min: -40, max: 40 }), unit).map(([d, n, u]) => `DATEADD(${d}, ${n}, ${u})`),
      fc.tuple(date, small).map(([d, n]) => `EOMONTH(${d}, ${n})`),
      fc.tuple(date, fc.integer({ min: -400, max: 400 })).map(([d, n]) => `(${d} + ${n})`),
      fc.tuple(bool, date, date).map(([c, a, b]) => `IF(${c}, ${a}, ${b})`),
      fc.tuple(date, date).map(([a, b]) => `COALESCE(${a}, ${b})`),
    ),
  };
});

const formulaArb = fc.oneof(gens.num, gens.text, gens.bool, gens.date).filter((f) => f.length < 1500 && check(f, { schema, root: 'deal' }).ok);

let total = 0;
it('SQL and JS agree on 1,000+ random formulas', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(formulaArb, { minLength: 100, maxLength: 100 }), async (formulas) => {
      const items = compileAll(formulas);
      const s = await evalSql(db, items);
      const j = await evalJs(db, js, items);
      const bad = formulas.flatMap((f, i) => (JSON.stringify(s[i]) === JSON.stringify(j[i]) ? [] : [`${f}\n  sql ${JSON.stringify(s[i])}\n  js  ${JSON.stringify(j[i])}`]));
      total += formulas.length;
      expect(bad.slice(0, 5)).toEqual([]);
    }),
    { numRuns: 11, endOnFailure: true, seed: Number(process.env.FORMULA_SEED ?? Date.now() % 1e9) },
  );
  expect(total).toBeGreaterThanOrEqual(1000);
});
