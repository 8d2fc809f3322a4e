import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool } from '@attain/sandbox';
import { openTestStore, StoreError, type RecordService, type Store } from '../src/index.ts';
import { err, baseDocs, dealDoc, props, system, tenantWith } from './fixtures.ts';

type Doc = Record<string, unknown>;
let store: Store;
let r: RecordService;
let pool: SandboxPool;
const T = 'fx';

function lineDoc(): Doc {
  return {
    kind: 'object',
    id: 'obj.line',
    name: 'deal_line',
    label: { en: 'Line' },
    schema: {
      type: 'object',
      properties: {
        deal_id: { type: 'string', 'x-attain': { id: 'line.deal', ref: { object: 'deal', onDelete: 'cascade', inverse: 'lines' } } },
        amount: { type: 'number', 'x-attain': { id: 'line.amount', storage: 'money' } },
        paid: { type: 'boolean', 'x-attain': { id: 'line.paid' } },
      },
    },
  };
}

/** The deal with a discount and qty, and (when `formulas`) formula fields and rules. */
function deal(formulas: boolean, extra: (d: Doc) => void = () => {}): Doc {
  const d = dealDoc();
  const p = props(d);
  p.discount = { type: 'number', 'x-attain': { id: 'deal.discount', storage: 'money' } };
  p.qty = { type: 'integer', 'x-attain': { id: 'deal.qty' } };
  if (formulas) {
    p.net = { type: 'number', 'x-attain': { id: 'deal.net', storage: 'money', formula: { expression: 'amount - COALESCE(discount, 0)' } } };
    p.unit_price = { type: 'number', 'x-attain': { id: 'deal.unit', storage: 'money', formula: { expression: 'amount / qty' } } };
    p.account_name = { type: 'string', 'x-attain': { id: 'deal.account_name', formula: { expression: 'account.name & ""' } } };
    p.line_total = { type: 'number', 'x-attain': { id: 'deal.line_total', storage: 'money', formula: { expression: 'SUM(lines.amount, lines.paid)' } } };
    p.big = { type: 'boolean', 'x-attain': { id: 'deal.big', formula: { expression: 'amount >= 10000' } } };
    p.commission = { type: 'number', 'x-attain': { id: 'deal.commission', storage: 'money', formula: { expression: 'IF(amount > 10000, amount * 8%, amount * 5%)', stored: true } } };
    (d['x-attain'] as Doc).validationRules = [
      {
        id: 'rule.discount',
        name: 'discount_le_amount',
        condition: 'COALESCE(discount, 0) <= amount',
        field: 'discount',
        message: { en: 'The discount cannot exceed the amount', 'zh-CN': '折扣不能超过金额' },
      },
      { id: 'rule.qty', name: 'qty_not_negative', condition: 'qty >= 0', field: 'qty', message: { en: 'Quantity cannot be negative' } },
      { id: 'rule.ratio', name: 'unit_price_sane', condition: 'amount / qty < 1000000', message: { en: 'Unit price too high' }, active: false },
    ];
  }
  extra(d);
  return d;
}

const docs = (formulas = true, extra?: (d: Doc) => void): Doc[] => [...baseDocs().filter((d) => d.name !== 'deal'), deal(formulas, extra), lineDoc()];

let accountId: string;
let first: string;

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, T, docs(false));
  const plain = await store.records(T);
  accountId = (await plain.create('account', { name: 'Acme' }, system)).id;
  first = (await plain.create('deal', { name: 'Old', amount: '20000', account_id: accountId, qty: 4 }, system)).id;
  // Formula fields and rules arrive by metadata, with rows already in the table.
  const plan = await store.metadata.plan(T, docs());
  expect(plan.safe).toBe(true);
  expect(plan.steps.map((s) => s.kind)).toContain('recompute_formula');
  await store.metadata.apply(T, docs(), { actor: system });
  r = await store.records(T);
  pool = new SandboxPool({ size: 1 });
});

afterAll(async () => {
  await pool?.close();
});

