// Communication logs without typing: a call or message logged from the customer's page in one
// tap; an email BCC'd to the tenant's log address (sent by a real SMTP client to the receiver the
// test starts) becomes an activity on the matching contact; an unknown sender is quarantined and
// listed to admins, who assign it; other recipients, unknown tenants, oversized and sender-less
// messages are refused with SMTP codes and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';
import type { Store } from '../src/store-port.ts';
import { startMailReceiver, tenantOfAddress, type MailReceiver } from '../src/index.ts';

const DOMAIN = 'log.attain.test';
let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let receiver: MailReceiver;
let shop: string;
let buyer: string;
const filed: string[] = [];

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false } });
const activitiesOf = async (contact: string) =>
  (await t.call.admin.get(`/api/v1/objects/activity?filter=${encodeURIComponent(JSON.stringify({ contact_id: { eq: contact } }))}`)).json().data as Array<Record<string, unknown>>;
const activityCount = async () => (await t.call.admin.get('/api/v1/objects/activity?limit=200')).json().data.length as number;

beforeAll(async () => {
  ({ app, store } = await testServer());
  t = await coreTenant(app, store, 'com');
  shop = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Corner shop' })).json().id;
  buyer = (await t.call.rep1.post('/api/v1/objects/contact', { last_name: 'Wang', first_name: 'Li', customer_id: shop, email: 'Li.Wang@cornershop.example' })).json().id;
  receiver = await startMailReceiver({ store, domain: DOMAIN, port: 0, host: '127.0.0.1', maxBytes: 64 * 1024, onFiled: (_tenant, outcome) => filed.push(outcome.status) });
});
afterAll(async () => {
  await receiver?.close();
  await app.close();
  await store.close();
});

