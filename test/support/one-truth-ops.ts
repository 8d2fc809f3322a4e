// Random write sequences for the "one truth" property tests, and how each is done over HTTP.
// An operation names orders by index (modulo how many exist) so that any generated sequence is
// valid, and so that the same sequence replays identically on a second database.
import fc from 'fast-check';
import { expect } from 'vitest';
import { BOOKERS, FIRST_RATE, MANAGERS, MONTHS, MOVABLE, SPLIT_PAYEES, type World } from './one-truth-world.ts';

export type Op =
  | { t: 'order'; owner: number; month: number; day: number; cents: bigint; lines: bigint[]; paid: boolean; cny?: boolean }
  | { t: 'line'; order: number; cents: bigint }
  | { t: 'amount'; order: number; cents: bigint }
  | { t: 'split'; order: number; payees: number[]; shares: bigint[] }
  | { t: 'big'; owner: number; month: number; payees: number[]; shares: bigint[] }
  | { t: 'refund'; order: number; days: number }
  | { t: 'pay'; order: number; days: number }
  | { t: 'move'; rep: number; manager: number | null }
  | { t: 'import'; rep: number; manager: number | null; month: number; day: number }
  | { t: 'rate'; month: number; day: number; rate: number }
  | { t: 'close' }
  | { t: 'bad'; what: 'share' | 'negative' | 'money'; order: number };

/** What the sequence wrote, as the client knows it: the wholes every apportionment must add up to. */
export interface OrderModel {
  id: string;
  name: string;
  owner: (typeof BOOKERS)[number];
  date: string;
  currency: 'USD' | 'CNY';
  /** In the order's currency. */
  cents: bigint;
  lines: Array<{ id: string; cents: bigint }>;
  splits: string[];
  /** Days from the order to its refund, when it is refunded. */
  refundedAfter: number | null;
}
/** Who reported to whom from when (`from` a date; the latest entry on or before a day holds). */
export type OrgModel = Record<string, Array<{ from: string; manager: string | null }>>;
/** CNY → USD rates in ten-thousandths, effective from a date (the latest on or before a day holds). */
export type RateModel = Array<{ from: string; rate: bigint }>;
export interface Model {
  orders: OrderModel[];
  closed: string[];
  org: OrgModel;
  rates: RateModel;
}

/** The org the world starts with: every rep under `manager`, the managers under nobody. */
export const initialOrg = (): OrgModel =>
  Object.fromEntries([
    ...MOVABLE.map((r): [string, OrgModel[string]] => [r, [{ from: '0000-01-01', manager: 'manager' }]]),
    ...MANAGERS.map((m): [string, OrgModel[string]] => [m, [{ from: '0000-01-01', manager: null }]]),
  ]);
export const newModel = (): Model => ({ orders: [], closed: [], org: initialOrg(), rates: [{ from: FIRST_RATE.effectiveFrom, rate: 1400n }] });

/** The CNY → USD rate (ten-thousandths) on an order's date; 10,000 for a USD order. */
export function rateOn(model: Model, order: OrderModel): bigint {
  if (order.currency === 'USD') return 10_000n;
  const rate = model.rates
    .filter((r) => r.from <= order.date)
    .sort((a, b) => a.from.localeCompare(b.from))
    .at(-1)?.rate;
  if (rate === undefined) throw new Error(`no CNY rate on ${order.date}`);
  return rate;
}

/** An amount of an order in the plan's currency (USD), converted at the rate of the order's date, half up to the cent. */
export function usdCents(model: Model, order: OrderModel, cents: bigint): bigint {
  const p = cents * rateOn(model, order);
  return p / 10_000n + (p % 10_000n >= 5_000n ? 1n : 0n);
}

/** The manager of `person` on `date`, as the sequence set it. */
export function managerOn(org: OrgModel, person: string, date: string): string | null {
  const entries = (org[person] ?? []).filter((e) => e.from <= date).sort((a, b) => a.from.localeCompare(b.from));
  return entries.at(-1)?.manager ?? null;
}

const cents = fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 5_000_000n }) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 100_000_000_000n }) });

/**
 * Split shares in ten-thousandths of a percent that add up to exactly 100%, each with 2, 3 or 4
 * decimals (a share like 14.2857 or 33.34), none zero.
 */
export const shares = (n: number): fc.Arbitrary<bigint[]> =>
  fc.constantFrom(2, 3, 4).chain((decimals) => {
    const unit = 10n ** BigInt(4 - decimals);
    const total = 1_000_000n / unit;
    if (n === 1) return fc.constant([1_000_000n]);
    return fc.uniqueArray(fc.bigInt({ min: 1n, max: total - 1n }), { minLength: n - 1, maxLength: n - 1 }).map((cuts) => {
      const points = [0n, ...cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), total];
      return points.slice(1).map((p, i) => (p - points[i]!) * unit);
    });
  });

