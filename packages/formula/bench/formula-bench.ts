// Benchmark: parse + type-check + compile (SQL and JS) of a ~500-character formula.
import { check, compileJs, compileSql, parse } from '../src/index.ts';
import type { FormulaField, FormulaObject, FormulaSchema, FormulaType } from '../src/index.ts';

function object(name: string, fields: Array<[string, FormulaType, string?]>, children: Record<string, { object: string; foreignKey: string }> = {}): FormulaObject {
  const map = new Map<string, FormulaField>(fields.map(([n, type, ref]) => [n, { name: n, column: ref ? `${n}_id` : n, type, ...(ref ? { ref } : {}) }]));
  return { name, table: name, field: (n) => map.get(n), children: (n) => children[n] };
}

const objects = [
  object(
    'deal',
    [
      ['amount', 'money'],
      ['cost', 'money'],
      ['rate', 'percent'],
      ['qty', 'integer'],
      ['stage', 'text'],
      ['won', 'boolean'],
      ['close_date', 'date'],
      ['customer', 'text', 'customer'],
    ],
    { lines: { object: 'deal_line', foreignKey: 'deal_id' } },
  ),
  object('customer', [
    ['name', 'text'],
    ['tier', 'text'],
  ]),
  object('deal_line', [
    ['amount', 'money'],
    ['qty', 'integer'],
    ['product', 'text'],
  ]),
];
const schema: FormulaSchema = {
  object: (n) => objects.find((o) => o.name === n),
  rateTable: (n) =>
    n === 'commission'
      ? {
          name: n,
          kind: 'tier',
          rows: [
            { from: 0, to: 10000, rate: '0.05' },
            { from: 10000, to: null, rate: '0.08' },
          ],
        }
      : undefined,
};

export const BENCH_FORMULA =
  'IF(AND(won, stage = "won", close_date >= DATE(2026, 1, 1)), ROUND(TIER(amount - cost, commission, "marginal") + ' +
  'SUM(lines.amount * lines.qty, lines.product <> "X") * rate, 2), IFS(amount > 100000, ROUNDUP(amount * 2.5%, 2), ' +
  'amount > 50000, ROUNDDOWN(amount * 1.5%, 2), TRUE, 0)) + IF(customer.tier = "gold", MIN(500, amount * 1%), 0) + ' +
  'IF(DATEDIFF(close_date, EOMONTH(close_date, 0), "day") < 5, COUNT(lines, lines.amount > 1000) * 25, 0) + ' +
  'SWITCH(UPPER(LEFT(customer.name, 1)), "A", 10, "B", 20, 0) + MAX(0, (amount - cost) / NULLIF_SAFE)';

export async function benchFormula(iterations = 2000): Promise<Record<string, unknown>> {
  const source = BENCH_FORMULA.replace('NULLIF_SAFE', 'COALESCE(qty, 1)');
  const run = () => {
    const p = parse(source);
    if (!p.ok) throw new Error('parse failed');
    const c = check(source, { schema, root: 'deal' });
    if (!c.ok) throw new Error(c.errors.map((e) => e.message.en).join('; '));
    compileSql(c, { alias: 't', schema: 'tenant_x' });
    compileJs(c);
  };
  for (let i = 0; i < 200; i++) run();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  const elapsed = performance.now() - start;
  return { name: 'formula.parse_check_compile', formulaChars: source.length, iterations, meanMicros: Math.round(((elapsed * 1000) / iterations) * 10) / 10 };
}
