// Test fixture: a tiny schema (org_unit, app_user, customer, order, deal, deal_line), a real
// database (PGlite, or PostgreSQL when DATABASE_URL is set) and a real isolated-vm isolate, plus
// helpers that evaluate many formulas on both back ends in one SQL query / one isolate call.
import { PGlite } from '@electric-sql/pglite';
import ivm from 'isolated-vm';
import { check, compileJs, compileSql, formulaRuntimeSource, type CheckedFormula, type FormulaField, type FormulaObject, type FormulaSchema, type FormulaType, type RateTable } from '../src/index.ts';

type F = [name: string, type: FormulaType, ref?: string];

function obj(name: string, table: string, fields: F[], children: Record<string, { object: string; foreignKey: string }> = {}): FormulaObject {
  const map = new Map<string, FormulaField>();
  for (const [n, type, ref] of fields) map.set(n, { name: n, column: ref ? `${n}_id` : n, type, ...(ref ? { ref } : {}) });
  return {
    name,
    table,
    field: (n) => map.get(n),
    children: (n) => children[n],
    fieldNames: () => [...map.keys()],
    childNames: () => Object.keys(children),
  };
}

const objects: FormulaObject[] = [
  obj('org_unit', 'org_unit', [
    ['name', 'text'],
    ['region', 'text'],
  ]),
  obj('user', 'app_user', [
    ['name', 'text'],
    ['org_unit', 'text', 'org_unit'],
    ['quota', 'money'],
  ]),
  obj(
    'customer',
    'customer',
    [
      ['name', 'text'],
      ['tier', 'text'],
      ['owner', 'text', 'user'],
      ['credit_limit', 'money'],
      ['since', 'date'],
    ],
    {
      orders: { object: 'order', foreignKey: 'customer_id' },
    },
  ),
  obj('order', 'order', [
    ['customer', 'text', 'customer'],
    ['amount', 'money'],
    ['qty', 'integer'],
    ['status', 'text'],
    ['order_date', 'date'],
    ['paid', 'boolean'],
  ]),
  obj('deal_line', 'deal_line', [
    ['deal', 'text', 'deal'],
    ['amount', 'money'],
    ['qty', 'integer'],
    ['product', 'text'],
  ]),
  obj(
    'deal',
    'deal',
    [
      ['name', 'text'],
      ['stage', 'text'],
      ['amount', 'money'],
      ['cost', 'money'],
      ['rate', 'percent'],
      ['qty', 'integer'],
      ['score', 'number'],
      ['won', 'boolean'],
      ['close_date', 'date'],
      ['start_date', 'date'],
      ['created_at', 'datetime'],
      ['note', 'text'],
      ['customer', 'text', 'customer'],
      ['owner', 'text', 'user'],
      ['n', 'integer'],
    ],
    { lines: { object: 'deal_line', foreignKey: 'deal_id' } },
  ),
];

const tables: Record<string, RateTable> = {
  commission: {
    name: 'commission',
    kind: 'tier',
    rows: [
      { from: 0, to: 10000, rate: '0.05' },
      { from: 10000, to: 50000, rate: '0.08' },
      { from: 50000, to: null, rate: '0.1' },
    ],
  },
  region_bonus: {
    name: 'region_bonus',
    kind: 'lookup',
    rows: [
      { key: 'east', value: '100.50' },
      { key: 'west', value: 200 },
      { key: 'north', value: null },
    ],
  },
  stage_prob: {
    name: 'stage_prob',
    kind: 'lookup',
    rows: [
      { key: 1, value: '0.1' },
      { key: 2, value: '0.5' },
      { key: 3, value: '0.9' },
    ],
  },
};

export const schema: FormulaSchema = {
  object: (n) => objects.find((o) => o.name === n),
  rateTable: (n) => tables[n],
};