describe('one-tap log', () => {
  it('a call with its duration and outcome becomes an activity on the customer (and contact)', async () => {
    const res = await t.call.rep1.post('/api/v1/field/activities', { customerId: shop, kind: 'call', durationMinutes: 5, outcome: 'reached', contactId: buyer });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({ kind: 'call', duration_minutes: 5, outcome: 'reached', customer_id: shop, contact_id: buyer, subject: 'Call, 5 min: reached', owner_id: t.ids.rep1 });
    const msg = await t.call.rep1.post('/api/v1/field/activities', {
      customerId: shop,
      kind: 'message',
      outcome: 'left_message',
      subject: '已发微信',
      at: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(msg.json().data).toMatchObject({ kind: 'message', subject: '已发微信', outcome: 'left_message' });
  });

  it('a retried tap with its key writes one activity', async () => {
    const before = await activityCount();
    const body = { customerId: shop, kind: 'call', durationMinutes: 1, outcome: 'no_answer', idempotencyKey: 'tap-1' };
    const a = await t.call.rep1.post('/api/v1/field/activities', body);
    const b = await t.call.rep1.post('/api/v1/field/activities', body);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json().data.id).toBe(a.json().data.id);
    expect(await activityCount()).toBe(before + 1);
  });

  it('refuses bad input naming the field, and customers or contacts outside the scope', async () => {
    const kind = await t.call.rep1.post('/api/v1/field/activities', { customerId: shop, kind: 'fax' });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().error.details[0]).toMatchObject({ path: '/kind', rule: 'enum' });
    const duration = await t.call.rep1.post('/api/v1/field/activities', { customerId: shop, kind: 'call', durationMinutes: -1 });
    expect(duration.json().error.details[0]).toMatchObject({ path: '/durationMinutes', rule: 'minimum' });
    const other = await t.call.rep2.post('/api/v1/field/activities', { customerId: shop, kind: 'call' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({ code: 'unknown_customer', details: [{ path: '/customerId' }] });
    const kiosk = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Kiosk' })).json().id;
    const contact = await t.call.rep2.post('/api/v1/field/activities', { customerId: kiosk, kind: 'call', contactId: buyer });
    expect(contact.json().error).toMatchObject({ code: 'unknown_contact', details: [{ path: '/contactId' }] });
    expect((await t.call.finance.post('/api/v1/field/activities', { customerId: shop, kind: 'call' })).statusCode).toBe(403);
  });
});

describe('inbound email', () => {
  it('parses log addresses of the domain only', () => {
    expect(tenantOfAddress(`LOG+${t.name}@Log.Attain.Test`, DOMAIN)).toBe(t.name);
    expect(tenantOfAddress(`log+${t.name}@other.test`, DOMAIN)).toBeUndefined();
    expect(tenantOfAddress(`sales@${DOMAIN}`, DOMAIN)).toBeUndefined();
  });

  it("a rep's email BCC'd to the tenant's address becomes an activity on the recipient contact", async () => {
    const info = await transport().sendMail({
      from: `rep1@${t.name}.test`,
      to: 'li.wang@cornershop.example',
      bcc: `log+${t.name}@${DOMAIN}`,
      subject: 'Your order for May',
      text: 'Hello Li, the order ships on Monday.',
      messageId: '<may-order@attain.test>',
    });
    expect(info.accepted).toEqual([`log+${t.name}@${DOMAIN}`]);
    const acts = await activitiesOf(buyer);
    const mail = acts.find((a) => a.kind === 'email');
    expect(mail).toMatchObject({ subject: 'Your order for May', customer_id: shop, owner_id: t.ids.rep1 });
    expect(String(mail?.notes)).toContain('ships on Monday');
    // Delivered again (a lost answer): the same Message-ID writes nothing more.
    await transport().sendMail({
      from: `rep1@${t.name}.test`,
      to: 'li.wang@cornershop.example',
      bcc: `log+${t.name}@${DOMAIN}`,
      subject: 'Your order for May',
      text: 'again',
      messageId: '<may-order@attain.test>',
    });
    expect((await activitiesOf(buyer)).filter((a) => a.kind === 'email')).toHaveLength(1);
    expect(filed).toContain('duplicate');
  });

  it("the contact's own email, forwarded to the address, lands on the contact, owned by the contact's owner", async () => {
    await transport().sendMail({ from: 'li.wang@cornershop.example', to: `log+${t.name}@${DOMAIN}`, subject: 'Re: price list', text: 'Thanks!' });
    const reply = (await activitiesOf(buyer)).find((a) => a.subject === 'Re: price list');
    expect(reply).toMatchObject({ kind: 'email', owner_id: t.ids.rep1 });
  });

  it('an unknown sender is quarantined, listed to admins only, and assigned to a contact later', async () => {
    const before = await activityCount();
    await transport().sendMail({ from: 'stranger@elsewhere.example', to: `log+${t.name}@${DOMAIN}`, subject: 'Who am I', text: 'Unknown.' });
    expect(await activityCount()).toBe(before);
    expect((await t.call.manager.get('/api/v1/field/inbound-mail')).statusCode).toBe(403);
    const list = (await t.call.admin.get('/api/v1/field/inbound-mail')).json().data;
    const held = list.find((m: { subject: string }) => m.subject === 'Who am I');
    expect(held).toMatchObject({ status: 'quarantined', reason: 'unknown_sender', from: 'stranger@elsewhere.example', activityIds: [] });
    const logged = (await t.call.admin.get('/api/v1/field/inbound-mail?status=logged')).json().data;
    expect(logged.map((m: { subject: string }) => m.subject)).toContain('Your order for May');

    const bad = await t.call.admin.post(`/api/v1/field/inbound-mail/${held.id}/assign`, { contactId: shop });
    expect(bad.json().error).toMatchObject({ code: 'unknown_contact', details: [{ path: '/contactId' }] });
    const assigned = await t.call.admin.post(`/api/v1/field/inbound-mail/${held.id}/assign`, { contactId: buyer });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json().data).toMatchObject({ status: 'assigned' });
    const [activityId] = assigned.json().data.activityIds;
    expect((await t.call.rep1.get(`/api/v1/objects/activity/${activityId}`)).json()).toMatchObject({ subject: 'Who am I', contact_id: buyer, owner_id: t.ids.rep1 });
    expect((await t.call.admin.post(`/api/v1/field/inbound-mail/${held.id}/assign`, { contactId: buyer })).json().error.code).toBe('not_quarantined');
    expect((await t.call.admin.post('/api/v1/field/inbound-mail/00000000-0000-4000-8000-000000000000/assign', { contactId: buyer })).statusCode).toBe(404);
    expect((await t.call.admin.get('/api/v1/field/inbound-mail')).json().data.some((m: { id: string }) => m.id === held.id)).toBe(false);
  });

  it("a user's email naming no contact is quarantined as no_contact", async () => {
    await transport().sendMail({ from: `rep2@${t.name}.test`, to: 'nobody@nowhere.example', bcc: `log+${t.name}@${DOMAIN}`, subject: 'Cold mail', text: '…' });
    const held = (await t.call.admin.get('/api/v1/field/inbound-mail')).json().data.find((m: { subject: string }) => m.subject === 'Cold mail');
    expect(held).toMatchObject({ reason: 'no_contact', recipients: ['nobody@nowhere.example'] });
  });

  it('refuses another tenant, another mailbox, an oversized or sender-less message with SMTP codes; nothing is written', async () => {
    const before = { activities: await activityCount(), held: (await t.call.admin.get('/api/v1/field/inbound-mail')).json().data.length };
    const refusal = async (mail: Record<string, unknown>) => {
      try {
        await transport().sendMail(mail);
        return undefined;
      } catch (error) {
        return error as { responseCode?: number; code?: string };
      }
    };
    expect((await refusal({ from: `rep1@${t.name}.test`, to: `log+nosuchtenant@${DOMAIN}`, subject: 'x', text: 'x' }))?.responseCode).toBe(550);
    expect((await refusal({ from: `rep1@${t.name}.test`, to: `ceo@${DOMAIN}`, subject: 'x', text: 'x' }))?.responseCode).toBe(550);
    expect((await refusal({ from: `rep1@${t.name}.test`, to: 'someone@gmail.example', subject: 'relay?', text: 'x' }))?.responseCode).toBe(550);
    expect((await refusal({ from: `rep1@${t.name}.test`, to: `log+${t.name}@${DOMAIN}`, subject: 'big', text: 'x'.repeat(100 * 1024) }))?.responseCode).toBe(552);
    // Raw garbage: no headers at all, not even a From.
    const raw = await refusal({ envelope: { from: '', to: [`log+${t.name}@${DOMAIN}`] }, raw: 'this is not an email\r\n' });
    expect(raw?.responseCode).toBe(550);
    expect(await activityCount()).toBe(before.activities);
    expect((await t.call.admin.get('/api/v1/field/inbound-mail')).json().data.length).toBe(before.held);
  });

  it("defers strangers' emails (452) once too many wait for an admin", async () => {
    const small = await startMailReceiver({ store, domain: DOMAIN, port: 0, host: '127.0.0.1', maxQuarantined: 1 });
    try {
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: small.port, secure: false, ignoreTLS: true });
      const refused = await client.sendMail({ from: 'spam@elsewhere.example', to: `log+${t.name}@${DOMAIN}`, subject: 'Buy now', text: 'x' }).catch((e: { responseCode?: number }) => e);
      expect((refused as { responseCode?: number }).responseCode).toBe(452);
      expect((await t.call.admin.get('/api/v1/field/inbound-mail')).json().data.some((m: { subject: string }) => m.subject === 'Buy now')).toBe(false);
      // A known sender naming a contact is still logged.
      await client.sendMail({ from: `rep1@${t.name}.test`, to: 'li.wang@cornershop.example', bcc: `log+${t.name}@${DOMAIN}`, subject: 'Still logged', text: 'x' });
      expect((await activitiesOf(buyer)).some((a) => a.subject === 'Still logged')).toBe(true);
    } finally {
      await small.close();
    }
  });
});
