// References in formulas on a real tenant: they read as the record id (uuid columns) in SQL and in
// the sandbox alike, comparisons with text that can never match are refused at plan time, and
// hints never name a field the caller may not read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool } from '@attain/sandbox';
import { checkFormula, openTestStore, type RecordService, type Store } from '../src/index.ts';
import { err, baseDocs, props, system, tenantWith } from './fixtures.ts';

type Doc = Record<string, unknown>;
let store: Store;
let r: RecordService;
let pool: SandboxPool;
let acme: string;
let deal: string;
const T = 'frefs';

/** The base objects; `formula` adds a text formula field `f` to the deal. */
function docs(formula?: string, storage = 'text'): Doc[] {
  const all = baseDocs();
  const d = all.find((x) => x.name === 'deal')!;
  props(d).discount = { type: 'number', 'x-attain': { id: 'deal.discount', storage: 'money' } };
  props(d).account_key = { type: 'string', 'x-attain': { id: 'deal.account_key', formula: { expression: 'COALESCE(account, "none") & "/" & LEN(owner)' } } };
  if (formula) props(d).f = { type: storage === 'boolean' ? 'boolean' : 'string', 'x-attain': { id: 'deal.f', storage, formula: { expression: formula } } };
  return all;
}

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, T, docs());
  r = await store.records(T);
  acme = (await r.create('account', { name: 'Acme' }, system)).id;
  deal = (await r.create('deal', { name: 'D', amount: 10, account_id: acme }, system)).id;
  await r.create('deal', { name: 'E', amount: 20 }, system);
  pool = new SandboxPool({ size: 1 });
});
afterAll(async () => {
  await pool?.close();
});

describe('references in formulas', () => {
  it('read as the record id: formula fields, previews and the sandbox agree', async () => {
    // This field was a PostgreSQL type error (uuid vs text) on every read of a deal.
    expect(await r.get('deal', deal)).toMatchObject({ account_key: `${acme}/` });
    const other = (await r.list('deal', { filter: { account_key: { eq: 'none/' } } })).data;
    expect(other.map((d) => d.name)).toEqual(['E']);
    for (const engine of ['sql', 'sandbox'] as const) {
      const p = await r.previewFormula('deal', `IF(account = "${acme}", LEN(account), 0) & " " & (account.name = "Acme") & " " & COALESCE(owner, "-")`, { limit: 5, engine, pool });
      expect(p.ok && p.rows.map((x) => x.value)).toEqual([`36 TRUE -`, '0  -']);
    }
  });

  it('refuses at plan time a comparison with text that is no id, with the likely fix', async () => {
    const e = await err(store.metadata.plan(T, docs('account = "Acme"', 'boolean')));
    expect(e.code).toBe('metadata_invalid');
    expect(e.details[0]).toMatchObject({
      path: '/schema/properties/f/x-attain/formula/expression',
      rule: 'formula',
      message: '"account" is a reference to account: it holds the record\'s id, so it never equals "Acme" (line 1, column 1) — Compare one of its fields, e.g. account.name = "Acme"',
    });
    const empty = await err(store.metadata.plan(T, docs('owner_id <> ""', 'boolean')));
    expect(empty.details[0]?.message).toBe('"owner_id" is a reference: when not set it is empty (NULL), never "" (line 1, column 1) — Use ISBLANK(owner_id) or NOT ISBLANK(owner_id)');
    expect((await store.metadata.plan(T, docs(`account_id = "${acme}" OR NOT ISBLANK(owner)`, 'boolean'))).safe).toBe(true);
  });
});

describe('hints and hidden fields', () => {
  it('a preview never suggests a field hidden from the caller', async () => {
    const open = await r.previewFormula('deal', 'discont * 2');
    expect(!open.ok && open.errors[0]?.hint.en).toBe('Did you mean "discount"?');
    const rr = await store.records(T, { hiddenFields: new Set(['discount']) });
    const hidden = await rr.previewFormula('deal', 'discont * 2');
    expect(!hidden.ok && hidden.errors[0]).toMatchObject({ code: 'UNKNOWN_FIELD', hint: { en: 'Check the spelling against the object fields' } });
  });

  it('checkFormula takes what the caller may read, across objects and relations', async () => {
    const registry = await store.registry(T);
    const hint = (f: string, readable?: (o: string, field: string) => boolean) => {
      const c = checkFormula(registry, 'deal', f, readable);
      return c.ok ? '' : (c.errors[0]?.hint.en ?? '');
    };
    expect(hint('account.nme')).toBe('Did you mean "name"?');
    expect(hint('account.nme', (o, f) => !(o === 'account' && f === 'name'))).not.toContain('name');
    // A reference is offered under its hop name when its id field is readable.
    expect(hint('accout.name')).toBe('Did you mean "account"?');
    expect(hint('accout.name', (o, f) => f !== 'account_id')).not.toContain('account');
    expect(hint('account = "Acme"', (o, f) => !(o === 'account' && f === 'name'))).not.toContain('account.name');
    expect(checkFormula(registry, 'deal', 'discount * 2', () => false).ok).toBe(true);
  });
});