const DDL = `
CREATE TABLE org_unit (id uuid PRIMARY KEY, name text, region text);
CREATE TABLE app_user (id uuid PRIMARY KEY, name text, org_unit_id uuid, quota numeric(14,2));
CREATE TABLE customer (id uuid PRIMARY KEY, name text, tier text, owner_id uuid, credit_limit numeric(14,2), since date);
CREATE TABLE "order" (id uuid PRIMARY KEY, customer_id uuid, amount numeric(14,2), qty integer, status text, order_date date, paid boolean);
CREATE TABLE deal (id uuid PRIMARY KEY, n integer, name text, stage text, amount numeric(14,2), cost numeric(14,2), rate numeric(9,4), qty integer,
  score numeric, won boolean, close_date date, start_date date, created_at timestamptz, note text, customer_id uuid, owner_id uuid);
CREATE TABLE deal_line (id uuid PRIMARY KEY, deal_id uuid, amount numeric(14,2), qty integer, product text);
`;

export interface Db {
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
  schemaName: string;
}

function toDollar(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

export async function openDb(): Promise<Db> {
  const url = process.env.DATABASE_URL;
  const schemaName = `formula_t_${process.pid}_${Date.now().toString(36)}`;
  if (url) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schemaName}"`);
    await client.query(`SET search_path TO "${schemaName}"`);
    await client.query(`SET TIME ZONE 'UTC'`);
    // The agreement test sends very large generated expressions; PostgreSQL's JIT would spend
    // tens of seconds compiling each one (the store's sessions turn it off too).
    await client.query('SET jit = off');
    return {
      schemaName,
      query: async (sql, params = []) => (await client.query(toDollar(sql), params)).rows as Array<Record<string, unknown>>,
      close: async () => {
        await client.query(`DROP SCHEMA "${schemaName}" CASCADE`);
        await client.end();
      },
    };
  }
  const db = new PGlite();
  await db.exec(`CREATE SCHEMA "${schemaName}"; SET search_path TO "${schemaName}";`);
  return {
    schemaName,
    query: async (sql, params = []) => (await db.query<Record<string, unknown>>(toDollar(sql), params)).rows,
    close: async () => {
      await db.close();
    },
  };
}

export async function createFixture(db: Db): Promise<void> {
  for (const stmt of DDL.split(';')
    .map((s) => s.trim())
    .filter(Boolean))
    await db.query(stmt);
}

let uuidN = 0;
export function uuid(): string {
  uuidN++;
  return `00000000-0000-4000-8000-${uuidN.toString(16).padStart(12, '0')}`;
}

export async function insert(db: Db, table: string, row: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(row);
  await db.query(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    cols.map((c) => row[c]),
  );
}

export type Value = string | boolean | null | { error: string };

/** Canonical form of a result for comparisons: numbers without trailing zeros. */
export function canon(type: FormulaType, v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && v !== null && 'error' in v) return { error: String((v as { error: unknown }).error) };
  switch (type) {
    case 'number':
    case 'money':
    case 'percent':
    case 'integer': {
      let s = String(v);
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
      return s === '-0' ? '0' : s;
    }
    case 'boolean':
      return v === true || v === 'true';
    case 'datetime':
      return new Date(String(v)).toISOString();
    default:
      return String(v);
  }
}

export interface Compiled {
  formula: string;
  checked: CheckedFormula;
}

export function compileAll(formulas: string[], root = 'deal'): Compiled[] {
  return formulas.map((f) => {
    const c = check(f, { schema, root });
    if (!c.ok) throw new Error(`${f}: ${c.errors.map((e) => e.message.en).join('; ')}`);
    return { formula: f, checked: c };
  });
}

/**
 * Evaluate on every deal row (ordered by n) via SQL. `joins`: parent hops as LEFT JOINs (each
 * formula its own prefix) instead of correlated sub-selects — the same values either way.
 */
