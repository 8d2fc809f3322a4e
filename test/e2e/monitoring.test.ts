// Browser test of API response times: an admin opens the page from navigation, sees the routes the
// workspace used with p50/p95/p99 and errors, picks one for the chart, and keeps an alert threshold
// (a refused limit shown on its field first); on a 375 px phone the page fits the screen.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { checkScreen } from './walk-checks.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('API response times', () => {
  it('an admin reads the times per route and keeps an alert threshold', async () => {
    const admin = await signIn(h, h.admin.email);
    for (let i = 0; i < 3; i++) expect((await callApi(h, admin, 'GET', '/objects/org_unit?limit=5')).status).toBe(200);
    expect((await callApi(h, admin, 'GET', '/objects/org_unit/not-an-id')).status).toBeGreaterThanOrEqual(400);

    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'API response times');
    const routes = page.getByTestId('api-times-routes');
    const row = routes.getByRole('row', { name: /GET \/api\/v1\/objects\/:object(?!\/)/ }).first();
    await row.waitFor();
    await row.getByRole('button').click();
    await page.locator('.chart canvas').first().waitFor();

    await page.getByRole('button', { name: 'Add a threshold' }).click();
    const threshold = page.getByTestId('threshold-row').last();
    await threshold.getByTestId('threshold-limit').fill('0');
    await page.getByTestId('threshold-save').click();
    await threshold.getByRole('alert').first().waitFor();
    await threshold.getByTestId('threshold-limit').fill('800');
    await page.getByTestId('threshold-save').click();
    await page.getByText('Thresholds saved.').waitFor();
    await shot(page, 'monitoring-api-times');
    const saved = await callApi(h, admin, 'GET', '/monitoring/thresholds');
    expect(saved.body.data).toEqual([expect.objectContaining({ route: null, percentile: 'p95', limitMs: 800, minRequests: 20, windowMinutes: 5 })]);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();

    const phone = await newPage(browser, 375, 800);
    await login(phone, h, h.admin.email);
    await phone.goto(`${h.url}/admin/api-times`);
    await phone.getByTestId('api-times-routes').waitFor();
    await phone.getByTestId('threshold-row').first().waitFor();
    await shot(phone, 'monitoring-api-times-phone');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await checkScreen(phone, { chinese: false, englishAllowed: [] })).toMatchObject({ overflow: null, smallTargets: [], rawIds: [] });
    expect(problemsOf(phone)).toEqual([]);
    await phone.context().close();
  });

  it("reads in Chinese, with the health report's error sources", async () => {
    const { id } = await h.store.jobs.enqueue({ queue: 'imports.records', tenant: h.tenant, payload: {}, maxAttempts: 1 });
    for (const j of await h.store.jobs.claim(['imports.records'])) await h.store.jobs.fail(j.id, 'row 3: bad date', new Date());
    expect((await h.store.jobs.get(id))?.status).toBe('failed');
    const page = await newPage(browser, 1440, 900);
    await login(page, h, h.admin.email);
    await page.evaluate(() => localStorage.setItem('attain.locale', 'zh-CN'));
    await page.goto(`${h.url}/admin/api-times`);
    await page.getByRole('heading', { name: 'API 响应时间' }).waitFor();
    await page.getByTestId('threshold-row').first().waitFor();
    const allowed = ['API', 'PDF', 'English']; // as the studio walk allows
    expect(await checkScreen(page, { chinese: true, englishAllowed: allowed })).toMatchObject({ overflow: null, english: [], smallTargets: [], rawIds: [] });
    await page.goto(`${h.url}/admin/data-health`);
    await page.getByTestId('health-errors-jobs').getByText('imports.records').waitFor();
    await page.getByRole('heading', { name: '导入与集成错误' }).waitFor();
    await shot(page, 'quality-health-errors-zh');
    expect(await checkScreen(page, { chinese: true, englishAllowed: allowed })).toMatchObject({ overflow: null, english: [], smallTargets: [], rawIds: [] });
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
