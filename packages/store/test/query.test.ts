import { beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, StoreError, type Filter, type Rec, type RecordService, type Store } from '../src/index.ts';
import { err, system, tenantWith } from './fixtures.ts';

let store: Store;
let r: RecordService;
let all: Rec[];

const names = (rows: Rec[]): string[] => rows.map((x) => String(x.name)).sort();
async function where(filter: Filter): Promise<string[]> {
  return names((await r.list('deal', { filter, limit: 500 })).data);
}

beforeAll(async () => {
  store = await openTestStore();
  await tenantWith(store, 'qry');
  r = await store.records('qry');
  const rows = [
    { name: 'alpha', amount: 100, stage: 'new', close_date: '2024-01-10', tags: ['a'], hot: true, probability: 10, note: '50% off_now' },
    { name: 'beta', amount: 200.5, stage: 'won', close_date: '2024-02-10', tags: ['a', 'b'], hot: false, probability: 50 },
    { name: 'gamma', amount: 200.5, stage: 'won', close_date: '2024-03-10', tags: ['c'], probability: 90 },
    { name: 'delta', amount: 300, stage: 'lost', tags: [], hot: true },
    { name: 'Alphabet', amount: 50, stage: 'new', close_date: '2024-01-10' },
  ];
  for (const row of rows) await r.create('deal', row, system);
  for (let i = 0; i < 23; i++) await r.create('deal', { name: `bulk${String(i).padStart(2, '0')}`, amount: i % 3, stage: 'lost' }, system);
  all = (await r.list('deal', { limit: 500 })).data;
});