export async function evalSql(db: Db, items: Compiled[], today = '2026-03-15', joins = false): Promise<Value[][]> {
  const out: Value[][] = items.map(() => []);
  for (let start = 0; start < items.length; start += 150) {
    const chunk = items.slice(start, start + 150);
    const cols: string[] = [];
    const params: unknown[] = [];
    const from: string[] = [];
    const fromParams: unknown[] = [];
    chunk.forEach((it, j) => {
      const c = compileSql(it.checked, { alias: 't', schema: db.schemaName, today, ...(joins ? { joinPrefix: `j${j}_` } : {}) });
      for (const join of c.joins) {
        from.push(join.sql);
        fromParams.push(...join.bindings);
      }
      cols.push(`(to_json(${c.sql}) #>> '{}') AS "v${j}"`);
      params.push(...c.bindings);
      if (c.errorSql) {
        cols.push(`(${c.errorSql.sql}) AS "e${j}"`);
        params.push(...c.errorSql.bindings);
      } else cols.push(`NULL AS "e${j}"`);
    });
    const rows = await db.query(`SELECT ${cols.join(', ')} FROM "${db.schemaName}"."deal" AS "t" ${from.join(' ')} ORDER BY "t"."n"`, [...params, ...fromParams]);
    chunk.forEach((it, j) => {
      out[start + j] = rows.map((r) => (r[`e${j}`] != null ? { error: String(r[`e${j}`]) } : canon(it.checked.type, r[`v${j}`])));
    });
  }
  return out;
}

/** Load the JS input columns for a set of compiled formulas from the database. */
async function loadColumns(db: Db, inputs: Set<string>, collections: Map<string, Set<string>>): Promise<{ columns: Record<string, unknown[]>; rowCount: number }> {
  const ids = (await db.query(`SELECT id, customer_id FROM deal ORDER BY n`)) as Array<{ id: string; customer_id: string | null }>;
  const columns: Record<string, unknown[]> = {};
  const scalar = [...inputs].filter((k) => !collections.has(k));
  if (scalar.length > 0) {
    const parts: string[] = [];
    const params: unknown[] = [];
    scalar.forEach((k, j) => {
      const c = check(k, { schema, root: 'deal' });
      if (!c.ok) throw new Error(k);
      const s = compileSql(c, { alias: 't', schema: db.schemaName });
      parts.push(`(to_json(${s.sql}) #>> '{}') AS "c${j}"`);
      params.push(...s.bindings);
    });
    const rows = await db.query(`SELECT ${parts.join(', ')} FROM "${db.schemaName}"."deal" AS "t" ORDER BY "t"."n"`, params);
    scalar.forEach((k, j) => {
      const c = check(k, { schema, root: 'deal' });
      const t = c.ok ? c.type : 'text';
      columns[k] = rows.map((r) => {
        const v = r[`c${j}`];
        return v === null || v === undefined ? null : t === 'boolean' ? v === 'true' : v;
      });
    });
  }
  for (const [key, fields] of collections) {
    const [childObject, link, parentKey] = key === 'lines' ? (['deal_line', 'deal_id', 'id'] as const) : (['order', 'customer_id', 'customer_id'] as const);
    const list = [...fields];
    const parts: string[] = [`"c"."${link}" AS "link"`];
    const params: unknown[] = [];
    const types: FormulaType[] = [];
    list.forEach((k, j) => {
      const c = check(k, { schema, root: childObject });
      if (!c.ok) throw new Error(k);
      types.push(c.type);
      const s = compileSql(c, { alias: 'c', schema: db.schemaName });
      parts.push(`(to_json(${s.sql}) #>> '{}') AS "f${j}"`);
      params.push(...s.bindings);
    });
    const rows = await db.query(`SELECT ${parts.join(', ')} FROM "${db.schemaName}"."${childObject === 'order' ? 'order' : 'deal_line'}" AS "c" ORDER BY "c"."id"`, params);
    columns[key] = ids.map((r) => {
      const parent = r[parentKey];
      return rows
        .filter((x) => parent !== null && x.link === parent)
        .map((x) =>
          Object.fromEntries(
            list.map((k, j) => {
              const v = x[`f${j}`];
              return [k, v === null || v === undefined ? null : types[j] === 'boolean' ? v === 'true' : v];
            }),
          ),
        );
    });
  }
  return { columns, rowCount: ids.length };
}

