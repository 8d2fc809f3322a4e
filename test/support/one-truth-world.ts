// One tenant for the "one truth" property tests (issue #11), set up the way a customer would: the
// core metadata with admin/finance/manager/reps (coreTenant), then everything else over HTTP —
// more payees, a second manager, crediting rules (owner-or-split and a one-level roll-up), one plan
// every payee is on, and the months the sequences write into. The goals and incentives background
// modules run on a started JobRunner, so writes are derived as they would be in production and the
// tests wait on `x-attain-position` + `GET /sync` instead of draining queues by hand.
import { expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { JobRunner } from '@attain/store';
import { goalsBackground, incentivesBackground } from '@attain/engine';
import { testServer, type Caller } from '../../packages/server/test/helpers.ts';
import { coreTenant, type CoreTenant } from '../../packages/server/test/incentive-core-tenant.ts';
import type { Store } from '../../packages/server/src/store-port.ts';

/** The months sequences write into; all are opened at setup so every world has the same periods. */
export const MONTHS = ['2026-01', '2026-02', '2026-03'] as const;
/** Payees that can be on an order's split (seven, for 7-way splits). */
export const SPLIT_PAYEES = ['rep1', 'rep2', 'spec', 'rep3', 'rep4', 'rep5', 'manager'] as const;
/** Reps that book orders (they have logins and their own customer). */
export const BOOKERS = ['rep1', 'rep2'] as const;
/** Reps an org move may re-parent, and the managers they may move under. */
export const MOVABLE = ['rep1', 'rep2', 'rep3', 'rep4', 'rep5', 'spec'] as const;
export const MANAGERS = ['manager', 'manager2'] as const;
export const ALL_PAYEES = [...SPLIT_PAYEES, 'manager2'] as const;
export type PayeeName = (typeof ALL_PAYEES)[number];

/** The CNY → USD rate every world starts with (so CNY orders are never left out). */
export const FIRST_RATE = { from: 'CNY', to: 'USD', rate: '0.1400', effectiveFrom: '2026-01-01' };

/** A goals KPI over the same orders: what *My goals* shows; the plan reads it as a measure too. */
export const KPI = {
  kind: 'kpi',
  id: 'kpi_truth_booked',
  name: 'truth_booked',
  label: { en: 'Booked (USD)' },
  object: 'order',
  dateField: 'order_date',
  unit: 'money',
  measure: { aggregate: 'sum', value: 'amount', filter: 'currency = "USD"' },
};

export const PLAN_ID = 'plan_truth';
export const CLAWBACK_DAYS = 30;
export const plan = {
  kind: 'incentive_plan',
  id: PLAN_ID,
  name: PLAN_ID,
  label: { en: 'One truth' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      clawback: { days: CLAWBACK_DAYS },
      measures: [
        { name: 'revenue', type: 'sum', filter: { kinds: ['direct', 'split'] } },
        { name: 'team', type: 'sum', filter: { kinds: ['rollup'] } },
        { name: 'booked_kpi', type: 'kpi', kpi: KPI.name },
      ],
      components: [
        { name: 'commission', type: 'rate', measure: 'revenue', rate: '0.0375' },
        { name: 'override', type: 'rate', measure: 'team', rate: '0.01' },
        { name: 'kpi_bonus', type: 'rate', measure: 'booked_kpi', rate: '0.001' },
      ],
    },
  ],
};
const rules = [
  { kind: 'crediting_rule', id: 'split', name: 'split', label: { en: 'Owner or split' }, effectiveFrom: '2020-01-01', type: 'split' },
  { kind: 'crediting_rule', id: 'rollup', name: 'rollup', label: { en: 'Manager roll-up' }, effectiveFrom: '2020-01-01', type: 'rollup', levels: [{ pct: '100' }] },
];

export interface World {
  app: FastifyInstance;
  store: Store;
  tenant: CoreTenant;
  /** Record ids of the payees, by name. */
  payees: Record<PayeeName, string>;
  /** The sales unit everyone is in. */
  unit: string;
  /** Products order lines are for. */
  products: string[];
  /** Each booking rep's own customer. */
  customers: Record<(typeof BOOKERS)[number], string>;
  /** Symbolic names for every id the sequence made (for comparing worlds on two databases). */
  names: Map<string, string>;
  /** The latest write position; `settle()` waits until everything derived from it is computed. */
  last: string | null;
  settle(): Promise<void>;
  /** A write that must succeed: its position is kept. */
  write(res: Promise<LightMyRequestResponse>, what: string): Promise<LightMyRequestResponse>;
}

