// Browser test of the daily report (日报) on a 375 px phone: the rep's report shows the day the
// server counted (a check-in inside the radius), the rep writes tomorrow's plan and submits; the
// same screen in Chinese; the manager's list shows who has reported.
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
  const shop = await seedShop(h);
  const admin = await signIn(h, h.admin.email);
  expect((await callApi(h, admin, 'PUT', '/daily/settings', { roles: [{ role: 'rep', enabled: true, hour: 18 }] })).status).toBe(200);
  const rep = await signIn(h, h.rep.email);
  // A minute ago, or just after midnight (UTC, the tenant's zone) in the day's first minute: the check-in must be today's.
  const now = Date.now();
  const at = new Date(Math.max(now - 60_000, now - (now % 86_400_000) + 1000)).toISOString();
  const checkin = await callApi(h, rep, 'POST', '/field/checkins', { customerId: shop, lat: SHOP.lat + 0.0001, lng: SHOP.lng, accuracy: 10, at, device: 'e2e' });
  expect(checkin.status).toBe(201);
});

describe('daily report on a phone', () => {
  it('shows the counted day, takes tomorrow’s plan and submits; the manager sees it submitted', async () => {
    const { context, page } = await phone(browser, SHOP);
    await login(page, h, h.rep.email);
    await page.goto(`${h.url}/daily/mine`);
    const figures = page.getByTestId('daily-figures');
    await figures.getByText('Check-ins in range').waitFor();
    expect(await figures.innerText()).toMatch(/Visits\s*1/);
    expect(await figures.innerText()).toMatch(/Check-ins in range\s*1/);
    expect(await page.getByLabel('Today').inputValue()).toContain('Huamei Market');
    await page.getByLabel("Tomorrow's plan").fill('Huamei Market again, then the depot');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByTestId('daily-status').getByText('Submitted').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'daily-submitted');
    expect(problemsOf(page)).toEqual([]);
    // The same screen in Chinese (the studio keeps the chosen language in localStorage).
    await page.evaluate(() => localStorage.setItem('attain.locale', 'zh-CN'));
    await page.reload();
    await page.getByTestId('daily-status').getByText('已提交').waitFor();
    await page.getByTestId('daily-figures').getByText('范围内签到').waitFor();
    await page.getByRole('heading', { name: '我的日报' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'daily-submitted-zh');
    await context.close();

    const { context: desk, page: admin } = await phone(browser, SHOP);
    await login(admin, h, h.admin.email);
    await admin.goto(`${h.url}/daily/team`);
    const row = admin.getByTestId('daily-team').getByRole('row').filter({ hasText: 'Ray Rep' });
    await row.getByText('Submitted').waitFor();
    expect(await admin.getByTestId('daily-counts').innerText()).toBe('1 submitted, 0 draft, 0 missing');
    expect(problemsOf(admin)).toEqual([]);
    await desk.close();
  });
});
