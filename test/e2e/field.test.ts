// Browser test of field sales on a 375 px phone: a rep checks in at a customer with the phone's
// position (the customer's place set by an admin), adds a photo to the visit and checks out; the
// manager's view of the team's day lists it and draws it on the map; a check-in too far away,
// with the tenant set to refuse, is refused in words.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { PNG, SHOP, phone, seedShop } from './field-support.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
  await seedShop(h);
});

describe('field sales on a phone', () => {
  it('checks in at a customer, adds a photo, checks out; the manager sees the day', async () => {
    const { context, page } = await phone(browser, { lat: SHOP.lat + 0.0002, lng: SHOP.lng });
    await login(page, h, h.rep.email);
    await page.goto(`${h.url}/field/today`);
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Huamei Market' });
    await page.getByRole('button', { name: 'Check in here' }).click();
    const open = page.getByTestId('visit-open');
    await open.getByRole('heading', { name: 'At Huamei Market' }).waitFor();
    // 0.0002° of latitude is about 22 m.
    await open.getByText(/22 m from the customer/).waitFor();
    await open.locator('input[type=file]').setInputFiles({ name: 'shelf.png', mimeType: 'image/png', buffer: PNG });
    await open.getByRole('link', { name: 'shelf.png' }).waitFor();
    await open.getByRole('img', { name: 'shelf.png' }).waitFor();
    await shot(page, 'field-visit-open');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.getByRole('button', { name: 'Check out' }).click();
    await page.getByRole('button', { name: 'Check in here' }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Huamei Market' }).getByText(/min/).waitFor();
    expect(problemsOf(page)).toEqual([]);
    await context.close();

    const { context: desk, page: admin } = await phone(browser, SHOP);
    await login(admin, h, h.admin.email);
    await admin.goto(`${h.url}/field/team`);
    await admin.getByTestId('field-team').getByRole('link', { name: 'Huamei Market' }).waitFor();
    expect(await admin.getByTestId('field-team').innerText()).toContain('Ray Rep');
    await admin.getByTestId('field-map').waitFor();
    expect(problemsOf(admin)).toEqual([]);
    await desk.close();
  });

  it('refuses a check-in too far away, in words, when the tenant refuses rather than flags', async () => {
    const admin = await signIn(h, h.admin.email);
    expect((await callApi(h, admin, 'PUT', '/field/settings', { outsideRadius: 'refuse', radiusMeters: 200 })).status).toBe(200);
    // Someone with no earlier check-in today (the rep's last one, minutes ago at the shop, would
    // make 5 km now an impossible speed, refused first).
    const { context, page } = await phone(browser, { lat: SHOP.lat + 0.05, lng: SHOP.lng });
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/field/today`);
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Huamei Market' });
    await page.getByRole('button', { name: 'Check in here' }).click();
    await page.getByRole('alert').getByText('You are too far from this customer to check in here.').waitFor();
    await shot(page, 'field-refused');
    await context.close();
  });
});
