// Browser test of goals: a manager splits a yearly target down to three reps by month with one
// locked cell (the siblings rebalance live), saves and submits it; an admin approves it on a
// phone; the reps then see their pacing, and the manager compares them on the team board.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

const token = (email: string): Promise<string> => signIn(h, email);

const num = (text: string | null) => Number((text ?? '').replace(/[^\d.-]/g, ''));
const cell = (page: Page, row: string, month: string) => page.getByLabel(`${row} ${month}`, { exact: true });

/** No part of the page may be wider than the phone. */
async function fitsWidth(page: Page, width: number): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(width);
}

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('goals in the studio', () => {
  it('manager splits and submits, admin approves on a phone, reps see their pacing', async () => {
    const admin = await token(h.admin.email);
    const units = (await api(admin, 'GET', '/objects/org_unit?limit=50')).body.data as Array<{ id: string; name: string }>;
    const hq = units.find((u) => u.name === 'Headquarters')!.id;
    const east = units.find((u) => u.name === 'East region')!.id;
    const mkUser = async (name: string, email: string, role: string, unit: string, manager?: string) => {
      const res = await api(admin, 'POST', '/objects/user', { name, email: `${email}@${h.tenant}.test`, role, org_unit_id: unit, active: true, ...(manager ? { manager_id: manager } : {}) });
      expect(res.status).toBe(201);
      expect((await api(admin, 'PUT', `/auth/users/${res.body.id}/password`, { password: PASSWORD })).status).toBeLessThan(300);
      return { id: res.body.id as string, email: `${email}@${h.tenant}.test` };
    };
    const mia = await mkUser('Mia Manager', 'mia', 'manager', hq);
    const reps = [await mkUser('Ann Lee', 'ann', 'rep', east, mia.id), await mkUser('Ben Ito', 'ben', 'rep', east, mia.id), await mkUser('Cai Wu', 'cai', 'rep', east, mia.id)];
    const kpi = {
      kind: 'kpi',
      id: 'e2e.kpi.paid',
      name: 'paid_revenue',
      label: { en: 'Paid revenue', 'zh-CN': '回款金额' },
      object: 'order',
      measure: { aggregate: 'sum', value: 'amount', filter: 'status = "paid"' },
      dateField: 'order_date',
      unit: 'money',
    };
    expect((await api(admin, 'PUT', '/goals/kpis/paid_revenue', kpi)).status).toBe(200);
    const plan = {
      kind: 'target_plan',
      id: 'e2e.plan.2026',
      name: 'east_2026',
      label: { en: 'East revenue 2026', 'zh-CN': '华东 2026 回款' },
      kpi: 'paid_revenue',
      year: 2026,
      total: '1200000',
      orgUnit: east,
    };
    expect((await api(admin, 'POST', '/metadata/apply', { documents: [plan] })).status).toBe(200);

    // The manager opens the split grid: East region 100,000 a month over three reps.
    const page = await newPage(browser, 1360, 860);
    await login(page, h, mia.email);
    await navigate(page, 'Target split');
    await expect.poll(async () => num(await cell(page, 'East region', '2026-11').inputValue()), { timeout: 10_000 }).toBe(100000);
    const before = num(await cell(page, 'Ben Ito', '2026-11').inputValue());
    expect(before).toBeCloseTo(33333.33, 1);

    // Lock Ann's November at 30,000: Ben and Cai rebalance to 35,000 each, the unit keeps 100,000.
    // Focus first and let the cell enter edit mode (it selects its text on the next frame), as a
    // person would: wait for that selection rather than for a guessed number of milliseconds.
    await cell(page, 'Ann Lee', '2026-11').click();
    await expect
      .poll(() =>
        cell(page, 'Ann Lee', '2026-11').evaluate((el: HTMLInputElement) => el === document.activeElement && el.value !== '' && el.selectionStart === 0 && el.selectionEnd === el.value.length),
      )
      .toBe(true);
    await cell(page, 'Ann Lee', '2026-11').fill('30000');
    await cell(page, 'Ann Lee', '2026-11').press('Enter');
    await page.getByRole('button', { name: 'Unlock Ann Lee 2026-11' }).waitFor({ timeout: 10_000 });
    await expect.poll(async () => num(await cell(page, 'Ben Ito', '2026-11').inputValue()), { timeout: 10_000 }).toBe(35000);
    expect(num(await cell(page, 'Cai Wu', '2026-11').inputValue())).toBe(35000);
    expect(num(await cell(page, 'East region', '2026-11').inputValue())).toBe(100000);
    await page.getByRole('button', { name: 'Unlock Ann Lee 2026-11' }).waitFor();
    await shot(page, 'goals-split-locked');

    await page.getByRole('button', { name: 'Save version' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as a new draft version.' }).waitFor();
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByText('Awaiting approval').first().waitFor();
    await shot(page, 'goals-split-submitted');
    expect(problemsOf(page)).toEqual([]);

    // The admin approves on a phone, in dark mode.
    const phone = await newPage(browser, 375, 812, 'dark');
    await login(phone, h, h.admin.email);
    await navigate(phone, 'Target split', true);
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await phone.getByRole('status').filter({ hasText: 'Approved' }).waitFor();
    expect(num(await cell(phone, 'Ann Lee', '2026-11').inputValue())).toBe(30000);
    await fitsWidth(phone, 375);
    await shot(phone, 'goals-split-approved-phone-dark');

    // Paid orders in November, then attainment is brought up to date.
    const customer = await api(admin, 'POST', '/objects/customer', { name: 'Initech' });
    const paid = [
      ['Ann', reps[0]!, 20000],
      ['Ben', reps[1]!, 10000],
      ['Cai', reps[2]!, 18000],
    ] as const;
    for (const [who, rep, amount] of paid) {
      const o = await api(admin, 'POST', '/objects/order', { order_number: `SO-${who}`, customer_id: customer.body.id, order_date: '2026-11-05', amount, status: 'paid', owner_id: rep.id });
      expect(o.status).toBe(201);
    }
    expect((await api(admin, 'POST', '/goals/recompute')).status).toBe(200);
    // An alert rule, evaluated now: whoever is below 80% of pace today hears of it (with Mia).
    expect((await api(admin, 'PUT', '/goals/alerts/rules/pace', { name: 'pace', kind: 'pacing_below', kpi: 'paid_revenue', threshold: 0.8, fromDay: 1 })).status).toBe(200);
    const fired = (await api(admin, 'POST', '/goals/alerts/run')).body.fired as Array<{ subject: string; to: string[] }>;

    // Ann on her phone: ahead of pace (20,000 against 16,000 expected by the 16th).
    const ann = await newPage(browser, 375, 812);
    await login(ann, h, reps[0]!.email);
    await ann.goto(`${h.url}/goals/me?asOf=2026-11-16&period=2026-11`);
    const card = ann.getByTestId('goal-card').filter({ hasText: 'Paid revenue' });
    await card.getByText('125% · on pace').waitFor();
    await expect.poll(async () => card.getByTestId('goal-actual').textContent(), { timeout: 10_000 }).toBe('20,000');
    await card.getByText('#1 of 3').waitFor();
    if (fired.some((f) => f.subject === reps[0]!.id))
      await ann
        .getByTestId('goal-alert')
        .first()
        .getByText(/You are at \d+% of the expected pace on Paid revenue/)
        .waitFor();
    await ann.locator('.goal-gauge canvas').first().waitFor();
    await fitsWidth(ann, 375);
    await shot(ann, 'goals-mine-phone');
    expect(problemsOf(ann)).toEqual([]);

    // Ben, in dark mode on a phone: at risk.
    const ben = await newPage(browser, 375, 812, 'dark');
    await login(ben, h, reps[1]!.email);
    await ben.goto(`${h.url}/goals/me?asOf=2026-11-16&period=2026-11`);
    await ben.getByTestId('goal-card').getByText('at risk').waitFor();
    await ben.locator('.goal-gauge canvas').first().waitFor();
    await shot(ben, 'goals-mine-phone-dark');
    await ben.getByLabel('Language').selectOption('zh-CN');
    await ben.getByRole('heading', { name: '我的目标' }).waitFor();
    await ben.getByTestId('goal-card').getByText('有风险').waitFor();
    await fitsWidth(ben, 375);
    await shot(ben, 'goals-mine-phone-dark-zh');
    expect(problemsOf(ben)).toEqual([]);

    // The manager compares the three on the team board.
    await page.goto(`${h.url}/goals/team?unit=${east}&asOf=2026-11-16&period=2026-11`);
    await expect.poll(async () => page.getByTestId('board-row').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(async () => page.getByTestId('board-row').first().textContent(), { timeout: 10_000 }).toContain('Ann Lee');
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, 'goals-team-board');
    expect(problemsOf(page)).toEqual([]);
    const mgrPhone = await newPage(browser, 375, 812);
    await login(mgrPhone, h, mia.email);
    await mgrPhone.goto(`${h.url}/goals/team?unit=${east}&asOf=2026-11-16&period=2026-11`);
    await mgrPhone.locator('.goal-board-card').first().waitFor();
    await fitsWidth(mgrPhone, 375);
    await shot(mgrPhone, 'goals-team-board-phone');
  }, 180_000);
});
