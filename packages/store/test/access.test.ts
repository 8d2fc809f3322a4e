import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, StoreError, type RecordService, type Store } from '../src/index.ts';
import { err, system, tenantWith } from './fixtures.ts';

let store: Store;
let admin: RecordService;
let ann: string;
let bob: string;

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'acc');
  admin = await store.records('acc');
  ann = (await admin.create('user', { name: 'Ann' }, system)).id;
  bob = (await admin.create('user', { name: 'Bob' }, system)).id;
  await admin.create('deal', { name: 'ann1', amount: 1, note: 'secret-a' }, { userId: ann });
  await admin.create('deal', { name: 'ann2', amount: 2, note: 'secret-b' }, { userId: ann });
  await admin.create('deal', { name: 'bob1', amount: 3, note: 'secret-c' }, { userId: bob });
});

describe('record access', () => {
  it('rowFilter limits list, get, getMany, count, update, delete', async () => {
    const r = await store.records('acc', { rowFilter: { ownerIn: [ann] } });
    const list = await r.list('deal', { withTotal: true });
    expect(list.data.map((d) => d.name)).toEqual(['ann1', 'ann2']);
    expect(list.total).toBe(2);
    expect(await r.count('deal')).toBe(2);
    const bobs = (await admin.list('deal', { filter: { name: { eq: 'bob1' } } })).data[0];
    expect(bobs).toBeDefined();
    const bobId = bobs?.id as string;
    expect(await r.get('deal', bobId)).toBeUndefined();
    expect(await r.getMany('deal', [bobId])).toEqual([]);
    expect((await err(r.update('deal', bobId, { amount: 9 }, { userId: ann }))).code).toBe('not_found');
    expect((await err(r.delete('deal', bobId, { userId: ann }))).code).toBe('not_found');
    // cannot give a record away to someone outside the scope, nor create one for them
    const mine = list.data[0]?.id as string;
    expect((await err(r.update('deal', mine, { owner_id: bob }, { userId: ann }))).details[0]?.rule).toBe('owner_scope');
    expect((await err(r.create('deal', { name: 'x', amount: 1, owner_id: bob }, { userId: ann }))).details[0]?.rule).toBe('owner_scope');
    const created = await r.create('deal', { name: 'ann3', amount: 1 }, { userId: ann });
    expect(created.owner_id).toBe(ann);
    const none = await store.records('acc', { rowFilter: { ownerIn: [] } });
    expect(await none.count('deal')).toBe(0);
    // user objects are not owned: created_by is the scope column
    const users = await store.records('acc', { rowFilter: { ownerIn: [ann] } });
    expect(await users.count('user')).toBe(0);
    await admin.upsert('deal', [{ external_id: 'bob-ext', name: 'bx', amount: 1 }], { userId: bob });
    // An external id taken outside the scope is refused like a free one (no existence oracle).
    const taken = await err(r.upsert('deal', [{ external_id: 'bob-ext', name: 'mine now', amount: 1 }], { userId: ann }));
    const free = await err(r.upsert('deal', [{ external_id: 'free-ext', name: 'new', amount: 1 }], { userId: ann }));
    expect(taken.code).toBe('validation_failed');
    expect([taken.message, taken.details]).toEqual([free.message, free.details]);
  });

  it('hidden fields are not returned and cannot be filtered, sorted, searched or written', async () => {
    const r = await store.records('acc', { hiddenFields: new Set(['note', 'amount']) });
    const list = await r.list('deal');
    expect(list.data[0]).not.toHaveProperty('note');
    expect(list.data[0]).not.toHaveProperty('amount');
    expect(list.data[0]).toHaveProperty('name');
    const one = await r.get('deal', list.data[0]?.id as string);
    expect(one).not.toHaveProperty('note');
    expect((await err(r.list('deal', { filter: { note: { eq: 'secret-a' } } }))).code).toBe('field_hidden');
    expect((await err(r.list('deal', { filter: { or: [{ name: { eq: 'x' } }, { not: { amount: { gt: 1 } } }] } }))).status).toBe(403);
    expect((await err(r.count('deal', { note: { isNull: false } }))).code).toBe('field_hidden');
    expect((await err(r.list('deal', { sort: [{ field: 'amount', dir: 'asc' }] }))).code).toBe('field_hidden');
    expect((await err(r.create('deal', { name: 'x', note: 'y' }, system))).code).toBe('field_hidden');
    const withSearchable = await store.records('acc', { hiddenFields: new Set(['name']) });
    expect(await withSearchable.count('deal', undefined, { search: 'ann' })).toBe(0);
  });

  it('read-only fields cannot be written', async () => {
    const r = await store.records('acc', { readOnlyFields: new Set(['amount']) });
    const e = await err(r.create('deal', { name: 'x', amount: 1 }, system));
    expect(e.details[0]).toMatchObject({ path: '/amount', rule: 'read_only' });
    await expect(store.records('acc', { rowFilter: { ownerIn: 'x' as never } })).rejects.toThrow(StoreError);
  });
});
