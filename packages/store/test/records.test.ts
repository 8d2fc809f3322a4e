import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, StoreError, type RecordService, type Store } from '../src/index.ts';
import { benchAddField } from '../bench/add-field-bench.ts';
import { err, accountDoc, dealDoc, props, system, tenantWith, userDoc } from './fixtures.ts';

let store: Store;
let r: RecordService;
let accountId: string;

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'acme');
  r = await store.records('acme');
  accountId = (await r.create('account', { name: 'Acme Corp' }, system)).id;
});

describe('create and read', () => {
  it('stores money exactly, dates as YYYY-MM-DD, datetimes ISO, enums, refs and defaults', async () => {
    const d = await r.create(
      'deal',
      { name: 'Big', amount: '12345678901234.56', close_date: '2024-02-29', closed_at: '2024-03-01T10:00:00+02:00', account_id: accountId, tags: ['a', 'c'], hot: true, probability: 40 },
      system,
    );
    expect(d.amount).toBe('12345678901234.56');
    expect(d.close_date).toBe('2024-02-29');
    expect(d.closed_at).toBe('2024-03-01T08:00:00.000Z');
    expect(d.stage).toBe('new');
    expect(d.tags).toEqual(['a', 'c']);
    expect(d.probability).toBe(40);
    expect(d.version).toBe(1);
    expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(await r.get('deal', d.id)).toEqual(d);
    expect(await r.get('deal', 'not-a-uuid')).toBeUndefined();
    expect(await r.getMany('deal', [d.id, 'x', '00000000-0000-7000-8000-000000000000'])).toEqual([d]);
    expect(await r.getMany('deal', [])).toEqual([]);
  });

  it('owner defaults to the acting user', async () => {
    const user = await r.create('user', { name: 'Ann', email: 'ann@example.com' }, system);
    const d = await r.create('deal', { name: 'Owned', amount: 1 }, { userId: user.id });
    expect(d.owner_id).toBe(user.id);
    expect(d.created_by).toBe(user.id);
  });

  it('refuses wrong types, unknown, read-only and missing fields, naming field and rule', async () => {
    const e = await err(r.create('deal', { name: 5, amount: 'abc', stage: 'maybe', bogus: 1, version: 3, close_date: '2024-02-30x' }, system));
    expect(e.code).toBe('validation_failed');
    expect(e.status).toBe(422);
    const rules = e.details.map((d) => `${d.path}:${d.rule}`);
    expect(rules).toContain('/bogus:unknown_field');
    expect(rules).toContain('/version:read_only');
    const e2 = await err(r.create('deal', { name: 5, amount: 'abc', stage: 'maybe', close_date: '2024-02-30x' }, system));
    const paths = e2.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/name', '/amount', '/stage', '/close_date']));
    const e3 = await err(r.create('deal', { amount: 1 }, system));
    expect(e3.details).toEqual([expect.objectContaining({ path: '/name', rule: 'required' })]);
    expect((await err(r.create('deal', { name: 'x', amount: 1, account_id: '00000000-0000-7000-8000-000000000000' }, system))).details[0]?.rule).toBe('ref_exists');
    expect((await err(r.create('nope', {}, system))).code).toBe('not_found');
    expect((await err(r.create('deal', [] as unknown as Record<string, unknown>, system))).code).toBe('validation_failed');
    expect((await err(r.create('deal', { name: 'x', amount: 1 }, undefined as never))).code).toBe('validation_failed');
  });

  it('never leaks SQL in errors', async () => {
    const e = await err(r.create('deal', { name: 'x', amount: '99999999999999999999' }, system));
    expect(e.code).toBe('validation_failed');
    expect(e.message).not.toMatch(/insert|select|numeric/i);
  });
});

