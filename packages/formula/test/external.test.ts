// Plugin (external) functions: typed like built-ins from their declared signature, refused where
// only SQL runs, and evaluated in stages by the host: arguments in one real isolate batch, one
// plugin call per function over all rows, the rest of the formula reading the results.
import { afterAll, describe, expect, it } from 'vitest';
import {
  check,
  compileJs,
  createFunctionRegistry,
  evaluateWithExternal,
  externalCalls,
  externalPlugins,
  normalizeExternal,
  registerExternal,
  usesExternal,
  type CheckedFormula,
  type ExternalFunctionSpec,
} from '../src/index.ts';
import { JsRunner, schema } from './fixture.ts';

const spec = (over: Partial<ExternalFunctionSpec> = {}): ExternalFunctionSpec => ({
  name: 'BONUS',
  plugin: 'bonus-plugin',
  version: '1.0.0',
  args: ['numeric', 'numeric'],
  returns: 'money',
  enabled: true,
  ...over,
});
const functions = registerExternal(createFunctionRegistry(), [spec(), spec({ name: 'OFF', plugin: 'off-plugin', enabled: false }), spec({ name: 'ROUND', plugin: 'shadow' })]);
const checked = (f: string, sqlOnly?: string): CheckedFormula => {
  const r = check(f, { schema, root: 'deal', functions, ...(sqlOnly ? { sqlOnly } : {}) });
  if (!r.ok) throw new Error(`${f}: ${r.errors.map((e) => e.code).join(', ')}`);
  return r;
};
const codes = (f: string, sqlOnly?: string, root = 'deal') => {
  const r = check(f, { schema, root, functions, ...(sqlOnly ? { sqlOnly } : {}) });
  return r.ok ? [] : r.errors.map((e) => e.code);
};

const js = new JsRunner();
afterAll(() => js.dispose());

describe('plugin functions in the checker', () => {
  it('types a call from the signature; a built-in of the same name keeps its meaning', () => {
    expect(checked('BONUS(amount, 0.5)').type).toBe('money');
    expect(codes('BONUS(name, 1)')).toEqual(['ARG_TYPE']);
    expect(codes('BONUS(amount)')).toEqual(['ARG_COUNT']);
    expect(usesExternal(checked('ROUND(amount, 2)'))).toBe(false);
    expect(externalPlugins(checked('BONUS(amount, 1) + BONUS(cost, 2)'))).toEqual(['bonus-plugin']);
  });

  it('refuses a disabled plugin, a place that runs only in SQL, and a call inside an aggregate', () => {
    const off = check('OFF(amount, 1)', { schema, root: 'deal', functions });
    expect(off.ok ? null : off.errors[0]).toMatchObject({ code: 'PLUGIN_FUNCTION_DISABLED', column: 1 });
    expect(off.ok ? '' : off.errors[0]?.message.en).toContain('plugin "off-plugin"');
    expect(codes('BONUS(amount, 1)', 'validation rules')).toEqual(['PLUGIN_FUNCTION_HOST_ONLY']);
    expect(codes('SUM(lines.amount, BONUS(lines.amount, 1) > 0)')).toEqual(['PLUGIN_FUNCTION_HOST_ONLY']);
  });
});