describe('formula fields', () => {
  it('computes non-stored fields on read and fills a new stored field for existing rows', async () => {
    const d = await r.get('deal', first);
    expect(d).toMatchObject({ net: '20000.00', unit_price: '5000.00', account_name: 'Acme', line_total: '0.00', big: true, commission: '1600.00' });
  });

  it('reads through refs and aggregates only live, matching child rows; error values read as null', async () => {
    const d = await r.create('deal', { name: 'Lines', amount: 500, discount: 50, qty: 0 }, system);
    await r.create('deal_line', { deal_id: d.id, amount: 100, paid: true }, system);
    await r.create('deal_line', { deal_id: d.id, amount: 30, paid: false }, system);
    const gone = await r.create('deal_line', { deal_id: d.id, amount: 1000, paid: true }, system);
    await r.delete('deal_line', gone.id, system);
    const got = await r.get('deal', d.id);
    expect(got).toMatchObject({ net: '450.00', unit_price: null, account_name: '', line_total: '100.00', big: false, commission: '25.00' });
    const page = await r.list('deal', { filter: { id: { eq: d.id } } });
    expect(page.data[0]).toEqual(got);
    expect(await r.getMany('deal', [d.id])).toEqual([got]);
  });

  it('filters and sorts by a computed field, with keyset paging', async () => {
    for (const [i, amount] of [300, 100, 200, 400].entries()) await r.create('deal', { name: `S${i}`, amount, discount: 10, note: 'sorted' }, system);
    const p1 = await r.list('deal', { filter: { note: { eq: 'sorted' }, net: { gt: 100 } }, sort: [{ field: 'net', dir: 'desc' }], limit: 2 });
    expect(p1.data.map((x) => x.net)).toEqual(['390.00', '290.00']);
    const p2 = await r.list('deal', { filter: { note: { eq: 'sorted' }, net: { gt: 100 } }, sort: [{ field: 'net', dir: 'desc' }], limit: 2, after: p1.page.next as string });
    expect(p2.data.map((x) => x.net)).toEqual(['190.00']);
    expect(await r.count('deal', { big: { eq: true } })).toBe(1);
  });

  it('recomputes stored fields on update and upsert, and refuses writes to formula fields', async () => {
    const d = await r.create('deal', { name: 'Grow', amount: 1000 }, system);
    expect(d.commission).toBe('50.00');
    const u = await r.update('deal', d.id, { amount: 20000 }, system);
    expect(u.commission).toBe('1600.00');
    const up = await r.upsert(
      'deal',
      [
        { external_id: 'X1', name: 'Up', amount: 200 },
        { external_id: 'X2', name: 'Up2', amount: 40000 },
      ],
      system,
    );
    expect(up.records.map((x) => x.commission)).toEqual(['10.00', '3200.00']);
    const again = await r.upsert('deal', [{ external_id: 'X1', name: 'Up', amount: 100000 }], system);
    expect(again.records[0]?.commission).toBe('8000.00');
    const e = await err(r.update('deal', d.id, { commission: 5 }, system));
    expect(e.code).toBe('validation_failed');
    const audit = await store.audit.list(T, { recordId: d.id });
    expect(audit.find((a) => a.action === 'update')?.after).toMatchObject({ commission: '1600.00', net: '20000.00' });
  });
});