describe('filters', () => {
  it('supports every operator', async () => {
    expect(await where({ stage: { eq: 'won' } })).toEqual(['beta', 'gamma']);
    expect(await where({ hot: { eq: true } })).toEqual(['alpha', 'delta']);
    expect((await where({ hot: { ne: true } })).length).toBe(all.length - 2);
    expect(await where({ amount: { gt: 200.5 } })).toEqual(['delta']);
    expect(await where({ amount: { gte: '200.5' } })).toEqual(['beta', 'delta', 'gamma']);
    expect(await where({ amount: { lt: 100, gte: 50 } })).toEqual(['Alphabet']);
    expect(await where({ amount: { lte: 50, gt: 1.5 } })).toEqual(['Alphabet', 'bulk02', 'bulk05', 'bulk08', 'bulk11', 'bulk14', 'bulk17', 'bulk20']);
    expect(await where({ name: { in: ['alpha', 'beta', 'zzz'] } })).toEqual(['alpha', 'beta']);
    expect(await where({ name: { in: [] } })).toEqual([]);
    expect((await where({ stage: { nin: ['lost'] } })).length).toBe(4);
    expect((await where({ close_date: { nin: ['2024-01-10'] } })).length).toBe(all.length - 2);
    expect(await where({ name: { contains: 'LPHA' } })).toEqual(['Alphabet', 'alpha']);
    expect(await where({ name: { startsWith: 'alp' } })).toEqual(['Alphabet', 'alpha']);
    expect(await where({ note: { contains: '50%' } })).toEqual(['alpha']);
    expect(await where({ note: { contains: '%' } })).toEqual(['alpha']);
    expect(await where({ note: { contains: 'f_n' } })).toEqual(['alpha']);
    expect(await where({ name: { contains: '_' } })).toEqual([]);
    expect(await where({ close_date: { between: ['2024-01-01', '2024-02-10'] } })).toEqual(['Alphabet', 'alpha', 'beta']);
    expect((await where({ close_date: { isNull: true } })).length).toBe(all.length - 4);
    expect(await where({ close_date: { isNull: false }, stage: { eq: 'new' } })).toEqual(['Alphabet', 'alpha']);
    expect(await where({ tags: { contains: 'a' } })).toEqual(['alpha', 'beta']);
    expect(await where({ tags: { in: ['b', 'c'] } })).toEqual(['beta', 'gamma']);
    expect(await where({ close_date: { eq: null } })).toHaveLength(all.length - 4);
    expect(await where({ close_date: { ne: null }, amount: { gt: 150 } })).toEqual(['beta', 'gamma']);
    expect(await where({ created_at: { lte: new Date(Date.now() + 60_000).toISOString() } })).toHaveLength(all.length);
    expect(await where({ id: { eq: all[0]?.id } })).toEqual([all[0]?.name]);
  });

  it('nests and/or/not', async () => {
    expect(await where({ or: [{ stage: { eq: 'won' } }, { and: [{ stage: { eq: 'new' } }, { amount: { gt: 60 } }] }] })).toEqual(['alpha', 'beta', 'gamma']);
    expect(await where({ not: { or: [{ stage: { eq: 'lost' } }, { name: { startsWith: 'al' } }] } })).toEqual(['beta', 'gamma']);
    expect(await where({ and: [] })).toHaveLength(all.length);
    expect(await where({ or: [] })).toEqual([]);
    expect(await where({ or: [{}, { stage: { eq: 'won' } }] })).toHaveLength(all.length);
    expect(await r.count('deal', { stage: { eq: 'lost' } })).toBe(24);
    expect(await r.count('deal')).toBe(all.length);
  });

  it('refuses unknown fields, bad values and operators with 4xx, never a 500', async () => {
    expect((await err(where({ nope: { eq: 1 } }))).code).toBe('unknown_field');
    expect((await err(where({ amount: { eq: 'abc' } }))).code).toBe('invalid_filter');
    expect((await err(where({ close_date: { gt: '2024-13-45' } }))).code).toBe('invalid_filter');
    expect((await err(where({ id: { eq: 'x' } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: { like: 1 } as never }))).code).toBe('invalid_filter');
    expect((await err(where({ hot: { gt: true } }))).code).toBe('invalid_filter');
    expect((await err(where({ tags: { eq: 'a' } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: { contains: '1' } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: { between: [1] as never } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: { in: 'x' as never } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: { isNull: 'yes' as never } }))).code).toBe('invalid_filter');
    expect((await err(where({ amount: 5 as never }))).code).toBe('invalid_filter');
    expect((await err(where({ and: {} as never }))).code).toBe('invalid_filter');
    expect((await err(where([] as never))).code).toBe('invalid_filter');
    let deep: Filter = { name: { eq: 'x' } };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    expect((await err(where(deep))).details[0]?.rule).toBe('too_complex');
    expect((await err(where({ closed_at: { gt: '2024-01-01' } }))).code).toBe('invalid_filter');
    expect((await err(where({ probability: { gt: 1.5 } }))).code).toBe('invalid_filter');
  });

  it('treats injection-looking identifiers and values as data or refuses them', async () => {
    expect((await err(where({ 'name"; drop table deal; --': { eq: 1 } } as never))).code).toBe('unknown_field');
    expect(await where({ name: { eq: "x'; drop table deal; --" } })).toEqual([]);
    expect(await where({ name: { contains: "' or 1=1 --" } })).toEqual([]);
    expect((await err(r.list('deal', { sort: [{ field: 'name; drop table deal', dir: 'asc' }] }))).code).toBe('unknown_field');
    expect((await err(r.list('deal', { sort: [{ field: 'name', dir: 'asc; drop table deal' as never }] }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { filter: { __proto__: { eq: 1 } } as never }))).code).toMatch(/invalid_filter|unknown_field/);
    expect(await r.count('deal')).toBe(all.length);
  });

  it('searches title and searchable fields', async () => {
    expect(names((await r.list('deal', { search: 'ALPHA' })).data)).toEqual(['Alphabet', 'alpha']);
    expect(names((await r.list('deal', { search: '%' })).data)).toEqual([]);
    expect(await r.count('deal', undefined, { search: 'bulk1' })).toBe(10);
    expect((await err(r.list('deal', { search: 'x'.repeat(201) }))).code).toBe('invalid_filter');
  });
});

