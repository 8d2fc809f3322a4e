// The golden cases as an admin plays them (issue #11, acceptance item 2): a translator from the
// engine's golden scenario vocabulary (payees named 'A', 'B', plans and rules as documents, orders
// with splits, dates, refunds) to HTTP calls on a running server — people as user records, their
// customers and orders booked by themselves, split rows, org units and dated org changes, plans
// saved and assigned through the incentive routes, inputs, rates, periods opened and closed — and
// the figures read back from statements, their drill-downs, payouts and problems.
//
// Each case gets its own tenant (plans, crediting rules and closed periods are tenant-wide). The
// tenant itself and the first admin and finance logins are made through the store, as every HTTP
// test does (there is no public "sign up"); everything after is HTTP.
import { expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { readMetadataDir } from '@attain/meta/node';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../../packages/server/src/index.ts';
import type { Store } from '../../packages/server/src/store-port.ts';
import { PASSWORD, as, login, type Caller } from '../../packages/server/test/helpers.ts';
import type { CreditingRuleDoc, IncentivePlanDoc } from '../../packages/engine/src/incentives/index.ts';

const coreDir = fileURLToPath(new URL('../../metadata/core', import.meta.url));
const actor = { userId: null, label: 'golden' };
let tenants = 0;
let cheapHash: Promise<string> | undefined;
let coreDocs: ReturnType<typeof readMetadataDir> | undefined;

export interface GoldenOrder {
  owner: string;
  amount: string;
  date: string;
  currency?: string;
  status?: string;
  paidDate?: string;
  invoiceDate?: string;
  reversalDate?: string;
  /** A customer of the owner by name (each owner books for a customer they made). */
  customer?: string;
  splits?: Array<{ payee: string; pct: string; overlay?: boolean }>;
  /** Order lines by product name; the header amount is their sum. */
  lines?: Array<{ product: string; amount: string; quantity?: string }>;
}

export interface StatementLine {
  key: string;
  payeeId: string;
  period: string;
  planId: string;
  planVersion: number;
  component: string | null;
  kind: string;
  amount: string;
  points: string;
  trace: Record<string, unknown> & {
    plan?: unknown;
    steps?: Array<{ step: string; value: string }>;
    creditIds?: string[];
    sourceRecordIds?: string[];
    creditCount?: number;
    proration?: string;
    attainment?: string;
    forPeriod?: string;
    measures?: Record<string, { value: string; credits?: number }>;
  };
}
export interface Payout {
  payeeId: string;
  period: string;
  planId: string;
  payout: string;
  points: string;
  balanceAfter: string;
  earned: string;
}
export interface Credit {
  id: string;
  kind: string;
  amount: string;
  value?: string;
  payee_id: string;
  source_payee_id: string | null;
  record_id: string;
  tx_id: string;
}

/** What the engine golden file's `run()` answers, read over HTTP. */
export interface ApiRun {
  lines: StatementLine[];
  payouts: Payout[];
  amount(payee: string, component: string | null, kind?: string, period?: string): string;
  points(payee: string, component: string): string;
  payout(payee: string, period?: string): string;
  /** Credits behind the payee's lines (from their drill-downs), each once. */
  credits(payee: string): Promise<Credit[]>;
  credit(payee: string): Promise<string>;
}

/** Sums decimal texts exactly (scale 10, as the engine keeps them). */
export function addDec(values: readonly string[]): bigint {
  return values.reduce((a, v) => a + toUnits(v), 0n);
}
const SCALE = 10n ** 10n;
export function toUnits(v: string): bigint {
  const neg = v.startsWith('-');
  const [i, f = ''] = (neg ? v.slice(1) : v).split('.');
  const u = BigInt(i || '0') * SCALE + BigInt((f + '0000000000').slice(0, 10));
  return neg ? -u : u;
}
/** Units as money text with two decimals (the golden file's `money`). */
export function money(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const cents = a / 10n ** 8n + ((a % 10n ** 8n) * 2n >= 10n ** 8n ? 1n : 0n);
  return `${neg ? '-' : ''}${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}
/** Units as the shortest decimal text (the golden file's `fmt`). */
export function plain(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const f = String(a % SCALE)
    .padStart(10, '0')
    .replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / SCALE}${f ? `.${f}` : ''}`;
}

export class GoldenTenant {
  readonly ids: Record<string, string> = {};
  readonly calls: Record<string, Caller> = {};
  readonly customers: Record<string, string> = {};
  readonly products: Record<string, string> = {};
  readonly orders: Record<string, string> = {};
  readonly units: Record<string, string> = {};
  last: string | null = null;
  private orderSeq = 0;

  readonly app: FastifyInstance;
  readonly store: Store;
  readonly name: string;
  readonly admin: Caller;
  readonly finance: Caller;

  constructor(app: FastifyInstance, store: Store, name: string, admin: Caller, finance: Caller) {
    this.app = app;
    this.store = store;
    this.name = name;
    this.admin = admin;
    this.finance = finance;
  }

  /** A new tenant on the core metadata with an admin and a finance login; `settings` as at creation. */
  static async create(app: FastifyInstance, store: Store, settings: { baseCurrency?: string; timeZone?: string } = {}): Promise<GoldenTenant> {
    const name = `golden${process.pid}x${++tenants}`;
    await store.tenants.create(name, settings);
    coreDocs ??= readMetadataDir(coreDir);
    await store.metadata.apply(name, await coreDocs, { actor });
    const records = await store.records(name);
    const unit = await records.create('org_unit', { name: 'Company' }, actor);
    const made: Caller[] = [];
    for (const role of ['admin', 'finance']) {
      const email = `${role}@${name}.test`;
      const user = await records.create('user', { name: role, email, role, org_unit_id: unit.id, active: true }, actor);
      await store.auth.upsertCredential({ tenant: name, userId: user.id, email, passwordHash: await (cheapHash ??= hashPassword(PASSWORD, { N: 1024 })), active: true });
      made.push(as(app, await login(app, name, email)));
    }
    const t = new GoldenTenant(app, store, name, made[0]!, made[1]!);
    t.units.Company = unit.id;
    return t;
  }

  /** A write that must succeed; its position is kept for `settle()`. */
  async write(res: Promise<LightMyRequestResponse>, what: string): Promise<LightMyRequestResponse> {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`${what}: ${r.statusCode} ${r.body}`);
    const p = r.headers['x-attain-position'];
    if (typeof p === 'string') this.last = p;
    return r;
  }

  /** Waits until everything derived from the writes so far is computed (GET /sync). */
  async settle(): Promise<void> {
    if (!this.last) return;
    for (let i = 0; ; i++) {
      const res = await this.finance.get(`/api/v1/sync?position=${this.last}&wait=30000`);
      const body = res.json() as { reflected: boolean; failed: unknown[] };
      if (body.reflected) return;
      if (body.failed.length || i === 3) throw new Error(`derived figures not reflected: ${res.body}`);
    }
  }

  /** An org unit by name under its parent (default: the company). */
  async unit(key: string, opts: { parent?: string } = {}): Promise<string> {
    const body: Record<string, unknown> = { name: key, parent_id: this.units[opts.parent ?? 'Company'] };
    const r = await this.write(this.admin.post('/api/v1/objects/org_unit', body), `unit ${key}`);
    this.units[key] = (r.json() as { id: string }).id;
    return this.units[key];
  }

  /** A person by key: a user record made by the admin, in `unit` (default: the company), reporting to `manager` (a key) if given. */
  async person(key: string, opts: { unit?: string; role?: string; manager?: string } = {}): Promise<string> {
    if (this.ids[key]) {
      if (opts.unit) await this.write(this.admin.patch(`/api/v1/objects/user/${this.ids[key]}`, { org_unit_id: this.units[opts.unit] }), `${key} into ${opts.unit}`);
      return this.ids[key];
    }
    const r = await this.write(
      this.admin.post('/api/v1/objects/user', {
        name: `Payee ${key}`,
        email: `${key.toLowerCase()}@${this.name}.test`,
        role: opts.role ?? 'rep',
        org_unit_id: this.units[opts.unit ?? 'Company'],
        active: true,
        ...(opts.manager ? { manager_id: this.ids[opts.manager] } : {}),
      }),
      `person ${key}`,
    );
    this.ids[key] = (r.json() as { id: string }).id;
    return this.ids[key];
  }

  /** The person's own session (they book their own orders); the login is given as the test helpers give it. */
  async callOf(key: string): Promise<Caller> {
    if (this.calls[key]) return this.calls[key];
    const id = await this.person(key);
    const email = `${key.toLowerCase()}@${this.name}.test`;
    await this.store.auth.upsertCredential({ tenant: this.name, userId: id, email, passwordHash: await (cheapHash ??= hashPassword(PASSWORD, { N: 1024 })), active: true });
    this.calls[key] = as(this.app, await login(this.app, this.name, email));
    return this.calls[key];
  }

  async customer(owner: string, key = `C_${owner}`): Promise<string> {
    if (this.customers[key]) return this.customers[key];
    const rep = await this.callOf(owner);
    const r = await this.write(rep.post('/api/v1/objects/customer', { name: `Customer ${key}` }), `customer ${key}`);
    this.customers[key] = (r.json() as { id: string }).id;
    return this.customers[key];
  }

  async product(key: string, fields: { category?: string; unitCost?: string } = {}): Promise<string> {
    const r = await this.write(
      this.admin.post('/api/v1/objects/product', { name: key, sku: key, ...(fields.category ? { category: fields.category } : {}), ...(fields.unitCost ? { unit_cost: fields.unitCost } : {}) }),
      `product ${key}`,
    );
    this.products[key] = (r.json() as { id: string }).id;
    return this.products[key];
  }

  /** An order booked by its owner (lines and split rows after it), as the golden `tx()`. Returns its id. */
  async order(o: GoldenOrder, key = `o${++this.orderSeq}`): Promise<string> {
    const rep = await this.callOf(o.owner);
    const customer = await this.customer(o.owner, o.customer);
    const body: Record<string, unknown> = { order_number: `G-${key}`, customer_id: customer, order_date: o.date, status: o.status ?? 'booked', amount: o.amount, currency: o.currency ?? 'USD' };
    if (o.paidDate) body.paid_date = o.paidDate;
    if (o.invoiceDate) body.invoice_date = o.invoiceDate;
    if (o.reversalDate) body.reversal_date = o.reversalDate;
    const r = await this.write(rep.post('/api/v1/objects/order', body), `order ${key}`);
    const id = (r.json() as { id: string }).id;
    this.orders[key] = id;
    for (const l of o.lines ?? []) {
      await this.write(
        rep.post('/api/v1/objects/order_line', { order_id: id, product_id: this.products[l.product], quantity: l.quantity ?? '1', unit_price: l.amount, amount: l.amount }),
        `line of ${key}`,
      );
    }
    for (const s of o.splits ?? []) {
      await this.write(
        this.admin.post('/api/v1/objects/order_split', { order_id: id, payee_id: await this.person(s.payee), pct: s.pct, ...(s.overlay ? { is_overlay: true } : {}) }),
        `split of ${key}`,
      );
    }
    return id;
  }

  /**
   * Dated org changes as an HR connector sends them (`POST /org/changes`): units' parents and heads
   * and people's units from a day on; ids by key.
   */
  async orgChanges(change: {
    units?: Array<{ unit: string; parent?: string | null; head: string | null; from: string }>;
    memberships?: Array<{ person: string; unit: string; manager?: string | null; from: string }>;
  }): Promise<void> {
    const units = (change.units ?? []).map((u) => ({
      unit_id: this.units[u.unit],
      parent_id: u.parent === null ? null : this.units[u.parent ?? 'Company'],
      head_id: u.head === null ? null : this.ids[u.head],
      valid_from: u.from,
    }));
    const memberships = (change.memberships ?? []).map((m) => ({
      user_id: this.ids[m.person],
      org_unit_id: this.units[m.unit],
      manager_id: m.manager ? this.ids[m.manager] : null,
      valid_from: m.from,
    }));
    await this.write(this.admin.post('/api/v1/org/changes', { units, memberships }), 'org changes');
  }

  /** Changes an order later (a refund, a payment) as the admin would. */
  async patchOrder(key: string, fields: Record<string, unknown>): Promise<void> {
    await this.write(this.admin.patch(`/api/v1/objects/order/${this.orders[key]}`, fields), `patch ${key}`);
  }

  async visit(owner: string, day: string, customer?: string): Promise<void> {
    const rep = await this.callOf(owner);
    await this.write(rep.post('/api/v1/objects/visit', { customer_id: await this.customer(owner, customer), check_in_at: `${day}T10:00:00Z` }), `visit ${day}`);
  }

  async rules(rules: CreditingRuleDoc[]): Promise<void> {
    const r = await this.write(this.admin.put('/api/v1/incentives/crediting-rules', { rules }), 'crediting rules');
    expect((r.json() as { issues: Array<{ severity: string }> }).issues.filter((i) => i.severity === 'error')).toEqual([]);
  }

  /** Saves the plan; refuses to go on if it has errors. */
  async plan(plan: IncentivePlanDoc): Promise<void> {
    const r = await this.write(this.admin.put(`/api/v1/incentives/plans/${plan.id}`, plan), `plan ${plan.id}`);
    expect((r.json() as { issues: Array<{ severity: string }> }).issues.filter((i) => i.severity === 'error')).toEqual([]);
  }

  /** Who is on a plan, from when (the golden `assignments` of kind plan). */
  async assign(planId: string, rows: Array<{ payee: string; from: string; to?: string }>): Promise<void> {
    const assignments = [];
    for (const a of rows) assignments.push({ payeeId: await this.person(a.payee), from: a.from, ...(a.to ? { to: a.to } : {}) });
    await this.write(this.admin.put(`/api/v1/incentives/plans/${planId}/assignments`, { assignments }), `assign ${planId}`);
  }

  async inputs(values: Array<{ payee: string; period: string; name: string; value: string }>): Promise<void> {
    const rows = [];
    for (const v of values) rows.push({ payeeId: await this.person(v.payee), period: v.period, name: v.name, value: v.value });
    await this.write(this.finance.put('/api/v1/incentives/inputs', { values: rows }), 'inputs');
  }

  async rate(currency: string, rate: string, from: string, to = 'USD'): Promise<void> {
    await this.write(this.finance.post('/api/v1/fx/rates', { from: currency, to, rate, effectiveFrom: from }), `rate ${currency}`);
  }

  async open(periods: readonly string[]): Promise<void> {
    for (const p of periods) await this.write(this.finance.post(`/api/v1/incentives/periods/${p}/open`), `open ${p}`);
  }

  /** Calculated → approved → paid → closed, as finance steps a period through its close. */
  async close(period: string): Promise<void> {
    await this.settle();
    const flow = ['open', 'calculated', 'approved', 'paid', 'closed'];
    const periods = ((await this.finance.get('/api/v1/incentives/periods')).json() as { data: Array<{ period: string; status: string }> }).data;
    const now = periods.find((p) => p.period === period)?.status ?? 'open';
    for (const status of flow.slice(flow.indexOf(now) + 1)) await this.write(this.finance.post(`/api/v1/incentives/periods/${period}/status`, { status }), `${period} → ${status}`);
  }

  async problems(code?: string): Promise<Array<{ code: string; message: string; txId?: string }>> {
    await this.settle();
    const res = await this.finance.get(`/api/v1/incentives/problems${code ? `?code=${code}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Array<{ code: string; message: string; txId?: string }> }).data;
  }

  /** A case in this tenant: its people, customers, products, orders and plans are its own (prefixed). */
  scope(prefix: string): GoldenCase {
    return new GoldenCase(this, prefix);
  }
}

