// Browser test of visit plans on a 375 px phone: a rep adds two customers to today's plan, orders
// the stops from where the phone is (nearest first, with the distance from the previous stop),
// and sees the week's plan against actual.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { SHOP, phone, seedShop } from './field-support.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
  await seedShop(h);
  // A second customer 2 km north of the shop.
  const rep = await signIn(h, h.rep.email);
  const north = await callApi(h, rep, 'POST', '/objects/customer', { name: 'North Depot' });
  const admin = await signIn(h, h.admin.email);
  await callApi(h, admin, 'PUT', `/field/places/${north.body.id}`, { lat: SHOP.lat + 0.018, lng: SHOP.lng });
});

describe('visit plans on a phone', () => {
  it('plans two customers, orders them from here, shows plan against actual', async () => {
    // The phone is just north of the depot: the depot is the first stop.
    const { context, page } = await phone(browser, { lat: SHOP.lat + 0.02, lng: SHOP.lng });
    await login(page, h, h.rep.email);
    await page.goto(`${h.url}/field/plans`);
    await page.getByRole('heading', { name: 'Visit plans' }).waitFor();
    await page.getByText('Nothing planned for this day.').waitFor();
    for (const name of ['Huamei Market', 'North Depot']) {
      await page.getByLabel('Customer', { exact: true }).selectOption({ label: name });
      await page.getByRole('button', { name: 'Add to the plan' }).click();
      await page.getByTestId('plan-stops').getByRole('link', { name }).waitFor();
    }
    await page.getByRole('button', { name: 'Order from here' }).click();
    const stops = page.getByTestId('plan-stops').getByRole('listitem');
    await stops
      .first()
      .getByText(/km from the previous stop/)
      .waitFor();
    expect(await stops.allInnerTexts()).toEqual([expect.stringMatching(/^North Depot\s+planned\s+0\.2 km/), expect.stringMatching(/^Huamei Market\s+planned\s+2\.0 km/)]);
    const summary = page.getByTestId('plan-summary');
    await expect.poll(() => summary.locator('tbody tr').first().innerText()).toMatch(/2\s+0\s+0\s+0%/);
    await shot(page, 'field-plans');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(problemsOf(page)).toEqual([]);
    await context.close();
  });
});