describe('sorting and paging', () => {
  async function pages(sort: Array<{ field: string; dir: 'asc' | 'desc' }>, limit: number): Promise<Rec[]> {
    const out: Rec[] = [];
    let after: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await r.list('deal', { sort, limit, ...(after ? { after } : {}) });
      out.push(...page.data);
      if (!page.page.next) break;
      after = page.page.next;
    }
    return out;
  }

  it('keyset-pages over multi-field sorts with ties and nulls, matching one big page', async () => {
    const sorts: Array<Array<{ field: string; dir: 'asc' | 'desc' }>> = [
      [
        { field: 'amount', dir: 'desc' },
        { field: 'name', dir: 'asc' },
      ],
      [
        { field: 'stage', dir: 'asc' },
        { field: 'close_date', dir: 'desc' },
      ],
      [{ field: 'close_date', dir: 'asc' }],
      [
        { field: 'hot', dir: 'desc' },
        { field: 'probability', dir: 'asc' },
      ],
      [{ field: 'created_at', dir: 'desc' }],
      [],
    ];
    for (const sort of sorts) {
      const whole = (await r.list('deal', { sort, limit: 500 })).data.map((x) => x.id);
      for (const limit of [1, 3, 7]) {
        const paged = (await pages(sort, limit)).map((x) => x.id);
        expect(paged).toEqual(whole);
      }
    }
    const byAmount = (await r.list('deal', { sort: [{ field: 'amount', dir: 'desc' }], limit: 3 })).data.map((x) => x.name);
    expect(byAmount).toEqual(['delta', 'beta', 'gamma']);
  });

  it('pages exactly over microsecond timestamps that tie within a millisecond', async () => {
    const t = await store.tenants.get('qry');
    await store.db.knex.raw(`update "${t?.schema}"."deal" set closed_at = timestamptz '2024-05-01 10:00:00.123' + (random() * interval '900 microseconds')`);
    const sort = [{ field: 'closed_at', dir: 'asc' as const }];
    const whole = (await r.list('deal', { sort, limit: 500 })).data.map((x) => x.id);
    expect((await pages(sort, 4)).map((x) => x.id)).toEqual(whole);
    expect((await r.list('deal', { limit: 1 })).data[0]?.closed_at).toBe('2024-05-01T10:00:00.123Z');
    const bad = Buffer.from(JSON.stringify({ s: 'closed_at:asc,id:asc', v: ['yesterday', all[0]?.id] })).toString('base64url');
    expect((await err(r.list('deal', { sort, after: bad }))).code).toBe('invalid_cursor');
  });

  it('offset, totals and limits', async () => {
    const whole = (await r.list('deal', { sort: [{ field: 'name', dir: 'asc' }], limit: 500 })).data;
    const page = await r.list('deal', { sort: [{ field: 'name', dir: 'asc' }], limit: 5, offset: 5, withTotal: true });
    expect(page.data.map((x) => x.id)).toEqual(whole.slice(5, 10).map((x) => x.id));
    expect(page.total).toBe(whole.length);
    expect(page.page.limit).toBe(5);
    const next = await r.list('deal', { sort: [{ field: 'name', dir: 'asc' }], limit: 5, after: page.page.next as string });
    expect(next.data.map((x) => x.id)).toEqual(whole.slice(10, 15).map((x) => x.id));
    expect((await err(r.list('deal', { limit: 0 }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { limit: 501 }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { offset: 9990, limit: 20 }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { offset: 1, after: page.page.next as string }))).code).toBe('invalid_filter');
    expect((await r.list('deal', { withTotal: true, filter: { stage: { eq: 'won' } } })).total).toBe(2);
  });

  it('validates cursors', async () => {
    const page = await r.list('deal', { sort: [{ field: 'amount', dir: 'asc' }], limit: 2 });
    const cursor = page.page.next as string;
    expect((await err(r.list('deal', { sort: [{ field: 'name', dir: 'asc' }], after: cursor }))).code).toBe('invalid_cursor');
    expect((await err(r.list('deal', { after: 'not base64 !' }))).code).toBe('invalid_cursor');
    expect((await err(r.list('deal', { after: Buffer.from('{"x":1').toString('base64url') }))).code).toBe('invalid_cursor');
    const forged = Buffer.from(JSON.stringify({ s: 'amount:asc,id:asc', v: ["1'; drop table x", 'x'] })).toString('base64url');
    expect((await err(r.list('deal', { sort: [{ field: 'amount', dir: 'asc' }], after: forged }))).code).toBe('invalid_cursor');
    const noId = Buffer.from(JSON.stringify({ s: 'id:asc', v: [null] })).toString('base64url');
    expect((await err(r.list('deal', { after: noId }))).code).toBe('invalid_cursor');
    expect((await err(r.list('deal', { sort: [{ field: 'tags', dir: 'asc' }] }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { sort: 'name' as never }))).code).toBe('invalid_filter');
    expect((await err(r.list('deal', { sort: [null as never] }))).code).toBe('invalid_filter');
  });
});
