import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, StoreError, type Store } from '../src/index.ts';
import { err, accountDoc, baseDocs, clone, columns, dealDoc, props, system, tenantWith, userDoc } from './fixtures.ts';

let store: Store;

async function revision(tenant: string): Promise<number> {
  return (await store.tenants.get(tenant))?.revision ?? -1;
}

async function seed(tenant: string, n = 5): Promise<void> {
  const r = await store.records(tenant);
  for (let i = 0; i < n; i++) await r.create('deal', { name: `d${i}`, amount: i + 0.5, note: `note ${i}` }, system);
}

beforeAll(async () => {
  store = await openTestStore();
});

describe('plan and apply', () => {
  it('dry run changes nothing; identical docs give an empty plan and no revision', async () => {
    await store.tenants.create('m1');
    const plan = await store.metadata.plan('m1', baseDocs());
    expect(plan.safe).toBe(true);
    expect(plan.toRevision).toBe(1);
    expect(plan.steps.map((s) => s.kind)).toContain('create_table');
    expect(await columns(store, 'm1', 'deal')).toEqual({});
    expect(await revision('m1')).toBe(0);
    const applied = await store.metadata.apply('m1', baseDocs(), { actor: system });
    expect(applied.revision).toBe(1);
    const cols = await columns(store, 'm1', 'deal');
    expect(cols.amount?.type).toBe('numeric');
    expect(cols.name).toEqual({ type: 'character varying(100)', nullable: false });
    expect(cols.tags?.type).toBe('ARRAY');
    expect(cols.account_id?.type).toBe('uuid');
    expect(cols.probability?.type).toBe('bigint');
    const again = await store.metadata.apply('m1', [...baseDocs()].reverse(), { actor: system });
    expect(again.plan.empty).toBe(true);
    expect(again.revision).toBe(1);
    expect(await revision('m1')).toBe(1);
  });

  it('reports every metadata problem and changes nothing', async () => {
    const bad = dealDoc();
    props(bad).select = { type: 'string', 'x-attain': { id: 'deal.select' } };
    props(bad).amount = { type: 'number', 'x-attain': { id: 'deal.name' } };
    const e = await err(store.metadata.apply('m1', [userDoc(), accountDoc(), bad, { kind: 'weird' }], { actor: system }));
    expect(e.code).toBe('metadata_invalid');
    expect(e.details.length).toBeGreaterThanOrEqual(3);
    expect(e.details.map((d) => d.rule)).toEqual(expect.arrayContaining(['reserved_name', 'duplicate_id', 'enum']));
    expect(await revision('m1')).toBe(1);
    expect((await err(store.metadata.plan('m1', 'x' as never))).code).toBe('metadata_invalid');
    expect((await err(store.metadata.apply('m1', baseDocs(), { actor: system, purge: 'x' as never }))).code).toBe('validation_failed');
    expect((await err(store.metadata.apply('m1', baseDocs(), { actor: system, backfill: [] as never }))).code).toBe('validation_failed');
    expect((await err(store.metadata.apply('m1', baseDocs(), {} as never))).code).toBe('validation_failed');
    expect((await err(store.metadata.apply('nope', baseDocs(), { actor: system }))).code).toBe('not_found');
  });
});

