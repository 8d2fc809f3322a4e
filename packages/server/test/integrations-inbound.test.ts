// ERP/finance events into Attain over HTTP, signed as a sender following docs/integrations.md
// does (Stripe's `t=…,v1=…` scheme): an invoice paid moves a commission paid on payment from held
// to payable on the rep's statement; the same event id twice answers the stored result and
// changes nothing; bad signatures are 401, unknown types and orders 422 recorded as integration
// errors the admin lists; the secret is rotated by an admin and shown once.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';
import { integrationsTables } from '../src/modules/integrations/tables.ts';
import { signatureHeader } from '../src/modules/integrations/index.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let secret: string;
let customer: string;
const TODAY = new Date().toISOString().slice(0, 10);
const MONTH = TODAY.slice(0, 7);

// What a sender computes, straight from the docs: HMAC-SHA256 over "<t>.<body>" in hex.
function sign(body: string, key = secret, at = Date.now()): string {
  const ts = String(Math.floor(at / 1000));
  const header = `t=${ts},v1=${createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}`;
  // The module's own helper (for senders written against Attain) computes the same.
  expect(signatureHeader(key, body, new Date(at))).toBe(header);
  return header;
}

function send(event: unknown, opts: { signature?: string; tenant?: string; raw?: string } = {}) {
  const body = opts.raw ?? JSON.stringify(event);
  return app.inject({
    method: 'POST',
    url: `/api/v1/integrations/${opts.tenant ?? t.name}/events`,
    headers: { 'content-type': 'application/json', ...(opts.signature !== '' ? { 'attain-signature': opts.signature ?? sign(body) } : {}) },
    payload: body,
  });
}

const plan = {
  kind: 'incentive_plan',
  id: 'onpay',
  name: 'onpay',
  label: { en: 'Paid on payment' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2020-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      payoutTiming: 'payment',
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }],
    },
  ],
};

