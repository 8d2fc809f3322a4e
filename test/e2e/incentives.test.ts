// Browser test of incentives: an admin builds a tiered plan with a cap (the linter flags an
// overlapping tier on its cell first), assigns it to a rep; the rep logs the won order in the
// studio's record form, and the record event — through the same background handlers the CLI
// runs — puts a new line on the rep's statement within seconds, with its trace. Finance-side, the admin calculates and
// approves the period and exports the payouts.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

const token = (email: string): Promise<string> => signIn(h, email);

async function fitsWidth(page: Page, width: number): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

studioSuite(
  async (s) => {
    ({ h, browser } = s);
  },
  { background: true },
);

describe('incentives in the studio', () => {
  it('admin builds and assigns a capped tiered plan; a rep’s new order shows on the statement with its trace', async () => {
    const desk = await newPage(browser, 1280, 900);
    await login(desk, h, h.admin.email);
    await navigate(desk, 'Incentive plans');
    await desk.getByRole('button', { name: 'Credit the record owner 100%' }).click();
    await desk.getByText('No crediting rules').waitFor({ state: 'detached' });

    await desk.getByRole('button', { name: 'New plan' }).click();
    await desk.getByLabel('Plan name').last().fill('Rep commission');
    await desk.getByRole('button', { name: 'Create' }).click();
    const table = desk.getByTestId('rate-table');
    await table.waitFor();
    // The linter names the offending cell: tier 2 starting inside tier 1.
    await desk.getByLabel('Tier 2 From').fill('8000');
    const flagged = desk.locator('[data-path="/versions/0/components/0/tiers/1/from"][aria-invalid="true"]');
    await flagged.waitFor();
    await desk.getByTestId('cell-issue').first().waitFor();
    await shot(desk, 'incentives-designer-lint');
    await desk.getByLabel('Tier 2 From').fill('10000');
    await flagged.waitFor({ state: 'detached' });
    await desk.getByLabel('Tier 2 Rate').fill('0.1');
    await desk.locator('fieldset', { hasText: 'Cap' }).getByLabel('On').check();
    await desk.locator('#c0-cap').fill('5000');
    // The live preview runs the plan on the sample reps: 60,000 → 500 + 5,000 capped at 5,000.
    await desk.getByTestId('sample-total').nth(2).filter({ hasText: '5,000.00' }).waitFor();
    await desk.getByTestId('plan-preview').locator('canvas').waitFor();
    await desk.getByRole('button', { name: 'Save plan' }).click();
    await desk.getByText('Plan saved.').waitFor();
    const assignments = desk.getByTestId('plan-assignments');
    await assignments.getByLabel('Ray Rep').check();
    await assignments.getByRole('button', { name: 'Save assignments' }).click();
    await desk.getByText('Assignments saved.').waitFor();
    await shot(desk, 'incentives-designer');
    expect(problemsOf(desk)).toEqual([]);

    // The rep logs the won deal in the studio's order form (a record write, so a record event,
    // not a recalculation call); the customer already exists.
    const rep = await token(h.rep.email);
    const customer = await api(rep, 'POST', '/objects/customer', { name: 'Initech' });
    expect(customer.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await navigate(page, 'Orders');
    await page.getByRole('link', { name: 'New' }).click();
    await page.getByLabel(/^Order number/).fill('SO-1001');
    await page.getByLabel(/^Customer/).selectOption({ label: 'Initech' });
    await page.getByLabel(/^Order date/).fill(today);
    await page.getByLabel(/^Amount/).fill('12000');
    await page.getByLabel(/^Currency/).fill('USD');
    expect(
      await page
        .getByLabel(/^Status/)
        .locator('option:checked')
        .innerText(),
    ).toBe('Booked');
    await shot(page, 'incentives-rep-order-form');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Saved, the form opens the new record.
    await page.waitForURL((u) => /^\/o\/order\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith('/new'));
    const orderId = new URL(page.url()).pathname.split('/').at(-1) as string;

    await navigate(page, 'My earnings');
    const line = page.getByTestId('statement-line').filter({ hasText: 'Commission' });
    // The statement follows the order through a background job: refresh until it shows (a bound
    // against a hang, not a speed check — speed lives in the benchmarks).
    await expect
      .poll(
        async () => {
          if (await line.count()) return true;
          await page.getByRole('button', { name: 'Refresh' }).click();
          return false;
        },
        { timeout: 90_000, interval: 300 },
      )
      .toBe(true);
    // 10,000 × 5% + 2,000 × 10% = 700
    await expect.poll(() => line.getByTestId('line-amount').innerText()).toBe('$700.00');
    await line.getByRole('button', { name: /Why this amount/ }).click();
    const trace = page.getByTestId('line-trace');
    await expect.poll(() => trace.getByTestId('trace-plan').innerText()).toBe('rep_commission · version 1');
    const steps = await trace.getByTestId('trace-steps').innerText();
    expect(steps).toMatch(/\(10000 − 0\) × 0\.05/);
    expect(steps).toMatch(/\(12000 − 10000\) × 0\.1/);
    const source = trace.getByTestId('source-record');
    await source.waitFor();
    expect(await source.getAttribute('href')).toBe(`/o/order/${orderId}`);
    await expect.poll(() => source.innerText()).toBe('Order SO-1001');
    await shot(page, 'incentives-statement-trace');

    // A dispute on the line.
    await trace.getByRole('button', { name: 'Dispute this line' }).click();
    await page.getByLabel('What is wrong?').fill('SO-1002 is missing');
    await page.getByRole('button', { name: 'Raise dispute' }).click();
    await trace.getByTestId('dispute-status').filter({ hasText: 'under review' }).waitFor();
    expect(problemsOf(page)).toEqual([]);

    // The same statement on a phone, dark.
    const phone = await newPage(browser, 375, 812, 'dark');
    await login(phone, h, h.rep.email);
    await navigate(phone, 'My earnings', true);
    const phoneLine = phone.getByTestId('statement-line').filter({ hasText: 'Commission' });
    await phoneLine.getByRole('button', { name: /Why this amount/ }).click();
    await phone.getByTestId('trace-steps').waitFor();
    await fitsWidth(phone, 375);
    await shot(phone, 'incentives-statement-phone-dark');
    await phone.getByTestId('trace-credits').scrollIntoViewIfNeeded();
    await shot(phone, 'incentives-statement-phone-dark-credits');
    expect(problemsOf(phone)).toEqual([]);

    // Period close: calculate, approve; the payout export reconciles to the statement.
    await navigate(desk, 'Period close');
    await desk.getByRole('button', { name: 'Calculate' }).click();
    await desk.getByTestId('payouts-total').filter({ hasText: '$700.00' }).waitFor();
    await desk.getByText('SO-1002 is missing').waitFor();
    // Accepting the dispute moves pay: the amount is booked and the payout total moves by it.
    await desk.getByRole('button', { name: 'Accept' }).first().click();
    const resolve = desk.getByRole('dialog');
    await resolve.getByLabel('Adjustment amount').fill('50.00');
    await resolve.getByLabel('Resolution note').fill('SO-1002 was booked late');
    await resolve.getByRole('button', { name: 'Save' }).click();
    await desk.getByTestId('payouts-total').filter({ hasText: '$750.00' }).waitFor();
    await desk.getByRole('button', { name: 'Approve' }).first().click();
    await desk.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await desk.getByTestId('period-status').filter({ hasText: 'Approved' }).waitFor();
    const download = desk.waitForEvent('download');
    await desk.getByRole('button', { name: 'Export payouts CSV' }).click();
    expect((await download).suggestedFilename()).toMatch(/^payouts-\d{4}-\d{2}\.csv$/);
    await shot(desk, 'incentives-period-close');
    expect(problemsOf(desk)).toEqual([]);
  }, 120_000);

  it('the designer and period close fit a phone', async () => {
    const phone = await newPage(browser, 375, 812);
    await login(phone, h, h.admin.email);
    await navigate(phone, 'Incentive plans', true);
    await phone.getByTestId('rate-table').waitFor();
    await fitsWidth(phone, 375);
    await shot(phone, 'incentives-designer-phone');
    await navigate(phone, 'Period close', true);
    await phone.getByTestId('payouts-table').waitFor();
    await fitsWidth(phone, 375);
    await shot(phone, 'incentives-period-close-phone');
    expect(problemsOf(phone)).toEqual([]);
  }, 60_000);
});
