// Browser test of tenant plugins: an admin installs credit-check from the studio, sees and accepts
// what it asks for, configures it (the API key is a secret: never shown again); a rep's order over
// the limit is refused by its hook with its message; the admin disables it and the save goes through.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('plugins screen', () => {
  it("install, consent, configure; a hook refuses a rep's save; disabling lets it through", async () => {
    const admin = await newPage(browser, 1280, 1000);
    await login(admin, h, h.admin.email);
    await navigate(admin, 'Plugins');
    await admin.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
    await admin.getByTestId('install-credit-check').click();
    const card = admin.getByTestId('plugin-credit-check');
    await card.getByText('awaiting consent').waitFor();
    const caps = card.getByTestId('plugin-capabilities');
    await caps.getByText('https://credit.example.com/*').waitFor();
    await caps.getByText('beforeCreate:order').waitFor();
    await shot(admin, 'plugins-consent');
    await card.getByRole('button', { name: 'Accept and enable' }).click();
    await card.getByText('enabled', { exact: true }).waitFor();

    await card.getByLabel('Credit-check service URL').fill('https://credit.example.com/check');
    await card.getByLabel('API key').fill('sk-live-secret');
    await card.getByLabel('Orders above this amount are checked').fill('1000');
    await card.getByRole('button', { name: 'Save settings' }).click();
    await card.getByText('Settings saved.').waitFor();
    await expect.poll(() => card.getByLabel('API key').inputValue()).toBe('••••');
    const adminToken = await signIn(h, h.admin.email);
    const view = await callApi(h, adminToken, 'GET', '/plugins/credit-check');
    expect(JSON.stringify(view.body)).not.toContain('sk-live-secret');

    const repToken = await signIn(h, h.rep.email);
    const customer = await callApi(h, repToken, 'POST', '/objects/customer', { name: 'Acme Trading' });
    expect(customer.status).toBe(201);
    const rep = await newPage(browser, 1280, 1000);
    await login(rep, h, h.rep.email);
    const fill = async (n: string) => {
      await rep.goto(`${h.url}/o/order/new`);
      await rep.getByLabel(/^Order number/).fill(n);
      await rep.getByLabel(/^Customer/).selectOption({ label: 'Acme Trading' });
      await rep.getByLabel(/^Order date/).fill('2026-03-02');
      await rep.getByLabel(/^Amount/).fill('5000');
      await rep.getByRole('button', { name: 'Save', exact: true }).click();
    };
    await fill('PO-1');
    await rep
      .getByRole('alert')
      .getByText(/The credit check for Acme Trading could not be done/)
      .first()
      .waitFor();
    await shot(rep, 'plugins-refused');

    await admin.reload();
    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByText('disabled', { exact: true }).waitFor();
    await fill('PO-2');
    await rep.waitForURL(/\/o\/order\/[0-9a-f-]{36}$/);
    const orders = (await callApi(h, repToken, 'GET', '/objects/order')).body.data as Array<{ order_number: string }>;
    expect(orders.map((o) => o.order_number)).toEqual(['PO-2']);
    expect(problemsOf(admin)).toEqual([]);
    await admin.close();
    await rep.close();
  });
});