describe('update, delete, restore, concurrency', () => {
  it('updates with optimistic concurrency and audits before/after', async () => {
    const d = await r.create('deal', { name: 'V', amount: 10 }, system);
    const u = await r.update('deal', d.id, { amount: 11, note: 'n' }, system, { expectedVersion: 1 });
    expect(u.version).toBe(2);
    expect(u.amount).toBe('11.00');
    const e = await err(r.update('deal', d.id, { amount: 12 }, system, { expectedVersion: 1 }));
    expect(e.code).toBe('conflict');
    expect(e.status).toBe(409);
    expect((await err(r.update('deal', d.id, { name: null }, system))).details[0]?.rule).toBe('required');
    expect(await r.update('deal', d.id, {}, system)).toEqual(u);
    expect((await err(r.update('deal', '00000000-0000-7000-8000-000000000000', { amount: 1 }, system))).code).toBe('not_found');
    expect((await err(r.update('deal', 'zzz', { amount: 1 }, system))).code).toBe('not_found');
    const audit = await store.audit.list('acme', { recordId: d.id });
    expect(audit.map((a) => a.action)).toEqual(['update', 'create']);
    expect((audit[0]?.before as { amount: string }).amount).toBe('10.00');
    expect((audit[0]?.after as { amount: string }).amount).toBe('11.00');
  });

  it('soft-deletes and restores', async () => {
    const d = await r.create('deal', { name: 'Del', amount: 1, external_id: 'del-1' }, system);
    await r.delete('deal', d.id, system);
    expect(await r.get('deal', d.id)).toBeUndefined();
    expect((await r.get('deal', d.id, { includeDeleted: true }))?.id).toBe(d.id);
    expect((await r.list('deal', { filter: { id: { eq: d.id } }, includeDeleted: true })).data).toHaveLength(1);
    expect((await err(r.delete('deal', d.id, system))).code).toBe('not_found');
    // external_id is unique among live rows only
    const again = await r.create('deal', { name: 'Del2', amount: 1, external_id: 'del-1' }, system);
    expect((await err(r.restore('deal', d.id, system))).code).toBe('conflict');
    await r.delete('deal', again.id, system);
    const back = await r.restore('deal', d.id, system);
    expect(back.version).toBe(3);
    expect((await err(r.restore('deal', d.id, system))).code).toBe('not_found');
    const actions = (await store.audit.list('acme', { recordId: d.id })).map((a) => a.action);
    expect(actions).toEqual(['restore', 'delete', 'create']);
  });

  it('restricts deleting a referenced record', async () => {
    const a = await r.create('account', { name: 'Ref' }, system);
    const d = await r.create('deal', { name: 'R', amount: 1, account_id: a.id }, system);
    const e = await err(r.delete('account', a.id, system));
    expect(e.code).toBe('conflict');
    expect(e.details[0]?.rule).toBe('restrict');
    await r.delete('deal', d.id, system);
    await r.delete('account', a.id, system);
  });

  it('cascades and nulls references on soft delete, per the ref rule', async () => {
    const store2 = await openTestStore();
    const docs = [userDoc(), accountDoc(), dealDoc()];
    const deal = props(docs[2] as Record<string, unknown>);
    (deal.account_id as { 'x-attain': { ref: { onDelete: string } } })['x-attain'].ref.onDelete = 'cascade';
    deal.owner_user = { type: 'string', 'x-attain': { id: 'deal.owner_user', ref: { object: 'user', onDelete: 'set_null' } } };
    await tenantWith(store2, 'casc', docs);
    const rr = await store2.records('casc');
    const u = await rr.create('user', { name: 'U' }, system);
    const a = await rr.create('account', { name: 'A' }, system);
    const d = await rr.create('deal', { name: 'D', amount: 1, account_id: a.id, owner_user: u.id }, system);
    await rr.delete('user', u.id, system);
    expect((await rr.get('deal', d.id))?.owner_user).toBeNull();
    await rr.delete('account', a.id, system);
    expect(await rr.get('deal', d.id)).toBeUndefined();
    expect((await store2.audit.list('casc', { object: 'deal' })).map((x) => x.action)).toEqual(['delete', 'update', 'create']);
  });

  it('the add-field bench helper plans and applies a nullable field', async () => {
    const ms = await benchAddField(store, 'acme', 'deal');
    expect(ms).toBeGreaterThan(0);
    expect((await store.registry('acme')).object('deal')?.fields.some((f) => f.name.startsWith('bench_note_'))).toBe(true);
    r = await store.records('acme');
  });

  it('unique fields conflict', async () => {
    await r.create('user', { name: 'U', email: 'dup@example.com' }, system);
    expect((await err(r.create('user', { name: 'U2', email: 'dup@example.com' }, system))).code).toBe('conflict');
  });
});

describe('upsert', () => {
  it('creates then updates by external_id in one statement, auditing each row', async () => {
    const first = await r.upsert(
      'account',
      [
        { external_id: 'ext-1', name: 'One' },
        { external_id: 'ext-2', name: 'Two' },
      ],
      system,
    );
    expect(first).toMatchObject({ created: 2, updated: 0 });
    const second = await r.upsert(
      'account',
      [
        { external_id: 'ext-1', name: 'One!' },
        { external_id: 'ext-3', name: 'Three' },
      ],
      system,
    );
    expect(second).toMatchObject({ created: 1, updated: 1 });
    expect(second.records[0]).toMatchObject({ external_id: 'ext-1', name: 'One!', version: 2, id: first.records[0]?.id });
    const audit = await store.audit.list('acme', { recordId: first.records[0]?.id });
    expect(audit.map((a) => a.action)).toEqual(['update', 'create']);
    const bad = await err(r.upsert('account', [{ external_id: 'x', name: 5 }, { name: 'no ext' } as never, { external_id: 'x', name: 'dup' }], system));
    expect(bad.details.map((d) => `${d.path}:${d.rule}`)).toEqual(expect.arrayContaining(['/0/name:type', '/1/external_id:required', '/2/external_id:unique']));
    expect((await err(r.upsert('account', [], system))).code).toBe('validation_failed');
    expect((await err(r.upsert('deal', [{ external_id: 'd', name: 'd', amount: 1, account_id: '00000000-0000-7000-8000-000000000000' }], system))).details[0]?.rule).toBe('ref_exists');
  });
});