describe('validation rules', () => {
  it('refuses a create naming the rule and its field, writing nothing', async () => {
    const before = await r.count('deal');
    const e = await err(r.create('deal', { name: 'Bad', amount: 100, discount: 150 }, system));
    expect(e.status).toBe(422);
    expect(e.code).toBe('validation_failed');
    expect(e.details).toEqual([{ path: '/discount', rule: 'discount_le_amount', message: 'The discount cannot exceed the amount' }]);
    expect(e.message).toContain('discount_le_amount');
    expect(await r.count('deal')).toBe(before);
  });

  it('refuses an update and keeps the record as it was; a NULL condition passes', async () => {
    const d = await r.create('deal', { name: 'Keep', amount: 100 }, system); // qty NULL: qty >= 0 is NULL, passes
    const e = await err(r.update('deal', d.id, { discount: 101, qty: -1 }, system));
    expect(e.details.map((x) => `${x.path}:${x.rule}`).sort()).toEqual(['/discount:discount_le_amount', '/qty:qty_not_negative']);
    expect(e.message).toContain('discount_le_amount');
    expect(await r.get('deal', d.id)).toEqual(d);
  });

  it('refuses an upsert batch as a whole, pointing at the row', async () => {
    const before = await r.count('deal');
    const e = await err(
      r.upsert(
        'deal',
        [
          { external_id: 'U1', name: 'ok', amount: 10 },
          { external_id: 'U2', name: 'bad', amount: 10, qty: -2 },
        ],
        system,
      ),
    );
    expect(e.details).toEqual([{ path: '/1/qty', rule: 'qty_not_negative', message: 'Quantity cannot be negative' }]);
    expect(await r.count('deal')).toBe(before);
  });

  it('writes messages in the caller locale', async () => {
    const zh = await store.records(T, { locale: 'zh-CN' });
    const e = await err(zh.create('deal', { name: 'Bad', amount: 1, discount: 2 }, system));
    expect(e.details[0]?.message).toBe('折扣不能超过金额');
  });

  it('an error value in a condition fails the rule; inactive rules do not run', async () => {
    await r.create('deal', { name: 'Zero', amount: 5, qty: 0 }, system); // unit_price_sane inactive
    const active = docs(true, (d) => {
      const rules = (d['x-attain'] as { validationRules: Array<Record<string, unknown>> }).validationRules;
      (rules[2] as Record<string, unknown>).active = true;
    });
    await store.metadata.apply(T, active, { actor: system });
    const r2 = await store.records(T);
    const e = await err(r2.create('deal', { name: 'Zero', amount: 5, qty: 0 }, system));
    expect(e.details).toEqual([{ path: '/', rule: 'unit_price_sane', message: 'Unit price too high (#DIV/0!)' }]);
    await store.metadata.apply(T, docs(), { actor: system });
  });
});

describe('plan-time checking', () => {
  it('refuses a wrong formula with position and hint, and applies nothing', async () => {
    const rev = (await store.tenants.get(T))?.revision;
    const bad = docs(true, (d) => {
      props(d).margin2 = { type: 'number', 'x-attain': { id: 'deal.margin2', storage: 'money', formula: { expression: 'amount - amout' } } };
    });
    const e = await err(store.metadata.apply(T, bad, { actor: system }));
    expect(e.code).toBe('metadata_invalid');
    expect(e.details[0]).toMatchObject({
      path: '/schema/properties/margin2/x-attain/formula/expression',
      rule: 'formula',
      message: 'Unknown field "amout" on deal (line 1, column 10) — Did you mean "amount"?',
    });
    expect((await err(store.metadata.plan(T, bad))).code).toBe('metadata_invalid');
    expect((await store.tenants.get(T))?.revision).toBe(rev);
    expect(Object.keys((await r.get('deal', first)) ?? {})).not.toContain('margin2');
  });

  it('refuses a result type that does not fit the storage, and a non-boolean rule', async () => {
    const bad = docs(true, (d) => {
      props(d).wrong = { type: 'number', 'x-attain': { id: 'deal.wrong', storage: 'money', formula: { expression: 'name & "!"' } } };
      (d['x-attain'] as { validationRules: unknown[] }).validationRules.push({ id: 'rule.nb', name: 'not_bool', condition: 'amount + 1', message: { en: 'x' } });
    });
    const e = await err(store.metadata.plan(T, bad));
    const rules = e.details.map((x) => `${x.path}:${x.rule}`);
    expect(rules).toContain('/schema/properties/wrong/x-attain/formula/expression:formula_type');
    expect(rules).toContain('/x-attain/validationRules/3/condition:formula_type');
    expect(e.message).toMatch(/2 problems in the metadata/);
  });

  it('recomputes a stored formula whose expression changes, and a formula that becomes stored', async () => {
    const changed = docs(true, (d) => {
      const p = props(d);
      (p.commission as { 'x-attain': { formula: { expression: string } } })['x-attain'].formula.expression = 'amount * 1%';
      (p.net as { 'x-attain': { formula: { stored?: boolean } } })['x-attain'].formula.stored = true;
    });
    const plan = await store.metadata.plan(T, changed);
    expect(
      plan.steps
        .filter((s) => s.kind === 'recompute_formula')
        .map((s) => s.field?.name)
        .sort(),
    ).toEqual(['commission', 'net']);
    await store.metadata.apply(T, changed, { actor: system });
    const r2 = await store.records(T);
    expect(await r2.get('deal', first)).toMatchObject({ commission: '200.00', net: '20000.00' });
    await store.metadata.apply(T, docs(), { actor: system });
    expect(await (await store.records(T)).get('deal', first)).toMatchObject({ commission: '1600.00', net: '20000.00' });
  });
});

