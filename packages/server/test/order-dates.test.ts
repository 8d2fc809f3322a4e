// Transaction dates the user can state (issue #11 item 6): a refund's or cancellation's date, the
// invoice and payment dates are order fields; the clawback window counts to the stated refund date,
// not to the day the refund was entered. Through the records API and the statements, by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
const customer: Record<'rep1' | 'rep2', string> = { rep1: '', rep2: '' };

const plan = (id: string, extra: Record<string, unknown>) => ({
  kind: 'incentive_plan',
  id,
  name: id,
  label: { en: id },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
      ...extra,
    },
  ],
});

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'odates');
  const admin = t.call.admin;
  // A rep books orders against customers they may read: their own.
  for (const who of ['rep1', 'rep2'] as const) customer[who] = (await t.call[who].post('/api/v1/objects/customer', { name: `ACME ${who}` })).json().id;
  expect(
    (await admin.put('/api/v1/incentives/crediting-rules', { rules: [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }] }))
      .statusCode,
  ).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/claw', plan('claw', { clawback: { days: 30 } }))).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/claw/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2026-01-01' }] })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/oninvoice', plan('oninvoice', { payoutTiming: 'invoice' }))).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/oninvoice/assignments', { assignments: [{ payeeId: t.ids.rep2, from: '2026-01-01' }] })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function commission(who: 'rep1' | 'rep2', period: string): Promise<string> {
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
  const res = await t.call[who].get(`/api/v1/incentives/statements/${t.ids[who]}/${period}`);
  return (res.json().data.lines as Array<{ component: string; amount: string }>).find((l) => l.component === 'commission')?.amount ?? '0';
}

describe('order dates the user states', () => {
  it('a refund dated inside the clawback window is clawed back, one dated outside is not, whenever it is entered', async () => {
    const rep = t.call.rep1;
    const a = (await rep.post('/api/v1/objects/order', { order_number: 'D-1', customer_id: customer.rep1, order_date: '2026-03-05', status: 'booked', amount: '1000', currency: 'USD' })).json().id;
    const b = (await rep.post('/api/v1/objects/order', { order_number: 'D-2', customer_id: customer.rep1, order_date: '2026-03-06', status: 'booked', amount: '3000', currency: 'USD' })).json().id;
    // (1,000 + 3,000) × 10% = 400
    expect(await commission('rep1', '2026-03')).toBe('400');
    // Both refunds are entered today; A happened on 20 March (15 days after booking: inside 30),
    // B on 20 May (75 days after: outside).
    expect((await rep.patch(`/api/v1/objects/order/${a}`, { status: 'refunded', reversal_date: '2026-03-20' })).statusCode).toBe(200);
    expect((await rep.patch(`/api/v1/objects/order/${b}`, { status: 'refunded', reversal_date: '2026-05-20' })).statusCode).toBe(200);
    // Only B's 3,000 × 10% = 300 stays.
    expect(await commission('rep1', '2026-03')).toBe('300');
    // The stated date is what the engine keeps: correcting it moves the clawback with it.
    expect((await rep.patch(`/api/v1/objects/order/${b}`, { reversal_date: '2026-03-31' })).statusCode).toBe(200);
    expect(await commission('rep1', '2026-03')).toBe('0');
  });

  it('commission paid on invoice follows the stated invoice date', async () => {
    const rep = t.call.rep2;
    const o = (await rep.post('/api/v1/objects/order', { order_number: 'D-3', customer_id: customer.rep2, order_date: '2026-03-10', status: 'booked', amount: '500', currency: 'USD' })).json().id;
    expect(await commission('rep2', '2026-03')).toBe('0');
    expect((await rep.patch(`/api/v1/objects/order/${o}`, { status: 'invoiced', invoice_date: '2026-04-02' })).statusCode).toBe(200);
    await t.call.finance.post('/api/v1/incentives/periods/2026-04/open');
    // Invoiced 2 April: 500 × 10% = 50 in April, nothing in March.
    expect(await commission('rep2', '2026-04')).toBe('50');
    expect(await commission('rep2', '2026-03')).toBe('0');
  });

  it('a stated date is validated like any date field', async () => {
    const o = await t.call.rep1.post('/api/v1/objects/order', { order_number: 'D-4', customer_id: customer.rep1, order_date: '2026-03-10', amount: '1', reversal_date: '2026-02-30' });
    expect(o.statusCode).toBe(422);
    expect(o.json().error.details[0].path).toBe('/reversal_date');
  });
});