describe('renames, hides, restores, purges', () => {
  it('renames a field and an object by id, keeping every row', async () => {
    await tenantWith(store, 'm2');
    await seed('m2');
    const docs = baseDocs();
    const deal = docs[2] as Record<string, unknown>;
    deal.name = 'opportunity';
    const p = props(deal);
    p.value = p.amount as Record<string, unknown>;
    delete p.amount;
    (deal.schema as { required: string[] }).required = ['name', 'value', 'stage'];
    const plan = await store.metadata.plan('m2', docs);
    const sentences = plan.steps.map((s) => s.sentence);
    expect(sentences).toContain('Rename object "deal" to "opportunity" (data kept)');
    expect(sentences).toContain('Rename field "amount" to "value" on "opportunity" (data kept)');
    expect(plan.steps.map((s) => s.kind)).not.toContain('add_column');
    await store.metadata.apply('m2', docs, { actor: system });
    const r = await store.records('m2');
    const rows = (await r.list('opportunity', { sort: [{ field: 'name', dir: 'asc' }] })).data;
    expect(rows.map((x) => x.value)).toEqual(['0.50', '1.50', '2.50', '3.50', '4.50']);
    expect(await columns(store, 'm2', 'deal')).toEqual({});
    // rollback renames back, data kept
    const back = await store.metadata.rollback('m2', 1, { userId: null, label: 'admin' });
    expect(back.revision).toBe(3);
    expect(back.plan.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['rename_table', 'rename_column']));
    const r2 = await store.records('m2');
    expect((await r2.list('deal')).data.map((x) => x.amount).sort()).toEqual(['0.50', '1.50', '2.50', '3.50', '4.50']);
    const history = await store.metadata.history('m2');
    expect(history.map((h) => h.revision)).toEqual([3, 2, 1, 0]);
    expect(history[0]?.actor).toEqual({ userId: null, label: 'admin' });
    const rev2 = await store.metadata.revision('m2', 2);
    expect((rev2.docs[2] as { name: string }).name).toBe('opportunity');
    const diff = await store.metadata.diff('m2', 1, 2);
    expect(diff.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['rename_table', 'rename_column']));
    expect((await store.metadata.diff('m2', 1, 3)).empty).toBe(true);
    expect((await err(store.metadata.revision('m2', 99))).code).toBe('not_found');
    expect((await err(store.metadata.diff('m2', 1.5, 2))).code).toBe('not_found');
  });

  it('a removed field keeps its column and data, comes back when re-added, and purge drops it', async () => {
    await tenantWith(store, 'm3');
    await seed('m3', 3);
    const without = baseDocs();
    delete props(without[2] as Record<string, unknown>).note;
    const plan = await store.metadata.plan('m3', without);
    expect(plan.steps.map((s) => s.kind)).toEqual(['hide_field']);
    await store.metadata.apply('m3', without, { actor: system });
    expect(await columns(store, 'm3', 'deal')).toHaveProperty('note');
    const r = await store.records('m3');
    expect((await r.list('deal')).data[0]).not.toHaveProperty('note');
    expect((await err(r.list('deal', { filter: { note: { eq: 'x' } } }))).code).toBe('unknown_field');
    await r.create('deal', { name: 'while hidden', amount: 1 }, system);
    // a new field may take the hidden field's name: the kept column is moved aside
    const reuse = baseDocs();
    props(reuse[2] as Record<string, unknown>).note = { type: 'integer', 'x-attain': { id: 'deal.note2' } };
    await store.metadata.apply('m3', reuse, { actor: system });
    const cols = await columns(store, 'm3', 'deal');
    expect(cols.note?.type).toBe('bigint');
    expect(Object.keys(cols).some((c) => c.startsWith('attain_h_'))).toBe(true);
    // re-add the original id (under a new name): data is back
    const restored = baseDocs();
    props(restored[2] as Record<string, unknown>).memo = { type: 'string', maxLength: 200, 'x-attain': { id: 'deal.note' } };
    delete props(restored[2] as Record<string, unknown>).note;
    const rp = await store.metadata.plan('m3', restored);
    expect(rp.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['restore_field', 'hide_field']));
    await store.metadata.apply('m3', restored, { actor: system });
    const rows = (await (await store.records('m3')).list('deal', { sort: [{ field: 'name', dir: 'asc' }] })).data;
    expect(rows.map((x) => x.memo)).toEqual(['note 0', 'note 1', 'note 2', null]);
    // purge the hidden integer field by id
    const purge = await store.metadata.apply('m3', restored, { actor: system, purge: ['deal.note2'] });
    expect(purge.plan.steps.map((s) => s.kind)).toEqual(['purge_field']);
    expect(Object.keys(await columns(store, 'm3', 'deal')).filter((c) => c.startsWith('attain_h_'))).toEqual([]);
  });

  it('hides and restores whole objects, and purges them by id', async () => {
    await tenantWith(store, 'm4');
    await store.records('m4').then((r) => r.create('account', { name: 'kept' }, system));
    const noDeal = [userDoc(), accountDoc()];
    const plan = await store.metadata.plan('m4', noDeal);
    expect(plan.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['hide_object', 'drop_foreign_key']));
    await store.metadata.apply('m4', noDeal, { actor: system });
    const noAccount = [userDoc()];
    await store.metadata.apply('m4', noAccount, { actor: system });
    expect(await columns(store, 'm4', 'account')).toHaveProperty('name');
    await store.metadata.apply('m4', baseDocs(), { actor: system });
    const r = await store.records('m4');
    expect((await r.list('account')).data.map((a) => a.name)).toEqual(['kept']);
    await store.metadata.apply('m4', [userDoc(), accountDoc()], { actor: system });
    const purged = await store.metadata.apply('m4', [userDoc(), accountDoc()], { actor: system, purge: ['obj.deal'] });
    expect(purged.plan.steps.map((s) => s.kind)).toEqual(['purge_object']);
    expect(await columns(store, 'm4', 'deal')).toEqual({});
  });
});