/**
 * One golden case inside a shared tenant: payee 'A' of case G12 is the person `g12_A`, plan
 * `plan_a` is `g12_plan_a`, so cases with the same crediting rules share a tenant without
 * sharing anyone's credits.
 */
export class GoldenCase {
  /** The case's own payees, by their golden name. */
  readonly payees = new Set<string>();
  readonly t: GoldenTenant;
  readonly prefix: string;

  constructor(t: GoldenTenant, prefix: string) {
    this.t = t;
    this.prefix = prefix;
  }

  key(payee: string): string {
    this.payees.add(payee);
    return `${this.prefix}_${payee}`;
  }
  /** The person's record id (without making them one of the case's payees). */
  id(payee: string): string {
    return this.t.ids[`${this.prefix}_${payee}`] ?? `unknown:${payee}`;
  }
  planId(id: string): string {
    return `${this.prefix}_${id}`;
  }
  person(payee: string, opts: { unit?: string; role?: string; manager?: string } = {}): Promise<string> {
    return this.t.person(this.key(payee), { ...opts, ...(opts.manager ? { manager: this.key(opts.manager) } : {}) });
  }
  customer(owner: string, key = `C_${owner}`): Promise<string> {
    return this.t.customer(this.key(owner), `${this.prefix}_${key}`);
  }
  async product(key: string, fields: { category?: string; unitCost?: string } = {}): Promise<string> {
    return (this.products[key] = await this.t.product(`${this.prefix}_${key}`, fields));
  }
  readonly products: Record<string, string> = {};
  readonly orders: Record<string, string> = {};

