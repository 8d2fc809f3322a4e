import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementName, usePreparedStatements } from '../src/prepared-statements.ts';

const PG = process.env.DATABASE_URL;

describe('which queries are named', () => {
  it('names single builder SELECTs by a hash of their text, and nothing else', () => {
    const a = statementName({ method: 'select', sql: 'select "id" from "t" where "x" = ?' });
    expect(a).toMatch(/^a_[0-9a-f]{24}$/);
    expect(statementName({ method: 'first', sql: 'select "id" from "t" where "x" = ?' })).toBe(a);
    expect(statementName({ method: 'select', sql: 'select "id" from "t" where "x" = ? limit ?' })).not.toBe(a);
    expect(statementName({ method: 'select', sql: 'with c as (select 1) select * from c' })).toMatch(/^a_/);
    expect(statementName({ method: 'insert', sql: 'insert into "t" ("x") values (?)' })).toBeUndefined();
    expect(statementName({ method: 'raw', sql: 'select 1' })).toBeUndefined();
    expect(statementName({ sql: 'select 1' })).toBeUndefined();
    expect(statementName({ method: 'select', sql: 'select 1; select 2' })).toBeUndefined();
    expect(statementName({ method: 'select', sql: 'update "t" set "x" = 1 returning *' })).toBeUndefined();
    expect(statementName({ method: 'select', sql: 'select 1', options: { name: 'mine' } })).toBeUndefined();
  });
});

describe.skipIf(!PG)('named prepared statements on PostgreSQL (PGlite has no named statements across calls)', () => {
  const schema = `ps_${randomBytes(4).toString('hex')}`;
  let knex: Knex;
  const prepared = async () => ((await knex.raw('select name from pg_prepared_statements order by name')).rows as Array<{ name: string }>).map((r) => r.name);

  beforeAll(async () => {
    // One connection, so the statements this test prepares are the ones it reads back.
    knex = knexFactory({ client: 'pg', connection: PG, pool: { min: 1, max: 1 } });
    usePreparedStatements(knex, { maxPerConnection: 2 });
    await knex.raw('create schema ??', [schema]);
    await knex.schema.withSchema(schema).createTable('t', (t) => {
      t.integer('id').primary();
      t.integer('amount');
    });
    await knex
      .withSchema(schema)
      .table('t')
      .insert([
        { id: 1, amount: 10 },
        { id: 2, amount: 20 },
      ]);
  });

  afterAll(async () => {
    if (!knex) return;
    await knex.raw('drop schema if exists ?? cascade', [schema]);
    await knex.destroy();
  });

  it('prepares a read once per connection, answers every binding, and re-plans after the table changes', async () => {
    const read = (min: number) => knex.withSchema(schema).table('t').where('amount', '>=', min).orderBy('id').select('id', 'amount');
    expect(await read(0)).toEqual([
      { id: 1, amount: 10 },
      { id: 2, amount: 20 },
    ]);
    expect(await read(15)).toEqual([{ id: 2, amount: 20 }]);
    const [name] = await prepared();
    expect(name).toBe(statementName({ method: 'select', sql: read(0).toSQL().toNative().sql }));
    // Writes are not prepared.
    await knex.withSchema(schema).table('t').where({ id: 1 }).update({ amount: 11 });
    expect(await prepared()).toEqual([name]);
    // A column's type changes under the prepared statement: PostgreSQL refuses its old plan; the read is retried unnamed.
    await knex.raw('alter table ??.t alter column amount type numeric(12,2)', [schema]);
    expect(await read(0)).toEqual([
      { id: 1, amount: '11.00' },
      { id: 2, amount: '20.00' },
    ]);
    expect(await prepared()).toEqual([]);
    // Named again on the next call, with the new result type.
    expect(await read(12)).toEqual([{ id: 2, amount: '20.00' }]);
    expect(await prepared()).toEqual([name]);
  });

  it('leaves reads inside a transaction unnamed', async () => {
    const before = await prepared();
    await knex.transaction(async (trx) => {
      expect(await trx.withSchema(schema).table('t').where({ id: 1 }).first('id')).toEqual({ id: 1 });
    });
    expect(await prepared()).toEqual(before);
  });

  it('prepares at most the cap per connection; past it queries run unnamed', async () => {
    await knex.withSchema(schema).table('t').first('id');
    await knex.withSchema(schema).table('t').select('amount');
    expect((await prepared()).length).toBe(2);
    expect(await knex.withSchema(schema).table('t').where({ id: 2 }).first('amount')).toEqual({ amount: '20.00' });
    expect((await prepared()).length).toBe(2);
  });
});