describe('unsafe changes are refused and nothing changes', () => {
  async function refused(tenant: string, docs: unknown[], rule: string, opts: Record<string, unknown> = {}): Promise<StoreError> {
    const before = await revision(tenant);
    const colsBefore = await columns(store, tenant, 'deal');
    const plan = await store.metadata.plan(tenant, docs, opts);
    expect(plan.safe).toBe(false);
    const e = await err(store.metadata.apply(tenant, docs, { actor: system, ...opts }));
    expect(e.code).toBe('unsafe_change');
    expect(e.details.map((d) => d.rule)).toContain(rule);
    expect(e.details[0]?.message).toMatch(/\w/);
    expect(await revision(tenant)).toBe(before);
    expect(await columns(store, tenant, 'deal')).toEqual(colsBefore);
    return e;
  }

  it('narrowing, storage changes, required without backfill, duplicates, ref retargeting', async () => {
    await tenantWith(store, 'm5');
    await seed('m5', 3);
    const r = await store.records('m5');
    await r.create('deal', { name: 'd0', amount: 1 }, system);

    const narrow = baseDocs();
    (props(narrow[2] as Record<string, unknown>).name as Record<string, unknown>).maxLength = 10;
    expect((await refused('m5', narrow, 'widen_column')).message).toMatch(/shortening/);

    const storage = baseDocs();
    props(storage[2] as Record<string, unknown>).note = { type: 'integer', 'x-attain': { id: 'deal.note' } };
    await refused('m5', storage, 'widen_column');

    const required = baseDocs();
    (required[2] as { schema: { required: string[] } }).schema.required.push('close_date');
    await refused('m5', required, 'set_required');

    const newRequired = baseDocs();
    props(newRequired[2] as Record<string, unknown>).region = { type: 'string', 'x-attain': { id: 'deal.region' } };
    (newRequired[2] as { schema: { required: string[] } }).schema.required.push('region');
    await refused('m5', newRequired, 'add_column');

    const unique = baseDocs();
    (props(unique[2] as Record<string, unknown>).name as { 'x-attain': Record<string, unknown> })['x-attain'].unique = true;
    await refused('m5', unique, 'add_index');

    const retarget = [...baseDocs()];
    (props(retarget[2] as Record<string, unknown>).account_id as { 'x-attain': { ref: { object: string } } })['x-attain'].ref.object = 'user';
    await refused('m5', retarget, 'add_foreign_key');

    const badBackfill = clone(required);
    await refused('m5', badBackfill, 'set_required', { backfill: { 'deal.close_date': 'not a date' } });

    const numeric = baseDocs();
    (props(numeric[2] as Record<string, unknown>).amount as { 'x-attain': Record<string, unknown> })['x-attain'].scale = 1;
    await refused('m5', numeric, 'widen_column');
  });

  it('a table that Attain did not create is not taken over', async () => {
    await store.tenants.create('m6');
    const t = await store.tenants.get('m6');
    await store.db.knex.raw(`create table "${t?.schema}"."account" (x int)`);
    const e = await err(store.metadata.apply('m6', [userDoc(), accountDoc()], { actor: system }));
    expect(e.code).toBe('unsafe_change');
    expect(await revision('m6')).toBe(0);
  });
});