describe('RBAC and preview', () => {
  it('hides a formula field that reads a hidden field, and refuses it in filters and previews', async () => {
    const rr = await store.records(T, { hiddenFields: new Set(['discount']) });
    const d = await rr.get('deal', first);
    expect(d).not.toHaveProperty('net');
    expect(d).toHaveProperty('commission');
    expect((await err(rr.list('deal', { filter: { net: { gt: 1 } } }))).code).toBe('field_hidden');
    expect((await err(rr.previewFormula('deal', 'discount * 2'))).code).toBe('field_hidden');
  });

  it('previews a formula on readable records, scoped and filtered', async () => {
    const p = await r.previewFormula('deal', 'ROUND(amount * 1.5%, 2)', { limit: 3, filter: { note: { eq: 'sorted' } } });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.type).toBe('money');
    expect(p.rows).toHaveLength(3);
    expect(p.rows[0]).toMatchObject({ title: 'S0', value: '4.50', error: null });
    const none = await (await store.records(T, { rowFilter: { ownerIn: [] } })).previewFormula('deal', 'amount');
    expect(none.ok && none.rows).toEqual([]);
    const bad = await r.previewFormula('deal', 'amount +');
    expect(bad.ok).toBe(false);
    const notRule = await r.previewFormula('deal', 'amount', { kind: 'rule' });
    expect(!notRule.ok && notRule.errors[0]?.code).toBe('NOT_BOOLEAN');
    expect((await err(r.previewFormula('deal', 'amount', { limit: 99 }))).code).toBe('invalid_filter');
    expect((await err(r.previewFormula('deal', 5 as unknown as string))).code).toBe('validation_failed');
    const div = await r.previewFormula('deal', 'amount / qty', { filter: { qty: { eq: 0 } } });
    expect(div.ok && div.rows[0]).toMatchObject({ value: null, error: '#DIV/0!' });
  });

  it('SQL and the sandbox agree on tenant data', async () => {
    const formulas = [
      'amount - COALESCE(discount, 0)',
      'IF(amount > 10000, ROUND(amount * 8%, 2), amount * 5%)',
      'SUM(lines.amount, lines.paid) + COUNT(lines)',
      'account.name & " / " & TEXT(qty)',
      'amount / qty',
      'ISBLANK(discount) OR qty > 2',
      'DATEADD(DATE(2026, 1, 31), 1, "month")',
      'MAX(lines.amount)',
    ];
    for (const f of formulas) {
      const sql = await r.previewFormula('deal', f, { limit: 50 });
      const js = await r.previewFormula('deal', f, { limit: 50, engine: 'sandbox', pool });
      if (!sql.ok || !js.ok) throw new Error(f);
      expect(sql.rows.length).toBeGreaterThan(5);
      const norm = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
      expect(
        js.rows.map((x) => [x.id, norm(x.value), x.error]),
        f,
      ).toEqual(sql.rows.map((x) => [x.id, norm(x.value), x.error]));
    }
    expect((await err(r.previewFormula('deal', 'amount', { engine: 'sandbox' }))).code).toBe('validation_failed');
  });
});
