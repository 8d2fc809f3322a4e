// biome-ignore-all lint/suspicious/noExplicitAny: fixture documents are JSON of any shape, edited in place
// The funnel tests' tenant: deals with a five-stage funnel moved through stages at known dates by two
// reps (the stage history kept by the module's own job), and tickets written before the module saw them.
import { vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { JobRunner } from '@attain/store';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { Store } from '../src/store-port.ts';
import { funnelJobs } from '../src/modules/analytics/funnel-history.ts';

export const actor = { userId: null, label: 'test' };

export interface FunnelFixture {
  app: FastifyInstance;
  store: Store;
  t: TestTenant;
  runner: JobRunner;
  admin: Caller;
  rep: Caller;
  ids: Record<string, string>;
}

/** Deals with a five-stage funnel (lead → qualified → proposal → won, or lost) and a lead source. */
export function docs(): unknown[] {
  const all = baseDocs() as Array<Record<string, any>>;
  const deal = all.find((d) => d.name === 'deal') as Record<string, any>;
  deal.schema.properties.stage = {
    type: 'string',
    enum: ['lead', 'qualified', 'proposal', 'won', 'lost'],
    default: 'lead',
    'x-attain': {
      id: 'fld_deal_stage',
      label: { en: 'Stage' },
      options: [{ value: 'lead' }, { value: 'qualified' }, { value: 'proposal' }, { value: 'won', won: true, closed: true }, { value: 'lost', closed: true }],
    },
  };
  deal.schema.properties.source = { type: 'string', enum: ['web', 'event'], 'x-attain': { id: 'fld_deal_source', label: { en: 'Source' } } };
  return all;
}

export const ticket = {
  kind: 'object',
  id: 'obj_ticket',
  name: 'ticket',
  label: { en: 'Ticket' },
  pluralLabel: { en: 'Tickets' },
  'x-attain': { titleField: 'name' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_ticket_name' } },
      stage: {
        type: 'string',
        enum: ['new', 'done'],
        'x-attain': { id: 'fld_ticket_stage', options: [{ value: 'new' }, { value: 'done', won: true, closed: true }] },
      },
    },
  },
};

/** Runs one write at a known moment (created_at and the record event's time), then lets the funnel's job record it. */
async function at<T>(runner: JobRunner, day: string, write: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(`${day}T00:00:00Z`));
  try {
    return await write();
  } finally {
    vi.useRealTimers();
    await runner.drain();
  }
}

// name, owner, source, amount, then the stage moves: [day, stage] (the first is the creation).
const DEALS: Array<[string, 'repEast' | 'repWest', 'web' | 'event', string, Array<[string, string]>]> = [
  [
    'a1',
    'repEast',
    'web',
    '1000.00',
    [
      ['2026-01-01', 'lead'],
      ['2026-01-05', 'qualified'],
      ['2026-01-11', 'proposal'],
      ['2026-01-21', 'won'],
    ],
  ],
  [
    'a2',
    'repEast',
    'event',
    '500.00',
    [
      ['2026-01-10', 'lead'],
      ['2026-01-20', 'qualified'],
      ['2026-02-01', 'lost'],
    ],
  ],
  [
    'a3',
    'repEast',
    'web',
    '300.00',
    [
      ['2026-02-01', 'lead'],
      ['2026-02-03', 'qualified'],
    ],
  ],
  [
    'b1',
    'repWest',
    'web',
    '2000.00',
    [
      ['2026-01-15', 'lead'],
      ['2026-01-17', 'qualified'],
      ['2026-01-25', 'proposal'],
      ['2026-02-14', 'won'],
    ],
  ],
  [
    'b2',
    'repWest',
    'event',
    '800.00',
    [
      ['2026-02-10', 'lead'],
      ['2026-02-20', 'lost'],
    ],
  ],
  ['b3', 'repWest', 'event', '100.00', [['2026-03-01', 'lead']]],
];
export const AS_OF = '2026-03-11';

export async function setupFunnel(): Promise<FunnelFixture> {
  const ids: Record<string, string> = {};
  const { app, store } = await testServer();
  const bg = funnelJobs({ store });
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  const t = await createTenant(store, 'fnl');
  // The metadata change reaches the funnel's job as a durable job too: it backfills deal and ticket
  // when it runs (after the tickets below are written, as a worker that was behind would).
  await store.metadata.apply(t.name, [...docs(), ticket], { actor });
  const admin = as(app, await login(app, t.name, t.users.admin.email));
  const rep = as(app, await login(app, t.name, t.users.repEast.email));
  const records = await store.records(t.name);
  // Tickets written before the funnel's job ever saw a ticket: the backfill records their stage now.
  ids.t1 = (await records.create('ticket', { name: 'T1', stage: 'new' }, actor)).id;
  await records.update('ticket', ids.t1, { stage: 'done' }, actor);
  ids.t2 = (await records.create('ticket', { name: 'T2', stage: 'new' }, actor)).id;
  await runner.drain();
  // Moves in date order across deals, each at its day.
  const moves = DEALS.flatMap(([name, owner, source, amount, steps]) => steps.map(([day, stage], i) => ({ name, owner, source, amount, day, stage, first: i === 0 })));
  moves.sort((x, y) => x.day.localeCompare(y.day));
  for (const m of moves) {
    await at(runner, m.day, async () => {
      if (m.first) ids[m.name] = (await records.create('deal', { name: m.name, owner_id: t.users[m.owner].id, source: m.source, amount: m.amount, stage: m.stage }, actor)).id;
      else await records.update('deal', ids[m.name] as string, { stage: m.stage }, actor);
    });
  }
  return { app, store, t, runner, admin, rep, ids };
}