/** A server over `store` (a fresh test store when omitted) with its background modules started. */
export async function startServer(store?: Store): Promise<{ app: FastifyInstance; store: Store; stop: () => Promise<void> }> {
  const s = await testServer(store);
  const goals = goalsBackground(s.store as never);
  const incentives = incentivesBackground(s.store as never);
  for (const sub of [...(goals.subscriptions ?? []), ...(incentives.subscriptions ?? [])]) s.store.events.subscribe(sub);
  const runner = new JobRunner(s.store.jobs, { handlers: { ...goals.handlers, ...incentives.handlers }, pollMs: 10 });
  runner.start();
  return {
    ...s,
    stop: async () => {
      await runner.stop();
      await s.app.close();
      await s.store.close();
    },
  };
}

let worlds = 0;

export async function makeWorld(app: FastifyInstance, store: Store): Promise<World> {
  const tenant = await coreTenant(app, store, `truth${++worlds}`);
  const { admin, finance } = tenant.call;
  const names = new Map<string, string>();
  const world: World = {
    app,
    store,
    tenant,
    names,
    last: null,
    // manager2 and rep3–5 are filled in below, over HTTP.
    payees: { ...tenant.ids } as unknown as Record<PayeeName, string>,
    customers: {} as World['customers'],
    products: [],
    unit: '',
    async write(res, what) {
      const r = await res;
      if (r.statusCode >= 300) throw new Error(`${what}: ${r.statusCode} ${r.body}`);
      const p = r.headers['x-attain-position'];
      if (typeof p === 'string') world.last = p;
      return r;
    },
    async settle() {
      if (!world.last) return;
      // /sync waits at most 30 s a call; a loaded CI machine may need a few (a failed job ends it at once).
      for (let i = 0; ; i++) {
        const res = await finance.get(`/api/v1/sync?position=${world.last}&wait=30000`);
        const body = res.json() as { reflected: boolean; pending: number; failed: unknown[] };
        if (body.reflected) return;
        if (body.failed.length || i === 3) throw new Error(`derived figures not reflected: ${res.body}`);
      }
    },
  };
  const unit = ((await admin.get('/api/v1/objects/org_unit')).json() as { data: Array<{ id: string }> }).data[0]!.id;
  world.unit = unit;
  const mk = async (key: PayeeName, role: string, manager?: string) => {
    const r = await world.write(
      admin.post('/api/v1/objects/user', { name: key, email: `${key}@${tenant.name}.test`, role, org_unit_id: unit, active: true, ...(manager ? { manager_id: manager } : {}) }),
      `create ${key}`,
    );
    world.payees[key] = (r.json() as { id: string }).id;
  };
  await mk('manager2', 'manager');
  for (const key of ['rep3', 'rep4', 'rep5'] as const) await mk(key, 'rep', world.payees.manager);
  for (const key of ALL_PAYEES) names.set(world.payees[key], key);
  for (const [i, category] of ['software', 'hardware'].entries()) {
    const r = await world.write(admin.post('/api/v1/objects/product', { name: `Product ${i + 1}`, sku: `P${i + 1}`, category, list_price: '100', unit_cost: '10' }), 'product');
    world.products.push((r.json() as { id: string }).id);
    names.set(world.products[i]!, `product${i + 1}`);
  }
  for (const key of BOOKERS) {
    const r = await world.write(tenant.call[key].post('/api/v1/objects/customer', { name: `Customer of ${key}` }), `customer of ${key}`);
    world.customers[key] = (r.json() as { id: string }).id;
    names.set(world.customers[key], `customer:${key}`);
  }
  await world.write(finance.post('/api/v1/fx/rates', FIRST_RATE), 'first rate');
  await world.write(admin.put('/api/v1/incentives/crediting-rules', { rules }), 'crediting rules');
  await world.write(admin.post('/api/v1/metadata/apply', { documents: [KPI], mode: 'merge' }), 'kpi');
  await world.settle();
  // The plan reads the KPI as a measure too (issue #11 item 5: one measure pipeline).
  const saved = await world.write(admin.put(`/api/v1/incentives/plans/${PLAN_ID}`, plan), 'plan');
  expect((saved.json() as { issues: Array<{ severity: string }> }).issues.filter((i) => i.severity === 'error')).toEqual([]);
  await world.write(admin.put(`/api/v1/incentives/plans/${PLAN_ID}/assignments`, { assignments: ALL_PAYEES.map((k) => ({ payeeId: world.payees[k], from: '2026-01-01' })) }), 'assignments');
  for (const m of MONTHS) await world.write(finance.post(`/api/v1/incentives/periods/${m}/open`), `open ${m}`);
  await world.settle();
  return world;
}

export type { Caller };
