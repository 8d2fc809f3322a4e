// Browser test of a ratio KPI in the KPI builder (issue #16): an admin builds a win rate — won
// opportunities over closed ones — as a form, sees it by month on real data while editing, and the
// saved KPI measures the same share for a rep through goals. Opening it again and saving changes
// nothing the admin did not touch (it once came back as a count).
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('a ratio KPI in the builder', () => {
  it('an admin builds a win rate without JSON; the preview and the rep’s measure are won ÷ closed', async () => {
    const admin = await signIn(h, h.admin.email);
    const rep = await api(admin, 'POST', '/objects/user', { name: 'Rita Ratio', email: `rita@${h.tenant}.test`, role: 'rep', active: true });
    expect(rep.status).toBe(201);
    expect((await api(admin, 'PUT', `/auth/users/${rep.body.id}/password`, { password: PASSWORD })).status).toBeLessThan(300);
    const now = new Date();
    const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    const customer = await api(admin, 'POST', '/objects/customer', { name: 'Ratio Corp' });
    // This month: two won, one lost, one still open (in neither side of the share): 2 ÷ 3.
    for (const [n, stage, amount] of [
      ['1', 'closed_won', 500],
      ['2', 'closed_won', 700],
      ['3', 'closed_lost', 900],
      ['4', 'proposal', 300],
    ] as const) {
      const o = await api(admin, 'POST', '/objects/opportunity', { name: `Deal ${n}`, customer_id: customer.body.id, amount, stage, close_date: `${month}-01`, owner_id: rep.body.id });
      expect(o.status, JSON.stringify(o.body)).toBe(201);
    }

    const page = await newPage(browser, 1360, 860);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/goals/kpis`);
    await page.getByRole('button', { name: 'New KPI' }).click();
    await page.getByLabel('Name (English)', { exact: true }).fill('Win rate');
    await page.getByLabel('Measured object', { exact: true }).selectOption('opportunity');
    await page.getByLabel('Measure', { exact: true }).selectOption('ratio');
    // A ratio reads as a share: the unit follows, and both sides start as counts of records.
    await expect.poll(() => page.getByLabel('Unit', { exact: true }).inputValue()).toBe('percent');
    expect(await page.getByLabel('On top: sum of', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Divided by: sum of', { exact: true }).inputValue()).toBe('');
    await page.locator('#kpi-filter').fill('stage = "closed_won"');
    await page.locator('#kpi-den-filter').fill('OR(stage = "closed_won", stage = "closed_lost")');
    await page.getByLabel('Date that places a record in a month', { exact: true }).selectOption('close_date');
    const previewMonth = page.locator(`.goal-kpi-preview tr[data-month="${month}"] td.num`);
    // Two of three, shown as the share it is.
    await expect.poll(async () => (await previewMonth.textContent())?.replace(/\s/g, ''), { timeout: 10_000 }).toBe('66.7%');
    await shot(page, 'goals-kpi-ratio');
    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.getByRole('status').filter({ hasText: 'KPI “Win rate” saved.' }).waitFor();
    const saved = async () => ((await api(admin, 'GET', '/goals/kpis')).body.data as Array<{ name: string; measure: unknown; unit: string }>).find((k) => k.name === 'win_rate');
    const expected = { aggregate: 'ratio', value: '1', filter: 'stage = "closed_won"', denominator: { filter: 'OR(stage = "closed_won", stage = "closed_lost")' } };
    expect((await saved())?.measure).toEqual(expected);
    expect((await saved())?.unit).toBe('percent');

    // Opened again and saved as it is: still the same ratio.
    await page.getByRole('button', { name: 'Edit Win rate' }).click();
    await expect.poll(() => page.getByLabel('Measure', { exact: true }).inputValue()).toBe('ratio');
    await expect.poll(() => page.locator('#kpi-den-filter').inputValue()).toBe('OR(stage = "closed_won", stage = "closed_lost")');
    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.getByRole('status').filter({ hasText: 'KPI “Win rate” saved.' }).waitFor();
    expect((await saved())?.measure).toEqual(expected);

    // The rep's own measure through goals: 2 won of 3 closed.
    const repToken = await signIn(h, `rita@${h.tenant}.test`);
    const lastDay = new Date(now.getFullYear(), now.getMonth() + 1, 0).getDate();
    const measure = await api(repToken, 'GET', `/goals/measure?kpi=win_rate&start=${month}-01&end=${month}-${lastDay}`);
    expect(measure.status, JSON.stringify(measure.body)).toBe(200);
    const [row] = measure.body.data as Array<{ num: number; den: number; value: number }>;
    expect([row?.num, row?.den]).toEqual([2, 3]);
    expect(row?.value).toBeCloseTo(2 / 3, 4);
    expect(problemsOf(page)).toEqual([]);
  }, 180_000);
});
