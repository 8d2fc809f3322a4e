// Browser test of the log address's quarantine: an email from an unknown sender, delivered over
// SMTP to the receiver beside the server, waits on the admin's *Received emails*; assigning it to a
// contact logs it on the contact (and it leaves the list).
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import nodemailer from 'nodemailer';
import { startMailReceiver, type MailReceiver } from '@attain/server';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { seedShop } from './field-support.ts';

const DOMAIN = 'log.e2e.test';
let h: Harness;
let browser: Browser;
let receiver: MailReceiver;
let contact: string;

studioSuite(async (s) => {
  ({ h, browser } = s);
  const shop = await seedShop(h);
  const rep = await signIn(h, h.rep.email);
  contact = (await callApi(h, rep, 'POST', '/objects/contact', { first_name: 'Li', last_name: 'Wang', customer_id: shop, email: 'li@huamei.example' })).body.id as string;
  receiver = await startMailReceiver({ store: h.store, domain: DOMAIN, port: 0, host: '127.0.0.1', onError: (e) => console.error('inbound mail', e) });
});
afterAll(async () => {
  await receiver?.close();
});

describe('received emails', () => {
  it('an unknown sender waits for the admin, who assigns it to a contact', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'buyer@newshop.example', to: `log+${h.tenant}@${DOMAIN}`, subject: 'Price list please', text: 'Could you send the May price list?' });

    const page = await newPage(browser, 375, 800);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/field/inbound-mail`);
    const list = page.getByTestId('inbound-mail');
    const item = list.getByRole('listitem').filter({ hasText: 'Price list please' });
    await item.getByText(/buyer@newshop\.example .* unknown sender/).waitFor();
    await item.getByLabel('Contact').selectOption({ label: 'Li Wang <li@huamei.example>' });
    await shot(page, 'field-inbound');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await item.getByRole('button', { name: 'Assign' }).click();
    await page.getByText('No email waits to be assigned.').waitFor();

    const admin = await signIn(h, h.admin.email);
    const logged = await callApi(h, admin, 'GET', `/objects/activity?filter=${encodeURIComponent(JSON.stringify({ contact_id: { eq: contact } }))}`);
    expect(logged.body.data).toEqual([expect.objectContaining({ kind: 'email', subject: 'Price list please', owner_id: h.rep.id })]);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