async function statement(): Promise<{ commission: string; held: number }> {
  await t.drain();
  expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
  const res = await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${MONTH}`);
  expect(res.statusCode).toBe(200);
  const lines = res.json().data.lines as Array<{ component: string | null; amount: string; kind: string; trace?: { creditCount?: number } }>;
  return { commission: lines.find((l) => l.component === 'commission' && l.kind === 'earning')?.amount ?? '0', held: lines.filter((l) => l.kind === 'hold').length };
}

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'erpin');
  const admin = t.call.admin;
  customer = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'ACME' })).json().id;
  const rules = [{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }];
  expect((await admin.put('/api/v1/incentives/crediting-rules', { rules })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/onpay', plan)).statusCode).toBe(200);
  expect((await admin.put('/api/v1/incentives/plans/onpay/assignments', { assignments: [{ payeeId: t.ids.rep1, from: '2020-01-01' }] })).statusCode).toBe(200);
  await t.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('the inbound secret', () => {
  it('is refused before an admin rotates it; rotating shows it once; only admins manage it', async () => {
    const early = await send({ id: 'evt_0', type: 'invoice.paid', data: {} }, { signature: 't=1,v1=00' });
    expect(early.statusCode, early.body).toBe(401);
    expect(early.json().error).toMatchObject({ code: 'invalid_signature', details: [{ rule: 'no_secret' }] });
    expect((await t.call.rep1.post('/api/v1/integrations/inbound/secret', {})).statusCode).toBe(403);
    const rotated = await t.call.admin.post('/api/v1/integrations/inbound/secret', {});
    expect(rotated.statusCode).toBe(200);
    secret = rotated.json().data.secret;
    expect(secret).toMatch(/^whsec_/);
    const shown = (await t.call.admin.get('/api/v1/integrations/inbound')).json().data;
    expect(shown).toMatchObject({ hasSecret: true, secretHint: `…${secret.slice(-4)}`, path: `/api/v1/integrations/${t.name}/events`, signatureHeader: 'attain-signature' });
    expect(JSON.stringify(shown)).not.toContain(secret);
    expect(shown.eventTypes.map((e: { type: string }) => e.type)).toEqual(['invoice.paid', 'invoice.voided', 'order.cancelled']);
    // Sealed at rest: the stored value is not the secret.
    const port = await store.port(t.name, integrationsTables);
    const stored = (await port.table('settings').first()) as { inbound_secret: string };
    expect(stored.inbound_secret).toMatch(/^attain:aes-256-gcm:v1:/);
    expect(stored.inbound_secret).not.toContain(secret);
    const audit = (await t.call.admin.get('/api/v1/audit?object=integration_secret')).json().data as Array<{ action: string; after: unknown }>;
    expect(audit.map((a) => a.action)).toContain('integrations.secret.rotate');
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});

describe('invoice.paid', () => {
  it('moves the commission of an order paid on payment from held to payable, once per event id', async () => {
    const order = await t.call.rep1.post('/api/v1/objects/order', {
      order_number: 'SO-1',
      external_id: 'ERP-SO-1',
      customer_id: customer,
      order_date: TODAY,
      status: 'booked',
      amount: '1000',
      currency: 'USD',
    });
    expect(order.statusCode, order.body).toBe(201);
    // Booked, not paid: the credit waits for its payment date.
    expect(await statement()).toEqual({ commission: '0', held: 1 });

    const event = { id: 'evt_paid_1', type: 'invoice.paid', created: Math.floor(Date.now() / 1000), data: { order_external_id: 'ERP-SO-1', paid_date: TODAY, invoice_number: 'INV-9' } };
    const paid = await send(event);
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().data).toMatchObject({ id: 'evt_paid_1', status: 'processed', object: 'order', recordId: order.json().id, changes: { paid_date: TODAY, status: 'paid' } });
    const after = (await t.call.admin.get(`/api/v1/objects/order/${order.json().id}`)).json();
    expect(after).toMatchObject({ paid_date: TODAY, status: 'paid' });
    // 1,000 × 10% = 100.00 payable this month; nothing held any more.
    expect(await statement()).toEqual({ commission: '100', held: 0 });

    // The same event again (a sender's retry): the stored answer, nothing written.
    const again = await send(event);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(paid.json());
    expect((await t.call.admin.get(`/api/v1/objects/order/${order.json().id}`)).json().version).toBe(after.version);
    // The same id with another body is refused.
    const reused = await send({ ...event, data: { ...event.data, paid_date: '2020-01-01' } });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error).toMatchObject({ code: 'event_id_reused', details: [{ path: '/id', rule: 'unique' }] });

    // Voided: the payment date is cleared and the credit waits again.
    expect((await send({ id: 'evt_void_1', type: 'invoice.voided', data: { order_external_id: 'ERP-SO-1' } })).statusCode).toBe(200);
    expect(await statement()).toEqual({ commission: '0', held: 1 });
  });

  it('order.cancelled sets the status and the cancellation date', async () => {
    const order = await t.call.rep1.post('/api/v1/objects/order', {
      order_number: 'SO-2',
      external_id: 'ERP-SO-2',
      customer_id: customer,
      order_date: TODAY,
      status: 'booked',
      amount: '10',
      currency: 'USD',
    });
    const res = await send({ id: 'evt_cancel_2', type: 'order.cancelled', data: { order_external_id: 'ERP-SO-2', cancelled_date: TODAY } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await t.call.admin.get(`/api/v1/objects/order/${order.json().id}`)).json()).toMatchObject({ status: 'cancelled', reversal_date: TODAY });
  });
});

describe('refusals', () => {
  it('a bad, stale, missing or malformed signature is 401 invalid_signature and changes nothing', async () => {
    const event = { id: 'evt_bad', type: 'invoice.paid', data: { order_external_id: 'ERP-SO-1', paid_date: TODAY } };
    const body = JSON.stringify(event);
    const cases: Array<[string, string]> = [
      [sign(body, 'whsec_wrong'), 'mismatch'],
      [sign(body, secret, Date.now() - 6 * 60_000), 'expired'],
      [sign(body, secret, Date.now() + 6 * 60_000), 'expired'],
      ['', 'missing'],
      ['v1=abc', 'format'],
      [sign(`${body} `), 'mismatch'],
    ];
    for (const [signature, rule] of cases) {
      const res = await send(event, { signature, raw: body });
      expect(res.statusCode, rule).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'invalid_signature', details: [{ path: '/headers/attain-signature', rule }] });
    }
    // A body that is not JSON is refused by the parser (400 invalid_json), before the signature; never a 500.
    const junk = await send(undefined, { raw: '{"id": ', signature: sign('{"id": ') });
    expect(junk.statusCode).toBe(400);
    expect((await send(event, { tenant: 'nosuchtenant' })).statusCode).toBe(401);
    expect((await t.call.admin.get('/api/v1/integrations/events')).json().data.map((e: { id: string }) => e.id)).not.toContain('evt_bad');
  });

  it('an unknown type, an unknown order or bad data is 422 naming the field and rule, recorded as an integration error, retried when sent again', async () => {
    const unknownType = await send({ id: 'evt_u1', type: 'invoice.exploded', data: {} });
    expect(unknownType.statusCode).toBe(422);
    expect(unknownType.json().error).toMatchObject({ code: 'unknown_event_type', details: [{ path: '/type', rule: 'enum' }] });
    const noOrder = await send({ id: 'evt_u2', type: 'invoice.paid', data: { order_external_id: 'ERP-NOPE', paid_date: TODAY } });
    expect(noOrder.statusCode).toBe(422);
    expect(noOrder.json().error).toMatchObject({ code: 'unknown_record', details: [{ path: '/data/order_external_id', rule: 'exists' }] });
    const badDate = await send({ id: 'evt_u3', type: 'invoice.paid', data: { order_external_id: 'ERP-SO-1', paid_date: '2026-02-30' } });
    expect(badDate.statusCode).toBe(422);
    expect(badDate.json().error).toMatchObject({ code: 'invalid_event_data', details: [{ path: '/data/paid_date', rule: 'format' }] });
    const missing = await send({ id: 'evt_u4', type: 'invoice.paid', data: { order_external_id: 'ERP-SO-1' } });
    expect(missing.json().error.details).toEqual([expect.objectContaining({ path: '/data/paid_date', rule: 'required' })]);
    const noId = await send({ type: 'invoice.paid', data: {} });
    expect(noId.statusCode).toBe(400);

    const failed = (await t.call.admin.get('/api/v1/integrations/events?status=failed')).json().data as Array<{ id: string; status: string; httpStatus: number; error: { code: string } }>;
    expect(failed.map((e) => e.id).sort()).toEqual(['evt_u1', 'evt_u2', 'evt_u3', 'evt_u4']);
    expect(failed.find((e) => e.id === 'evt_u2')).toMatchObject({ status: 'failed', httpStatus: 422, error: { code: 'unknown_record' } });
    // The order arrives later; the sender's retry of the same event now goes through.
    await t.call.rep1.post('/api/v1/objects/order', { order_number: 'SO-3', external_id: 'ERP-NOPE', customer_id: customer, order_date: TODAY, status: 'booked', amount: '5', currency: 'USD' });
    const retried = await send({ id: 'evt_u2', type: 'invoice.paid', data: { order_external_id: 'ERP-NOPE', paid_date: TODAY } });
    expect(retried.statusCode).toBe(200);
    const all = (await t.call.admin.get('/api/v1/integrations/events')).json().data as Array<{ id: string; status: string; attempts: number }>;
    expect(all.find((e) => e.id === 'evt_u2')).toMatchObject({ status: 'processed', attempts: 2 });
    expect((await t.call.rep1.get('/api/v1/integrations/events')).statusCode).toBe(403);
  });
});