describe('safe changes on filled tables', () => {
  it('ends every plain index with id, so a sorted list page is read straight from the index', async () => {
    await tenantWith(store, 'm7i');
    const t = (await store.tenants.get('m7i'))!;
    const table = (await store.registry('m7i')).object('deal')!.table;
    const defs = (await store.db.knex.raw(`select indexdef from pg_indexes where schemaname = ? and tablename = ?`, [t.schema, table])).rows.map((r: { indexdef: string }) => r.indexdef);
    expect(defs.some((d: string) => /\(stage, close_date, id\)$/.test(d))).toBe(true);
    // Unique indexes keep exactly their declared columns.
    expect(defs.some((d: string) => /UNIQUE INDEX .*\(external_id\) WHERE/.test(d))).toBe(true);
    const r = await store.records('m7i');
    for (let i = 0; i < 30; i++) await r.create('deal', { name: `d${i}`, amount: i, stage: i % 2 ? 'won' : 'new', close_date: `2025-01-${String(1 + (i % 3)).padStart(2, '0')}` }, system);
    const page = await r.list('deal', { filter: { stage: { eq: 'won' } }, sort: [{ field: 'close_date', dir: 'desc' }], limit: 5 });
    expect(page.data.map((d) => d.close_date)).toEqual([...page.data.map((d) => d.close_date)].sort().reverse());
  });

  it('backfills, widens, sets defaults, adds required-with-default, unique and composite indexes', async () => {
    await tenantWith(store, 'm7');
    await seed('m7', 4);
    const docs = baseDocs();
    const deal = docs[2] as { schema: { required: string[] } } & Record<string, unknown>;
    const p = props(deal);
    deal.schema.required.push('close_date');
    (p.name as Record<string, unknown>).maxLength = 300;
    p.note = { type: 'string', 'x-attain': { id: 'deal.note', storage: 'long_text' } };
    p.probability = { type: 'number', 'x-attain': { id: 'deal.probability', precision: 30, scale: 4 } };
    p.region = { type: 'string', default: "o'hare \\ north", 'x-attain': { id: 'deal.region' } };
    deal.schema.required.push('region');
    (p.stage as Record<string, unknown>).default = 'won';
    (p.account_id as { 'x-attain': { ref: { onDelete: string } } })['x-attain'].ref.onDelete = 'set_null';
    (p.hot as { 'x-attain': Record<string, unknown> })['x-attain'].label = { en: 'Hot!' };
    const plan = await store.metadata.plan('m7', docs, { backfill: { 'deal.close_date': '2024-12-31' } });
    expect(plan.safe).toBe(true);
    const kinds = plan.steps.map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['set_required', 'widen_column', 'add_column', 'set_default', 'drop_foreign_key', 'add_foreign_key']));
    await store.metadata.apply('m7', docs, { actor: system, backfill: { 'deal.close_date': '2024-12-31' } });
    const cols = await columns(store, 'm7', 'deal');
    expect(cols.close_date?.nullable).toBe(false);
    expect(cols.name?.type).toBe('character varying(300)');
    expect(cols.note?.type).toBe('text');
    const r = await store.records('m7');
    const rows = (await r.list('deal')).data;
    expect(rows.every((x) => x.close_date === '2024-12-31' && x.region === "o'hare \\ north")).toBe(true);
    const created = await r.create('deal', { name: 'n', amount: 1, close_date: '2025-01-01' }, system);
    expect(created.stage).toBe('won');
    // labels only
    const labels = clone(docs);
    (labels[2] as { label: Record<string, string> }).label = { en: 'Opportunity' };
    const lp = await store.metadata.plan('m7', labels);
    expect(lp.steps.map((s) => s.kind)).toEqual(['metadata_only']);
    // drop required and default
    const relaxed = clone(labels);
    (relaxed[2] as { schema: { required: string[] } }).schema.required = ['name', 'amount', 'stage'];
    delete (props(relaxed[2] as Record<string, unknown>).region as Record<string, unknown>).default;
    const rp = await store.metadata.apply('m7', relaxed, { actor: system });
    expect(rp.plan.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['drop_required', 'set_default']));
    expect((await columns(store, 'm7', 'deal')).region?.nullable).toBe(true);
  });

  it('integer to decimal widens when values fit', async () => {
    await tenantWith(store, 'm8');
    const r = await store.records('m8');
    await r.create('deal', { name: 'x', amount: 1, probability: 42 }, system);
    const docs = baseDocs();
    props(docs[2] as Record<string, unknown>).probability = { type: 'number', 'x-attain': { id: 'deal.probability', storage: 'percent' } };
    await store.metadata.apply('m8', docs, { actor: system });
    expect((await (await store.records('m8')).list('deal')).data[0]?.probability).toBe('42.000000');
  });
});

describe('roles and the audit log', () => {
  it('records metadata changes and refuses to alter the audit log', async () => {
    await tenantWith(store, 'm9');
    const role = { kind: 'role', id: 'role.rep', name: 'rep', label: { en: 'Rep' }, permissions: [{ object: 'deal', actions: ['read'], scope: 'own' }] };
    const withRole = [...baseDocs(), role];
    const p = await store.metadata.plan('m9', withRole);
    expect(p.steps.map((s) => s.sentence)).toEqual(['Add role "rep"']);
    await store.metadata.apply('m9', withRole, { actor: system });
    const changed = clone(withRole);
    (changed[3] as { label: Record<string, string> }).label = { en: 'Sales rep' };
    expect((await store.metadata.plan('m9', changed)).steps.map((s) => s.kind)).toEqual(['metadata_only']);
    expect((await store.metadata.plan('m9', baseDocs())).steps.map((s) => s.sentence)).toEqual(['Remove role "rep"']);
    const audit = await store.audit.list('m9');
    expect(audit.map((a) => a.action)).toEqual(['metadata.apply', 'metadata.apply', 'tenant.create']);
    expect(await store.audit.list('m9', { limit: 1, before: audit[0]?.id })).toHaveLength(1);
    expect(await store.audit.list('m9', { object: 'deal' })).toEqual([]);
    expect((await err(store.audit.list('m9', { limit: 0 }))).code).toBe('invalid_filter');
    expect((await err(store.audit.list('m9', { recordId: 'x' }))).code).toBe('invalid_filter');
    expect((await err(store.audit.list('m9', { before: 'x; drop' }))).code).toBe('invalid_cursor');
    const table = `${store.controlSchema}.audit_log`;
    await expect(store.db.knex.raw(`update ${table} set action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(store.db.knex.raw(`delete from ${table}`)).rejects.toThrow(/append-only/);
    await expect(store.db.knex.raw(`truncate ${table}`)).rejects.toThrow(/append-only/);
  });
});