const payeeSet = (min: number, max: number) => fc.shuffledSubarray([...SPLIT_PAYEES.keys()], { minLength: min, maxLength: max });

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('order' as const),
      owner: fc.nat(BOOKERS.length - 1),
      month: fc.nat(MONTHS.length - 1),
      day: fc.integer({ min: 1, max: 28 }),
      cents,
      lines: fc.array(cents, { maxLength: 3 }),
      paid: fc.boolean(),
      cny: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rate' as const), month: fc.nat(MONTHS.length - 1), day: fc.integer({ min: 1, max: 28 }), rate: fc.integer({ min: 1_300, max: 1_500 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('line' as const), order: fc.nat(), cents }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('amount' as const), order: fc.nat(), cents }) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(), payeeSet(1, 7)).chain(([order, payees]) => shares(payees.length).map((s) => ({ t: 'split' as const, order, payees, shares: s }))) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(BOOKERS.length - 1), fc.nat(MONTHS.length - 1), payeeSet(7, 7))
      .chain(([owner, month, payees]) => shares(7).map((s) => ({ t: 'big' as const, owner, month, payees, shares: s }))),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('refund' as const), order: fc.nat(), days: fc.integer({ min: 0, max: 75 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pay' as const), order: fc.nat(), days: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('move' as const), rep: fc.nat(MOVABLE.length - 1), manager: fc.option(fc.nat(MANAGERS.length - 1), { nil: null }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('import' as const),
      rep: fc.nat(MOVABLE.length - 1),
      manager: fc.option(fc.nat(MANAGERS.length - 1), { nil: null }),
      month: fc.nat(MONTHS.length - 1),
      day: fc.integer({ min: 1, max: 28 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'close' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bad' as const), what: fc.constantFrom('share' as const, 'negative' as const, 'money' as const), order: fc.nat() }) },
);

export const money = (c: bigint): string => `${c < 0n ? '-' : ''}${(c < 0n ? -c : c) / 100n}.${String((c < 0n ? -c : c) % 100n).padStart(2, '0')}`;
const pct = (u: bigint): string => `${u / 10_000n}.${String(u % 10_000n).padStart(4, '0')}`;
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Runs one operation over HTTP, as the person who would do it, and records it in the model. */
export async function apply(world: World, model: Model, op: Op): Promise<void> {
  const { admin, finance } = world.tenant.call;
  const pick = (i: number) => model.orders[i % model.orders.length];
  const id = (r: { json(): unknown }) => (r.json() as { id: string }).id;
  const createOrder = async (ownerIx: number, month: number, day: number, whole: bigint, lineCents: bigint[], status: string, currency: 'USD' | 'CNY' = 'USD') => {
    const owner = BOOKERS[ownerIx]!;
    const rep = world.tenant.call[owner];
    const n = model.orders.length + 1;
    const date = `${MONTHS[month]}-${String(day).padStart(2, '0')}`;
    const total = lineCents.length ? lineCents.reduce((a, b) => a + b, 0n) : whole;
    const r = await world.write(
      rep.post('/api/v1/objects/order', { order_number: `OT-${n}`, customer_id: world.customers[owner], order_date: date, status, amount: money(total), currency }),
      `order ${n}`,
    );
    const order: OrderModel = { id: id(r), name: `order${n}`, owner, date, currency, cents: total, lines: [], splits: [], refundedAfter: null };
    world.names.set(order.id, order.name);
    model.orders.push(order);
    for (const c of lineCents) await addLine(order, c);
    return order;
  };
  const addLine = async (order: OrderModel, c: bigint) => {
    const rep = world.tenant.call[order.owner];
    const r = await world.write(
      rep.post('/api/v1/objects/order_line', { order_id: order.id, product_id: world.products[order.lines.length % world.products.length], quantity: '1', unit_price: money(c), amount: money(c) }),
      `line of ${order.name}`,
    );
    order.lines.push({ id: id(r), cents: c });
    world.names.set(id(r), `${order.name}.line${order.lines.length}`);
  };
  const split = async (order: OrderModel, payees: number[], parts: bigint[]) => {
    for (const s of order.splits) await world.write(admin.del(`/api/v1/objects/order_split/${s}`), `unsplit ${order.name}`);
    order.splits = [];
    for (const [i, p] of payees.entries()) {
      const r = await world.write(admin.post('/api/v1/objects/order_split', { order_id: order.id, payee_id: world.payees[SPLIT_PAYEES[p]!], pct: pct(parts[i]!) }), `split ${order.name}`);
      order.splits.push(id(r));
      world.names.set(id(r), `${order.name}.split${i + 1}`);
    }
  };
  switch (op.t) {
    case 'order':
      await createOrder(op.owner, op.month, op.day, op.cents, op.lines, op.paid ? 'paid' : 'booked', op.cny ? 'CNY' : 'USD');
      return;
    case 'big': {
      // 1,000,000.01 split seven ways: the parts must add up to the cent.
      const order = await createOrder(op.owner, op.month, 15, 100_000_001n, [], 'booked');
      await split(order, op.payees, op.shares);
      return;
    }
    case 'line': {
      const order = pick(op.order);
      if (!order) return;
      await addLine(order, op.cents);
      order.cents = order.lines.reduce((a, l) => a + l.cents, 0n);
      await world.write(world.tenant.call[order.owner].patch(`/api/v1/objects/order/${order.id}`, { amount: money(order.cents) }), `amount of ${order.name}`);
      return;
    }
    case 'amount': {
      const order = pick(op.order);
      if (!order || order.lines.length) return;
      order.cents = op.cents;
      await world.write(world.tenant.call[order.owner].patch(`/api/v1/objects/order/${order.id}`, { amount: money(op.cents) }), `amount of ${order.name}`);
      return;
    }
    case 'split': {
      const order = pick(op.order);
      if (order) await split(order, op.payees, op.shares);
      return;
    }
    case 'refund': {
      // Refunded some days after the order: inside or outside the plan's clawback window.
      const order = pick(op.order);
      if (!order) return;
      await world.write(admin.patch(`/api/v1/objects/order/${order.id}`, { status: 'refunded', reversal_date: addDays(order.date, op.days) }), `refund ${order.name}`);
      order.refundedAfter = op.days;
      return;
    }
    case 'pay': {
      // A refunded order stays refunded (what a later payment would mean is not this test's question).
      const order = pick(op.order);
      if (order && order.refundedAfter === null) await world.write(admin.patch(`/api/v1/objects/order/${order.id}`, { status: 'paid', paid_date: addDays(order.date, op.days) }), `pay ${order.name}`);
      return;
    }
    case 'move': {
      // A move through the user record takes effect today.
      const rep = MOVABLE[op.rep]!;
      const manager = op.manager === null ? null : MANAGERS[op.manager]!;
      await world.write(admin.patch(`/api/v1/objects/user/${world.payees[rep]}`, { manager_id: manager === null ? null : world.payees[manager] }), 'org move');
      model.org[rep]!.push({ from: new Date().toISOString().slice(0, 10), manager });
      return;
    }
    case 'import': {
      // A back-dated move, as an HR import would send it.
      const rep = MOVABLE[op.rep]!;
      const manager = op.manager === null ? null : MANAGERS[op.manager]!;
      const from = `${MONTHS[op.month]}-${String(op.day).padStart(2, '0')}`;
      const unit = world.unit;
      await world.write(
        admin.post('/api/v1/goals/org/import', { rows: [{ user_id: world.payees[rep], org_unit_id: unit, manager_id: manager === null ? null : world.payees[manager], valid_from: from }] }),
        `org import ${rep} from ${from}`,
      );
      model.org[rep]!.push({ from, manager });
      return;
    }
    case 'rate': {
      // A CNY → USD rate from a day in the months written: orders from then on are converted at it.
      const from = `${MONTHS[op.month]}-${String(op.day).padStart(2, '0')}`;
      const rate = BigInt(op.rate);
      await world.write(finance.post('/api/v1/fx/rates', { from: 'CNY', to: 'USD', rate: `0.${String(rate).padStart(4, '0')}`, effectiveFrom: from }), `rate from ${from}`);
      model.rates = [...model.rates.filter((r) => r.from !== from), { from, rate }];
      return;
    }
    case 'bad': {
      // Bad input is refused naming the field and the rule, and changes nothing (the invariants
      // checked after the sequence would show a half-applied write).
      const order = pick(op.order);
      if (!order) return;
      const [res, path, rule] =
        op.what === 'share'
          ? [await admin.post('/api/v1/objects/order_split', { order_id: order.id, payee_id: world.payees.rep1, pct: '33.33333' }), '/pct', 'scale']
          : op.what === 'negative'
            ? [await world.tenant.call[order.owner].patch(`/api/v1/objects/order/${order.id}`, { amount: '-5.00' }), '/amount', 'minimum']
            : [await world.tenant.call[order.owner].patch(`/api/v1/objects/order/${order.id}`, { amount: '10.005' }), '/amount', 'scale'];
      expect(res.statusCode, res.body).toBe(422);
      expect(
        (res.json() as { error: { details: Array<{ path: string; rule: string }> } }).error.details.map((d) => [d.path, d.rule]),
        `${op.what} refused`,
      ).toEqual([[path, rule]]);
      return;
    }
    case 'close': {
      // Closes the earliest open month, keeping the last one open for prior-period adjustments.
      const month = MONTHS.find((m) => !model.closed.includes(m));
      if (!month || month === MONTHS[MONTHS.length - 1]) return;
      await world.settle();
      // A computed period is already `calculated`; step on from where it is.
      const flow = ['open', 'calculated', 'approved', 'paid', 'closed'];
      const periods = ((await finance.get('/api/v1/incentives/periods')).json() as { data: Array<{ period: string; status: string }> }).data;
      const now = periods.find((p) => p.period === month)?.status ?? 'open';
      for (const status of flow.slice(flow.indexOf(now) + 1)) await world.write(finance.post(`/api/v1/incentives/periods/${month}/status`, { status }), `${month} → ${status}`);
      model.closed.push(month);
      return;
    }
  }
}