export class JsRunner {
  private isolate: ivm.Isolate;
  private context: ivm.Context;
  constructor() {
    this.isolate = new ivm.Isolate({ memoryLimit: 128 });
    this.context = this.isolate.createContextSync();
    this.context.evalSync(formulaRuntimeSource);
  }
  /** Run compiled sources in one isolate call; returns outputs per source. */
  run(sources: string[], columns: Record<string, unknown[]>, rowCount: number): unknown[][] {
    const input = new ivm.ExternalCopy({ columns, rowCount });
    this.context.global.setSync('__input', input.copyInto());
    const code = `(() => { const fns = [${sources.join(',\n')}]; const { columns, rowCount } = __input; return JSON.stringify(fns.map((f) => f(columns, rowCount))); })()`;
    const json = this.context.evalSync(code, { timeout: 20000 }) as string;
    return JSON.parse(json) as unknown[][];
  }
  dispose(): void {
    this.isolate.dispose();
  }
}

export async function evalJs(db: Db, js: JsRunner, items: Compiled[], today = '2026-03-15'): Promise<Value[][]> {
  const compiled = items.map((it) => compileJs(it.checked, { today }));
  const inputs = new Set<string>();
  const collections = new Map<string, Set<string>>();
  for (const c of compiled) {
    for (const k of c.inputs) inputs.add(k);
    for (const [k, fields] of Object.entries(c.collections)) {
      const s = collections.get(k) ?? new Set<string>();
      for (const f of fields) s.add(f);
      collections.set(k, s);
    }
  }
  const { columns, rowCount } = await loadColumns(db, inputs, collections);
  const res = js.run(
    compiled.map((c) => c.source),
    columns,
    rowCount,
  );
  return res.map((rows, i) => rows.map((v) => canon(items[i]!.checked.type, v)));
}

export const IDS = { ou1: uuid(), u1: uuid(), c1: uuid(), c2: uuid() };

export async function seed(db: Db): Promise<void> {
  await createFixture(db);
  await insert(db, 'org_unit', { id: IDS.ou1, name: 'Sales East', region: 'east' });
  await insert(db, 'app_user', { id: IDS.u1, name: 'Alice', org_unit_id: IDS.ou1, quota: '50000.00' });
  await insert(db, 'customer', { id: IDS.c1, name: 'Acme "Ltd"', tier: 'gold', owner_id: IDS.u1, credit_limit: '25000.50', since: '2020-02-29' });
  await insert(db, 'customer', { id: IDS.c2, name: 'Beta', tier: null, owner_id: null, credit_limit: null, since: null });
  const orders: Array<[string | null, number | null, string | null, string | null, boolean | null]> = [
    ['100.10', 2, 'paid', '2026-01-31', true],
    ['200.20', 1, 'open', '2026-02-28', false],
    [null, 3, 'paid', '2025-12-31', true],
    ['0.05', 0, 'paid', null, null],
  ];
  for (const [amount, qty, status, order_date, paid] of orders) {
    await insert(db, 'order', { id: uuid(), customer_id: IDS.c1, amount, qty, status, order_date, paid });
  }
  const deals: Array<Record<string, unknown>> = [
    {
      n: 1,
      name: 'Big Deal',
      stage: 'won',
      amount: '12345.67',
      cost: '2345.60',
      rate: '0.125',
      qty: 3,
      score: '2.5',
      won: true,
      close_date: '2026-01-31',
      start_date: '2024-02-29',
      created_at: '2026-01-15T10:30:00Z',
      note: 'Hello World',
      customer_id: IDS.c1,
      owner_id: IDS.u1,
    },
    { n: 2 },
    { n: 3, name: '', stage: 'lost', amount: '0.00', cost: '0.00', rate: '0', qty: 0, score: '0', won: false, close_date: '2024-02-29', start_date: '2024-02-29', note: '', customer_id: IDS.c2 },
    { n: 4, name: 'négatif 中文', stage: 'open', amount: '-10.50', cost: '3.00', rate: '-0.05', qty: -2, score: '-7.25', won: false, close_date: '2023-12-31', start_date: '2024-03-31' },
  ];
  for (const d of deals) {
    const id = uuid();
    await insert(db, 'deal', { id, ...d });
    if (d.n === 1) {
      for (const [amount, qty, product] of [
        ['100.00', 2, 'A'],
        ['250.50', 1, 'B'],
        [null, 5, 'C'],
      ] as const) {
        await insert(db, 'deal_line', { id: uuid(), deal_id: id, amount, qty, product });
      }
    }
  }
}
