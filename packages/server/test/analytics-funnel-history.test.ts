// biome-ignore-all lint/suspicious/noExplicitAny: rows of the funnel's tables are read field by field in assertions
// The funnel's stage history (issue #15, item 4): the backfill, a metadata change that brings an
// object in, exactly-once events in any order, and stage codes for values added later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Caller, TestTenant } from './helpers.ts';
import type { Store } from '../src/store-port.ts';
import { AS_OF, actor, docs, setupFunnel, ticket } from './analytics-funnel-fixture.ts';
import { applyStageEvent } from '../src/modules/analytics/funnel-history.ts';
import { funnelTables } from '../src/modules/analytics/funnel-tables.ts';

let app: FastifyInstance;
let store: Store;
let t: TestTenant;
let admin: Caller;
let ids: Record<string, string>;
let runner: Awaited<ReturnType<typeof setupFunnel>>['runner'];

beforeAll(async () => {
  ({ app, store, t, admin, ids, runner } = await setupFunnel());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('stage history', () => {
  it('backfills records written before the module saw their object, at their created_at with their stage now', async () => {
    const res = await admin.get(`/api/v1/analytics/funnel?object=ticket&asOf=${AS_OF}`);
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json().data.total;
    // T1 was created new and moved to done before the backfill: one row, done; T2 new
    expect([f.records, f.open, f.won]).toEqual([2, 1, 1]);
    expect(f.stages.map((s: any) => [s.stage, s.reached, s.stays])).toEqual([
      ['new', 2, 0],
      ['done', 1, 0],
    ]);
    const port = await store.port(t.name, funnelTables);
    const rows = await port.table('stage_change').where({ object: 'ticket' }).orderBy('record_id').select('event_id', 'to_stage', 'from_stage');
    expect(rows).toEqual([
      { event_id: `backfill:${ids.t1}`, to_stage: 'done', from_stage: null },
      { event_id: `backfill:${ids.t2}`, to_stage: 'new', from_stage: null },
    ]);
  });

  it('backfills an object as soon as a metadata change gives it a stage field', async () => {
    const port = await store.port(t.name, funnelTables);
    const claim = structuredClone(ticket) as Record<string, any>;
    Object.assign(claim, { id: 'obj_claim', name: 'claim', label: { en: 'Claim' }, pluralLabel: { en: 'Claims' } });
    claim.schema.properties.name['x-attain'].id = 'fld_claim_name';
    claim.schema.properties.stage['x-attain'].id = 'fld_claim_stage';
    await store.metadata.apply(t.name, [...docs(), ticket, claim], { actor });
    expect(await port.table('stage_object').where({ object: 'claim' }).first()).toBeUndefined();
    await runner.drain();
    // No claim was ever written: the metadata event alone brought it in, with its codes.
    expect(await port.table('stage_object').where({ object: 'claim' }).first()).toBeDefined();
    expect((await port.table('stage_code').where({ object: 'claim' }).orderBy('code').select('stage')).map((r: any) => r.stage)).toEqual(['new', 'done']);
  });

  it('records each event once, and keeps left_at in step when events come out of order', async () => {
    const port = await store.port(t.name, funnelTables);
    const o = (await store.registry(t.name)).object('ticket');
    if (!o) throw new Error('no ticket object');
    const event = (from: string, to: string, day: string, version: number) => ({
      tenant: t.name,
      object: 'ticket',
      recordId: ids.t2 as string,
      op: 'update' as const,
      before: { stage: from, version: version - 1 },
      after: { stage: to, version },
      actor,
      revision: null,
      at: `${day}T00:00:00.000Z`,
    });
    // T2 (backfilled at its creation, version 1) goes new → done → new; the later move arrives first.
    expect(await applyStageEvent(port, o, 'evt-2', event('done', 'new', '2099-01-09', 3))).toEqual({ recorded: 'new' });
    expect(await applyStageEvent(port, o, 'evt-1', event('new', 'done', '2099-01-05', 2))).toEqual({ recorded: 'done' });
    expect(await applyStageEvent(port, o, 'evt-1', event('new', 'done', '2099-01-05', 2))).toEqual({ skipped: 'already recorded' });
    const rows = await port.table('stage_change').where({ record_id: ids.t2 }).orderBy('at').select('to_stage', 'at', 'left_at');
    expect(rows.map((r: any) => [r.to_stage, r.left_at === null ? null : new Date(r.left_at).toISOString().slice(0, 10)])).toEqual([
      ['new', '2099-01-05'],
      ['done', '2099-01-09'],
      ['new', null],
    ]);
  });
});

describe('stage codes', () => {
  it('codes a stage value first seen after the backfill, and the summary follows the record', async () => {
    const port = await store.port(t.name, funnelTables);
    const o = (await store.registry(t.name)).object('ticket');
    if (!o) throw new Error('no ticket object');
    // T2 ends at "new" (version 3) in the test above; "waiting" is a value no ticket had when backfilled.
    const res = await applyStageEvent(port, o, 'evt-3', {
      tenant: t.name,
      object: 'ticket',
      recordId: ids.t2 as string,
      op: 'update',
      before: { stage: 'new', version: 3 },
      after: { stage: 'waiting', version: 4 },
      actor,
      revision: null,
      at: '2099-01-12T00:00:00.000Z',
    });
    expect(res).toEqual({ recorded: 'waiting' });
    const codes = await port.table('stage_code').where({ object: 'ticket' }).orderBy('code').select('stage', 'code');
    expect(codes).toEqual([
      { stage: 'new', code: 1 },
      { stage: 'done', code: 2 },
      { stage: 'waiting', code: 3 },
    ]);
    const summary = await port.table('stage_record').where({ object: 'ticket', record_id: ids.t2 }).first();
    // reached new (bit 1), done (bit 2), waiting (bit 4): 7; new left twice (creation → Jan 5, 2099 and
    // Jan 9 → 12), done once (Jan 5 → 9: 4 days), waiting not yet
    expect(Number(summary.reached)).toBe(7);
    expect(summary.cur_stage).toBe('waiting');
    expect(summary.stays).toEqual([2, 1, 0]);
    expect(summary.stay_days[1]).toBe(4);
  });
});
