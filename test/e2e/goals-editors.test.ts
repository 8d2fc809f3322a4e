// Browser test of the goals editors (issue #16): an admin builds a KPI as a form (object,
// measure, a formula filter, date field, unit) and sees it measured by month on real data while
// editing; creates a target plan as a form (KPI, year, org unit, split method, monthly weights);
// the plan opens in the split grid, the admin enters a target, saves and submits it; once
// approved the KPI and its targets are on the team board. On a phone the editors fit the width.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);
const num = (text: string | null) => Number((text ?? '').replace(/[^\d.-]/g, ''));
const cell = (page: Page, row: string, month: string) => page.getByLabel(`${row} ${month}`, { exact: true });

async function fitsWidth(page: Page, width: number): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('goals editors in the studio', () => {
  it('an admin creates a KPI and a target plan without JSON, enters targets and sees them on the team board', async () => {
    const admin = await signIn(h, h.admin.email);
    const units = (await api(admin, 'GET', '/objects/org_unit?limit=50')).body.data as Array<{ id: string; name: string }>;
    const east = units.find((u) => u.name === 'East region')!.id;
    const hq = units.find((u) => u.name === 'Headquarters')!.id;
    const mkUser = async (name: string, email: string, role: string, unit = east) => {
      const res = await api(admin, 'POST', '/objects/user', { name, email: `${email}@${h.tenant}.test`, role, org_unit_id: unit, active: true });
      expect(res.status).toBe(201);
      expect((await api(admin, 'PUT', `/auth/users/${res.body.id}/password`, { password: PASSWORD })).status).toBeLessThan(300);
      return { id: res.body.id as string, email: `${email}@${h.tenant}.test` };
    };
    const ann = await mkUser('Ann Lee', 'ann', 'rep');
    const ben = await mkUser('Ben Ito', 'ben', 'rep');
    const second = await mkUser('Otto Approver', 'otto', 'admin', hq);

    // Real data for the preview: this month two paid orders and one open one (the filter drops it).
    const now = new Date();
    const year = now.getFullYear();
    const month = `${year}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    const customer = await api(admin, 'POST', '/objects/customer', { name: 'Initech' });
    for (const [n, rep, amount, status] of [
      ['1', ann, 30000, 'paid'],
      ['2', ben, 12000, 'paid'],
      ['3', ann, 99000, 'draft'],
    ] as const) {
      const o = await api(admin, 'POST', '/objects/order', { order_number: `SO-ED-${n}`, customer_id: customer.body.id, order_date: `${month}-01`, amount, status, owner_id: rep.id });
      expect(o.status).toBe(201);
    }

    // The KPI builder: a sum of paid order amounts by order date, in money.
    const page = await newPage(browser, 1360, 860);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/goals/kpis`);
    await page.getByRole('button', { name: 'New KPI' }).click();
    await page.getByLabel('Name (English)', { exact: true }).fill('Paid order value');
    await page.getByLabel('Name (Chinese)', { exact: true }).fill('已付订单金额');
    await expect.poll(() => page.getByLabel('API name', { exact: true }).inputValue()).toBe('paid_order_value');
    await page.getByLabel('Measured object', { exact: true }).selectOption('order');
    await page.getByLabel('Measure', { exact: true }).selectOption('sum');
    await page.getByLabel('Number field', { exact: true }).selectOption('amount');
    await page.getByLabel('Date that places a record in a month', { exact: true }).selectOption('order_date');
    await page.getByLabel('Unit', { exact: true }).selectOption('money');
    await expect.poll(() => page.getByLabel('Whose it is (gets the credit)', { exact: true }).inputValue()).toBe('owner_id');
    await page.getByRole('checkbox', { name: 'Status', exact: true }).check();
    // Unfiltered, the preview counts every order of the month; with the filter only the paid ones.
    const previewMonth = page.locator(`.goal-kpi-preview tr[data-month="${month}"] td.num`);
    await expect.poll(async () => num(await previewMonth.textContent()), { timeout: 10_000 }).toBe(141000);
    // A filter that is no condition: the server's refusal is shown under the filter, in words.
    await page.locator('#kpi-filter').fill('amount');
    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.locator('.goal-field-error').filter({ hasText: 'must be a condition (TRUE/FALSE)' }).waitFor();
    await shot(page, 'goals-kpi-builder-error');
    await page.locator('#kpi-filter').fill('status = "paid"');
    await expect.poll(async () => num(await previewMonth.textContent()), { timeout: 10_000 }).toBe(42000);
    await shot(page, 'goals-kpi-builder');

    // A phone: the builder fits the width while editing.
    const phone = await newPage(browser, 375, 812);
    await login(phone, h, h.admin.email);
    await phone.goto(`${h.url}/goals/kpis`);
    await phone.getByRole('button', { name: 'New KPI' }).click();
    await phone.getByLabel('Name (English)', { exact: true }).fill('Phone check');
    await phone.locator('.goal-kpi-preview').waitFor();
    await fitsWidth(phone, 375);
    await shot(phone, 'goals-kpi-builder-phone');

    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.getByRole('status').filter({ hasText: 'KPI “Paid order value” saved.' }).waitFor();
    await page.getByRole('button', { name: 'Edit Paid order value' }).waitFor();
    const kpi = ((await api(admin, 'GET', '/goals/kpis')).body.data as Array<{ name: string; measure: unknown; unit: string; dimensions?: string[] }>).find((k) => k.name === 'paid_order_value');
    expect(kpi?.measure).toEqual({ aggregate: 'sum', value: 'amount', filter: 'status = "paid"' });
    expect(kpi?.unit).toBe('money');
    expect(kpi?.dimensions).toEqual(['status']);

    // Editing keeps the API name and what the form does not show; the unit changes.
    await page.getByRole('button', { name: 'Edit Paid order value' }).click();
    expect(await page.getByLabel('API name', { exact: true }).getAttribute('readonly')).not.toBeNull();
    await expect.poll(() => page.locator('#kpi-filter').inputValue()).toBe('status = "paid"');
    await page.getByLabel('Unit', { exact: true }).selectOption('number');
    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.getByRole('status').filter({ hasText: 'KPI “Paid order value” saved.' }).waitFor();
    await expect.poll(async () => ((await api(admin, 'GET', '/goals/kpis')).body.data as Array<{ name: string; unit: string }>).find((k) => k.name === 'paid_order_value')?.unit).toBe('number');
    await page.getByRole('button', { name: 'Edit Paid order value' }).click();
    await page.getByLabel('Unit', { exact: true }).selectOption('money');
    await page.getByRole('button', { name: 'Save KPI' }).click();
    await page.getByRole('status').filter({ hasText: 'KPI “Paid order value” saved.' }).waitFor();

    // The target plan form, from the split screen: East region, this year, twice the weight this month.
    await page.goto(`${h.url}/goals/targets`);
    await page.getByRole('link', { name: 'New target plan' }).first().click();
    await page.getByLabel('KPI', { exact: true }).selectOption('paid_order_value');
    await page.getByLabel('Plan name (English)', { exact: true }).fill(`East ${year}`);
    await expect.poll(() => page.getByLabel('API name', { exact: true }).inputValue()).toBe(`east_${year}`);
    await page.getByLabel('Year', { exact: true }).fill(String(year));
    await page.getByLabel('Top number', { exact: true }).fill('abc');
    await page.getByLabel('Org unit the top number belongs to', { exact: true }).selectOption(east);
    await page.getByLabel('Split method', { exact: true }).selectOption('equal');
    await page.getByLabel('Monthly split', { exact: true }).selectOption('weights');
    const monthName = new Intl.DateTimeFormat('en', { month: 'short' }).format(now);
    await page.getByLabel(`Weight of ${monthName}`, { exact: true }).fill('2');
    // A refusal is shown on its field, in words.
    await page.getByRole('button', { name: 'Create and open in the split grid' }).click();
    await page.locator('.goal-field-error').first().waitFor();
    await shot(page, 'goals-plan-form-error');
    await page.getByLabel('Top number', { exact: true }).fill('1300000');

    const phonePlan = await newPage(browser, 375, 812);
    await login(phonePlan, h, h.admin.email);
    await phonePlan.goto(`${h.url}/goals/plans/new`);
    await phonePlan.getByLabel('Monthly split', { exact: true }).selectOption('weights');
    await phonePlan.getByLabel('Split method', { exact: true }).selectOption('seasonality');
    await phonePlan.getByLabel('Years of history', { exact: true }).waitFor();
    await fitsWidth(phonePlan, 375);
    await shot(phonePlan, 'goals-plan-form-phone');

    await page.getByRole('button', { name: 'Create and open in the split grid' }).click();
    await page.waitForURL(/\/goals\/targets\?plan=east_/);
    // 1,300,000 over weights 1×11 + 2: 200,000 this month, 100,000 in the others.
    await expect.poll(async () => num(await cell(page, 'East region', month).inputValue()), { timeout: 10_000 }).toBe(200000);

    // The admin enters a target: Ann 120,000 this month, Ben gets the rest.
    await cell(page, 'Ann Lee', month).click();
    await expect
      .poll(() => cell(page, 'Ann Lee', month).evaluate((el: HTMLInputElement) => el === document.activeElement && el.value !== '' && el.selectionStart === 0 && el.selectionEnd === el.value.length))
      .toBe(true);
    await cell(page, 'Ann Lee', month).fill('120000');
    await cell(page, 'Ann Lee', month).press('Enter');
    await page.getByRole('button', { name: `Unlock Ann Lee ${month}` }).waitFor({ timeout: 10_000 });
    await expect.poll(async () => num(await cell(page, 'Ben Ito', month).inputValue()), { timeout: 10_000 }).toBe(80000);
    await page.getByRole('button', { name: 'Save version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as a new draft version.' }).waitFor();
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByText('Awaiting approval').first().waitFor();
    expect(problemsOf(page)).toEqual([]);

    // Another admin approves (nobody approves their own version); attainment is brought up to date.
    const otto = await signIn(h, second.email);
    const versions = (await api(otto, 'GET', `/goals/plans/east_${year}/versions`)).body.data as Array<{ id: string }>;
    expect((await api(otto, 'POST', `/goals/plans/east_${year}/versions/${versions.at(-1)!.id}/approve`)).status).toBe(200);
    expect((await api(admin, 'POST', '/goals/recompute')).status).toBe(200);

    // The team board shows the new KPI and its targets.
    await page.goto(`${h.url}/goals/team?unit=${east}&kpi=paid_order_value&period=${month}`);
    // The board reads its KPIs first: the select has the KPI once they arrived.
    await expect.poll(() => page.getByLabel('KPI', { exact: true }).inputValue()).toBe('paid_order_value');
    const annRow = page.getByTestId('board-row').filter({ hasText: 'Ann Lee' });
    await expect.poll(async () => annRow.textContent(), { timeout: 10_000 }).toContain('120,000');
    expect(await annRow.textContent()).toContain('30,000');
    await expect.poll(async () => page.getByTestId('board-row').filter({ hasText: 'Ben Ito' }).textContent(), { timeout: 10_000 }).toContain('80,000');
    await shot(page, 'goals-editors-team-board');
    expect(problemsOf(page)).toEqual([]);
    expect(problemsOf(phone)).toEqual([]);
  }, 240_000);
});