describe('evaluateWithExternal', () => {
  const amounts = ['100.00', '250.50', null, '10.00'];
  const plugin = { calls: [] as unknown[][][] };
  // The plugin: amount × factor, as decimal text; a number row or text row is the plugin's answer.
  const call = async (_name: string, rows: unknown[][]) => {
    plugin.calls.push(rows);
    return rows.map(([a, f]) => (a === null ? null : (Number(a) * Number(f)).toFixed(2)));
  };
  const batch = async (formula: CheckedFormula, holes: Record<string, unknown[]>) => {
    const c = compileJs(formula, { fastPath: false });
    const columns: Record<string, unknown[]> = { amount: amounts, cost: ['0', '0', '0', '2'], ...holes };
    const [out] = js.run([c.source], columns, amounts.length);
    return (out ?? []).map((v) => (v !== null && typeof v === 'object' && 'error' in v ? { value: null, error: String((v as { error: unknown }).error) } : { value: v ?? null, error: null }));
  };

  it('one plugin call per call site over every row, innermost first, feeding the enclosing expression', async () => {
    plugin.calls = [];
    const f = checked('BONUS(BONUS(amount, 2), 0.5) + 1');
    expect(externalCalls(f.ast).map((c) => c.name)).toEqual(['BONUS', 'BONUS']);
    const out = await evaluateWithExternal(f, amounts.length, { batch, call });
    // 100 × 2 × 0.5 + 1 = 101; 250.50 → 251.50; null stays null (+ 1 is null); 10 → 11
    expect(out.map((r) => (r.value === null ? null : Number(r.value)))).toEqual([101, 251.5, null, 11]);
    expect(plugin.calls.map((rows) => rows.length)).toEqual([4, 4]);
    expect(plugin.calls[0]?.[0]).toEqual(['100.00', '2']);
  });

  it('with batchPlain, the arguments that call no plugin are read in one go; nested ones still batch', async () => {
    plugin.calls = [];
    const plainCalls: string[][] = [];
    const batchPlain = async (formulas: CheckedFormula[]) => {
      plainCalls.push(formulas.map((f) => f.ast.kind));
      return Promise.all(formulas.map((f) => batch(f, {})));
    };
    const out = await evaluateWithExternal(checked('BONUS(amount * 2, BONUS(amount, 0.5))'), amounts.length, { batch, batchPlain, call });
    // inner: amount × 0.5; outer: (amount × 2) × that → 100: 200 × 50 = 10,000.00
    expect(out[0]?.value).toBe('10000.00');
    // Innermost call first: the inner call's `amount`, then the outer's `amount * 2`, in one read.
    expect(plainCalls).toEqual([['field', 'binary']]);
    expect(plugin.calls.map((rows) => rows.length)).toEqual([4, 4]);
  });

  it('a row whose argument is an error value gets that error and is not sent to the plugin', async () => {
    plugin.calls = [];
    const out = await evaluateWithExternal(checked('BONUS(amount / cost, 1)'), amounts.length, { batch, call });
    // cost is 0 on the first three rows (NULL / 0 too); 10.00 / 2 = 5 → 5 × 1 = 5.00
    expect(out.map((r) => r.error ?? r.value)).toEqual(['#DIV/0!', '#DIV/0!', '#DIV/0!', '5.00']);
    expect(plugin.calls).toEqual([[['5.0000000000', '1']]]);
  });

  it("an argument's error stays in its branch: IF guards a division as it does without a plugin", async () => {
    plugin.calls = [];
    const out = await evaluateWithExternal(checked('IF(cost > 0, BONUS(amount / cost, 1), 0)'), amounts.length, { batch, call });
    // cost 0 on the first three rows: the IF takes 0 and never reads the #DIV/0! result; 10.00 / 2 × 1 = 5.00
    expect(out.map((r) => r.error ?? Number(r.value))).toEqual([0, 0, 0, 5]);
    expect(plugin.calls.map((rows) => rows.length)).toEqual([1]);
    const used = await evaluateWithExternal(checked('BONUS(amount / cost, 1) + 1'), amounts.length, { batch, call });
    expect(used.map((r) => r.error ?? Number(r.value))).toEqual(['#DIV/0!', '#DIV/0!', '#DIV/0!', 6]);
  });

  it('a plugin answer is read as its declared type; anything else is null', () => {
    expect(normalizeExternal('money', 12.5)).toBe('12.5');
    expect(normalizeExternal('number', 1e-7)).toBe('0.0000001');
    expect(normalizeExternal('number', ' 3.25 ')).toBe('3.25');
    expect([normalizeExternal('number', 'abc'), normalizeExternal('number', Number.NaN), normalizeExternal('integer', {})]).toEqual([null, null, null]);
    expect([normalizeExternal('boolean', true), normalizeExternal('boolean', 'yes')]).toEqual([true, null]);
    expect([normalizeExternal('date', '2026-03-01'), normalizeExternal('date', '1 March')]).toEqual(['2026-03-01', null]);
    expect([normalizeExternal('text', 'x'), normalizeExternal('text', 1), normalizeExternal('text', undefined)]).toEqual(['x', null, null]);
  });
});
