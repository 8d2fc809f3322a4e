// The SQL back end's `rowScope`: related rows outside a record scope read as blank (parent hops)
// or are not aggregated (children), on a real database; the root row is the caller's to scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compileSql, type RowScope } from '../src/index.ts';
import { createFixture, insert, openDb, schema, uuid, type Db } from './fixture.ts';

let db: Db;
const me = uuid();
const other = uuid();
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await openDb();
  await createFixture(db);
  ids.mine = uuid();
  ids.theirs = uuid();
  await insert(db, 'customer', { id: ids.mine, name: 'Mine', owner_id: me });
  await insert(db, 'customer', { id: ids.theirs, name: 'Theirs', owner_id: other });
  ids.deal = uuid();
  await insert(db, 'deal', { id: ids.deal, name: 'd', customer_id: ids.theirs, owner_id: me });
  ids.deal2 = uuid();
  await insert(db, 'deal', { id: ids.deal2, name: 'd2', customer_id: ids.mine, owner_id: me });
  for (const [customer, amount] of [
    [ids.mine, '10'],
    [ids.mine, '20'],
    [ids.theirs, '40'],
  ] as const) {
    await insert(db, 'order', { id: uuid(), customer_id: customer, amount });
  }
});

afterAll(async () => {
  await db?.close();
});

/** One formula's value per root row of `root`, ordered by id, under an optional scope. */
async function values(formula: string, root: string, table: string, rowScope?: (object: string) => RowScope | undefined, joins = false): Promise<unknown[]> {
  const r = check(formula, { schema, root });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const s = compileSql(r, { alias: 't', ...(rowScope ? { rowScope } : {}), ...(joins ? { joinPrefix: 'j_' } : {}) });
  const from = s.joins.map((j) => j.sql).join(' ');
  const rows = await db.query(`SELECT (${s.sql})::text AS v FROM "${table}" AS "t" ${from} ORDER BY "t"."id"`, [...s.bindings, ...s.joins.flatMap((j) => j.bindings)]);
  return rows.map((x) => x.v);
}

const mine = (object: string): RowScope | undefined => (object === 'customer' ? { column: 'owner_id', owners: [me.toUpperCase()] } : undefined);
const none = (object: string): RowScope | undefined => (object === 'customer' ? { column: 'owner_id', owners: [] } : undefined);

describe('compileSql rowScope', () => {
  it('a parent outside the scope reads as NULL; inside it reads as before', async () => {
    expect(await values('customer.name', 'deal', 'deal')).toEqual(['Theirs', 'Mine']);
    expect(await values('customer.name', 'deal', 'deal', mine)).toEqual([null, 'Mine']);
    expect(await values('customer.name', 'deal', 'deal', none)).toEqual([null, null]);
    // The same with the hop as a LEFT JOIN (reports): the scope sits in the join's ON clause.
    expect(await values('customer.name', 'deal', 'deal', mine, true)).toEqual([null, 'Mine']);
    expect(await values('customer.name', 'deal', 'deal', none, true)).toEqual([null, null]);
    expect(await values('customer.name & customer.name', 'deal', 'deal', undefined, true)).toEqual(['TheirsTheirs', 'MineMine']);
    const twice = check('customer.name & customer.name', { schema, root: 'deal' });
    if (!twice.ok) throw new Error('check failed');
    expect(compileSql(twice, { alias: 't', joinPrefix: 'j_' }).joins).toHaveLength(1);
  });

  it('children are aggregated only inside the scope, also when reached through a parent', async () => {
    const orderScope = (object: string): RowScope | undefined => (object === 'order' ? { column: 'customer_id', owners: [ids.mine!] } : undefined);
    expect(await values('SUM(orders.amount)', 'customer', 'customer')).toEqual(['30.00', '40.00']);
    expect(await values('SUM(orders.amount)', 'customer', 'customer', orderScope)).toEqual(['30.00', '0']);
    // deal → customer (scoped) → orders: an out-of-scope parent has no children.
    expect(await values('COUNT(customer.orders)', 'deal', 'deal')).toEqual(['1', '2']);
    expect(await values('COUNT(customer.orders)', 'deal', 'deal', mine)).toEqual(['0', '2']);
  });

  it('binds the owner ids as one array value and ignores anything that is not a uuid', async () => {
    const r = check('customer.name', { schema, root: 'deal' });
    if (!r.ok) throw new Error('check failed');
    const evil = "x'); DROP TABLE deal; --";
    const s = compileSql(r, { alias: 't', rowScope: () => ({ column: 'owner_id', owners: [evil, me] }) });
    expect(s.sql).not.toContain('DROP');
    expect(s.bindings).toEqual([`{${me}}`]);
    expect(() => compileSql(r, { alias: 't', rowScope: () => ({ column: 'owner"; --', owners: [me] }) })).toThrow(/invalid SQL identifier/);
  });
});
