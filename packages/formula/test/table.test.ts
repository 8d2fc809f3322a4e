// Table-driven Excel-compatibility test: every formula on both back ends (SQL on a real
// database, JS in a real isolate) must give the expected value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES } from './cases.ts';
import { compileAll, evalJs, evalSql, JsRunner, openDb, seed, type Db, type Value } from './fixture.ts';

let db: Db;
let js: JsRunner;
let sqlOut: Value[][];
let jsOut: Value[][];

beforeAll(async () => {
  db = await openDb();
  await seed(db);
  js = new JsRunner();
  const items = compileAll(CASES.map((c) => c[0]));
  sqlOut = await evalSql(db, items);
  jsOut = await evalJs(db, js, items);
});
afterAll(async () => {
  js.dispose();
  await db.close();
});

describe('formula table', () => {
  it('has at least 300 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(300);
  });
  it('SQL back end gives the expected results', () => {
    const bad = CASES.flatMap(([f, want, row], i) => {
      const got = sqlOut[i]![(row ?? 1) - 1];
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [`${f} [row ${row ?? 1}]: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
    });
    expect(bad).toEqual([]);
  });
  it('SQL with parent hops as joins gives the same results as with sub-selects', async () => {
    const hops = CASES.filter(([f]) => /[a-z_]+\.[a-z_]+/.test(f)).map(([f]) => f);
    expect(hops.length).toBeGreaterThan(20);
    const items = compileAll(hops);
    expect(await evalSql(db, items, undefined, true)).toEqual(await evalSql(db, items));
  });
  it('JS back end gives the expected results', () => {
    const bad = CASES.flatMap(([f, want, row], i) => {
      const got = jsOut[i]![(row ?? 1) - 1];
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [`${f} [row ${row ?? 1}]: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
    });
    expect(bad).toEqual([]);
  });
  it('both back ends agree on every row', () => {
    const bad = CASES.flatMap(([f], i) => (JSON.stringify(sqlOut[i]) === JSON.stringify(jsOut[i]) ? [] : [`${f}: sql ${JSON.stringify(sqlOut[i])} js ${JSON.stringify(jsOut[i])}`]));
    expect(bad).toEqual([]);
  });
});
