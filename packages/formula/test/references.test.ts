// References (many-to-one fields) in comparisons, and hints that only name what the caller may see.
// Values of references on both back ends are in the table (cases.ts) and the agreement harness.
import { describe, expect, it } from 'vitest';
import { check, compileSql, type FormulaError, type FormulaField, type FormulaObject, type FormulaSchema } from '../src/index.ts';
import { IDS, schema } from './fixture.ts';

const errs = (f: string, opts: { root?: string; schema?: FormulaSchema; suggest?: (o: string, n: string) => boolean } = {}): FormulaError[] => {
  const r = check(f, { schema: opts.schema ?? schema, root: opts.root ?? 'deal', ...(opts.suggest ? { suggest: opts.suggest } : {}) });
  return r.ok ? [] : r.errors;
};

describe('a reference compared with text', () => {
  it('refuses a text that is no record id, suggesting a field of the record', () => {
    const [e, ...more] = errs('customer = "c-1"');
    expect(more).toEqual([]);
    expect(e).toMatchObject({ code: 'REF_TEXT', line: 1, column: 1, length: 16 });
    expect(e!.message.en).toBe('"customer" is a reference to customer: it holds the record\'s id, so it never equals "c-1"');
    expect(e!.hint.en).toBe('Compare one of its fields, e.g. customer.name = "c-1"');
    expect(e!.message['zh-CN']).toBe('“customer”是指向 customer 的关联字段，其值是记录 ID，不会等于“c-1”');
    expect(e!.hint['zh-CN']).toBe('请比较它的某个字段，例如 customer.name = "c-1"');
    expect(errs('"Acme ""Ltd""" <> customer.owner')[0]!.hint.en).toBe('Compare one of its fields, e.g. customer.owner.name = "Acme ""Ltd"""');
  });

  it('refuses comparing with "": an unset reference is NULL', () => {
    const [e] = errs('owner <> ""');
    expect(e).toMatchObject({ code: 'REF_EMPTY_TEXT' });
    expect(e!.message.en).toBe('"owner" is a reference: when not set it is empty (NULL), never ""');
    expect(e!.hint.en).toBe('Use ISBLANK(owner) or NOT ISBLANK(owner)');
    expect(e!.hint['zh-CN']).toBe('请使用 ISBLANK(owner) 或 NOT ISBLANK(owner)');
    expect(errs('IF("" = customer.owner, 1, 0)')[0]!.message.en).toContain('"customer.owner" is a reference');
  });

  it('names the path as written inside an aggregate', () => {
    const [e] = errs('COUNT(customer.orders, customer.orders.customer = "Acme")');
    expect(e!.message.en).toContain('"customer.orders.customer" is a reference to customer');
    expect(e!.hint.en).toBe('Compare one of its fields, e.g. customer.orders.customer.name = "Acme"');
    expect(check('COUNT(customer.orders, customer.orders.customer.name = "Acme")', { schema, root: 'deal' }).ok).toBe(true);
  });

  it('points an id in capitals to the id as stored', () => {
    const [e] = errs(`customer = "${IDS.c1.toUpperCase().replace(/^0/, 'A')}"`);
    expect(e).toMatchObject({ code: 'REF_TEXT' });
    expect(e!.hint.en).toBe(`Did you mean "${IDS.c1.replace(/^0/, 'a')}"?`);
  });

  it('accepts an id, another reference, a text expression and ordering', () => {
    for (const f of [
      `customer = "${IDS.c1}"`,
      'customer <> owner',
      'customer.owner = owner',
      'customer = name',
      'customer = "c" & name',
      'customer < "z"',
      'name = ""',
      'ISBLANK(owner)',
      'owner & "" = ""',
    ]) {
      expect(check(f, { schema, root: 'deal' }).ok, f).toBe(true);
    }
  });

  it('reads a reference as text in SQL (a uuid column) but joins on it as stored', () => {
    const c = check('customer & SUM(customer.orders.amount)', { schema, root: 'deal' });
    if (!c.ok) throw new Error('check');
    const { sql } = compileSql(c, { alias: 't' });
    expect(sql).toContain('("t"."customer_id")::text');
    expect(sql).toContain('WHERE "c1"."customer_id" = "t"."customer_id"');
  });
});

/** An object with a reference to `asset`, which has no `name`. */
function assetSchema(): FormulaSchema {
  const obj = (name: string, fields: FormulaField[]): FormulaObject => ({
    name,
    table: name,
    field: (n) => fields.find((f) => f.name === n),
    fieldNames: () => fields.map((f) => f.name),
    childNames: () => [],
  });
  const objects = [
    obj('ticket', [
      { name: 'asset', column: 'asset_id', type: 'text', ref: 'asset' },
      { name: 'title', column: 'title', type: 'text' },
    ]),
    obj('asset', [
      { name: 'id', column: 'id', type: 'text' },
      { name: 'vendor_id', column: 'vendor_id', type: 'text' },
      { name: 'cost', column: 'cost', type: 'money' },
      { name: 'serial', column: 'serial', type: 'text' },
      { name: 'tag', column: 'tag', type: 'text' },
    ]),
  ];
  return { object: (n) => objects.find((o) => o.name === n) };
}

describe('hints name only what the caller may see', () => {
  it('uses the first plain text field when the record has no name, skipping hidden ones', () => {
    const s = assetSchema();
    expect(errs('asset = "X-1"', { schema: s, root: 'ticket' })[0]!.hint.en).toBe('Compare one of its fields, e.g. asset.serial = "X-1"');
    expect(errs('asset = "X-1"', { schema: s, root: 'ticket', suggest: (o, n) => n !== 'serial' })[0]!.hint.en).toBe('Compare one of its fields, e.g. asset.tag = "X-1"');
    expect(errs('asset = "X-1"', { schema: s, root: 'ticket', suggest: (o) => o !== 'asset' })[0]!.hint.en).toBe('Compare one of its fields, e.g. asset.… = "X-1"');
    expect(errs('customer = "x"', { suggest: (o, n) => !(o === 'customer' && n === 'name') })[0]!.hint.en).toBe('Compare one of its fields, e.g. customer.tier = "x"');
  });

  it('"did you mean" never offers a field or relation the caller cannot read', () => {
    const hideCost = (o: string, n: string) => !(o === 'deal' && n === 'cost');
    expect(errs('1 + cots')[0]!.hint.en).toBe('Did you mean "cost"?');
    expect(errs('1 + cots', { suggest: hideCost })[0]!.hint.en).toBe('Did you mean "note"?');
    expect(errs('1 + csto', { suggest: hideCost })[0]!.hint.en).toBe('Check the spelling against the object fields');
    expect(errs('customer.owner.nme')[0]!.hint.en).toBe('Did you mean "name"?');
    expect(errs('customer.owner.nme', { suggest: (o) => o !== 'user' })[0]!.hint.en).not.toContain('name');
    expect(errs('SUM(lnes.amount)')[0]!.hint.en).toBe('Did you mean "lines"?');
    expect(errs('SUM(lnes.amount)', { suggest: (o, n) => n !== 'lines' })[0]!.hint.en).not.toContain('lines');
    // The filter only shapes hints: a field it hides still resolves (RBAC refuses it after the check).
    expect(check('cost + 1', { schema, root: 'deal', suggest: hideCost }).ok).toBe(true);
  });
});