  async order(o: GoldenOrder, key?: string): Promise<string> {
    const k = key ?? `o${Object.keys(this.orders).length + 1}`;
    const id = await this.t.order(
      {
        ...o,
        owner: this.key(o.owner),
        ...(o.customer ? { customer: `${this.prefix}_${o.customer}` } : {}),
        ...(o.splits ? { splits: o.splits.map((s) => ({ ...s, payee: this.key(s.payee) })) } : {}),
        ...(o.lines ? { lines: o.lines.map((l) => ({ ...l, product: `${this.prefix}_${l.product}` })) } : {}),
      },
      `${this.prefix}_${k}`,
    );
    this.orders[k] = id;
    return id;
  }
  patchOrder(key: string, fields: Record<string, unknown>): Promise<void> {
    return this.t.patchOrder(`${this.prefix}_${key}`, fields);
  }
  visit(owner: string, day: string): Promise<void> {
    return this.t.visit(this.key(owner), day, `${this.prefix}_C_${owner}`);
  }
  /** Saves the plan under the case's id (its name too). */
  async plan(doc: IncentivePlanDoc): Promise<void> {
    await this.t.plan({ ...doc, id: this.planId(doc.id), name: this.planId(doc.name) });
  }
  assign(planId: string, rows: Array<{ payee: string; from: string; to?: string }>): Promise<void> {
    return this.t.assign(
      this.planId(planId),
      rows.map((r) => ({ ...r, payee: this.key(r.payee) })),
    );
  }
  /** The golden fixture's default: every payee of the case on each of these plans from 2020. */
  async assignAll(planIds: readonly string[] = ['plan_a']): Promise<void> {
    for (const p of planIds)
      await this.assign(
        p,
        [...this.payees].map((payee) => ({ payee, from: '2020-01-01' })),
      );
  }
  inputs(values: Array<{ payee: string; period: string; name: string; value: string }>): Promise<void> {
    return this.t.inputs(values.map((v) => ({ ...v, payee: this.key(v.payee) })));
  }

