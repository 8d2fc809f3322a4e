import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, StoreError, type Store, type TenantModule } from '../src/index.ts';

const notes: TenantModule<'note'> = {
  name: 'portnotes',
  tables: ['note'],
  migrations: [{ version: 1, up: async (trx, schema) => void (await trx.raw('create table if not exists ??.attain_portnotes_note (id int primary key, body text)', [schema])) }],
};
// Declared but never installed in the tenant.
const absent: TenantModule<'thing'> = { name: 'portabsent', tables: ['thing'], migrations: [] };

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  await store.tenants.create('portt');
});

describe('data port', () => {
  it("names a module's own tables by declared short name, bound to the tenant schema", async () => {
    const port = await store.port('portt', notes);
    expect(port.module).toBe('portnotes');
    expect(port.name('note')).toBe(`"${port.schema}"."attain_portnotes_note"`);
    await port.table('note').insert({ id: 1, body: 'hello' });
    expect(await port.table('note').select('body')).toEqual([{ body: 'hello' }]);
    // A name the module does not declare is refused, not built.
    expect(() => port.name('other' as 'note')).toThrow(StoreError);
  });

  it("reaches another module's table only as its owner declares it, and says when it is not installed", async () => {
    const port = await store.port('portt', absent);
    const note = port.foreign(notes, 'note');
    expect(note.name).toBe(`"${port.schema}"."attain_portnotes_note"`);
    expect(await note.exists()).toBe(true);
    expect(await note.query().count({ n: '*' })).toEqual([{ n: expect.anything() }]);
    expect(await (await store.port('portt', notes)).foreign(absent, 'thing').exists()).toBe(false);
  });

  it("writes the audit log, in the caller's transaction", async () => {
    const port = await store.port('portt', notes);
    await port.audit({ actor: { userId: null, label: 'test' }, action: 'portnotes.note.save', object: 'portnote', before: { body: 'a' }, after: { body: 'b' } });
    await expect(
      port.knex.transaction(async (trx) => {
        await port.audit({ actor: { userId: null, label: 'test' }, action: 'portnotes.note.lost', object: 'portnote' }, trx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const entries = await store.audit.list('portt', { object: 'portnote' });
    expect(entries.map((e) => e.action)).toEqual(['portnotes.note.save']);
    expect(entries[0]).toMatchObject({ actor: { userId: null, label: 'test' }, before: { body: 'a' }, after: { body: 'b' }, recordId: null });
  });
});
