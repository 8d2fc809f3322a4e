// Browser test of global search: a rep types in the top bar and finds their own records across
// objects (never others'), then opens one; on a phone the search is an icon that opens the page.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  await callApi(h, admin, 'POST', '/objects/customer', { name: 'Orion Admin Co' });
  const rep = await signIn(h, h.rep.email);
  const mine = await callApi(h, rep, 'POST', '/objects/customer', { name: 'Orion Retail' });
  await callApi(h, rep, 'POST', '/objects/contact', { name: 'Olga Orion', customer_id: mine.body.id });
});

describe('global search', () => {
  it("finds the rep's own records across objects and opens one", async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await page.getByRole('searchbox', { name: 'Search everything' }).first().fill('orion');
    await page.getByRole('searchbox', { name: 'Search everything' }).first().press('Enter');
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();
    const customers = page.getByTestId('search-customer');
    await customers.getByRole('link', { name: 'Orion Retail' }).waitFor();
    expect(await customers.getByRole('link').count()).toBe(1);
    expect(await page.getByText('Orion Admin Co').count()).toBe(0);
    await customers.getByRole('link', { name: 'Orion Retail' }).click();
    await page.getByRole('heading', { name: 'Orion Retail' }).waitFor();
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('is an icon on a phone that opens the search page', async () => {
    const page = await newPage(browser, 375, 800);
    await login(page, h, h.rep.email);
    await page.getByRole('link', { name: 'Search everything' }).click();
    await page.getByRole('searchbox', { name: 'Search everything' }).last().fill('orion');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('search-customer').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