  /** Every payee's statements for the periods, read over HTTP after derivation settled. */
  async run(periods: readonly string[]): Promise<ApiRun> {
    await this.t.settle();
    const lines: StatementLine[] = [];
    const payouts: Payout[] = [];
    for (const payee of this.payees) {
      for (const period of periods) {
        const res = await this.t.finance.get(`/api/v1/incentives/statements/${this.id(payee)}/${period}`);
        expect(res.statusCode, res.body).toBe(200);
        const data = (res.json() as { data: { lines: StatementLine[]; payouts: Payout[] } }).data;
        lines.push(...data.lines);
        payouts.push(...data.payouts);
      }
    }
    const id = (payee: string) => this.id(payee);
    const pick = (payee: string, period?: string) => lines.filter((l) => l.payeeId === id(payee) && (!period || l.period === period));
    const credits = async (payee: string): Promise<Credit[]> => {
      const seen = new Map<string, Credit>();
      for (const l of pick(payee).filter((x) => x.kind === 'earning')) {
        const res = await this.t.finance.get(`/api/v1/incentives/statements/${l.payeeId}/${l.period}/lines/${encodeURIComponent(l.key)}`);
        expect(res.statusCode, res.body).toBe(200);
        for (const c of (res.json() as { data: { credits: Credit[] } }).data.credits) seen.set(c.id, c);
      }
      return [...seen.values()];
    };
    return {
      lines,
      payouts,
      amount: (payee, component, kind = 'earning', period) =>
        money(
          addDec(
            pick(payee, period)
              .filter((l) => l.component === component && l.kind === kind)
              .map((l) => l.amount),
          ),
        ),
      points: (payee, component) =>
        plain(
          addDec(
            pick(payee)
              .filter((l) => l.component === component)
              .map((l) => l.points),
          ),
        ),
      payout: (payee, period) => money(addDec(payouts.filter((p) => p.payeeId === id(payee) && (!period || p.period === period)).map((p) => p.payout))),
      credits,
      credit: async (payee) => plain(addDec((await credits(payee)).map((c) => String(c.amount)))),
    };
  }
}
