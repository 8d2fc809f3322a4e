// Browser test of the what-if form (issue #16): an admin changes a plan's rate, a tier and the
// quota in a form beside the live values (no JSON), refusals are shown on their field in words,
// and live and what-if payouts are read side by side per payee; nothing is stored.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

// Orders reach the incentive engine through the background jobs (record events).
studioSuite(
  async (s) => {
    ({ h, browser } = s);
  },
  { background: true },
);

describe('what-if in the studio', () => {
  it('an admin runs a what-if without JSON: rates, tiers and quotas changed in a form, live and what-if side by side', async () => {
    const admin = await signIn(h, h.admin.email);
    const now = new Date();
    const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    const rule = { kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' };
    expect((await api(admin, 'PUT', '/incentives/crediting-rules', { rules: [rule] })).status).toBe(200);
    const plan = {
      kind: 'incentive_plan',
      id: 'rep_plan',
      name: 'rep_plan',
      label: { en: 'Rep plan' },
      versions: [
        {
          version: 1,
          effectiveFrom: `${now.getFullYear()}-01-01`,
          currency: 'USD',
          rounding: { scale: 2, mode: 'half_up' },
          measures: [{ name: 'revenue', type: 'sum', filter: { objects: ['order'] } }],
          components: [
            {
              name: 'commission',
              label: { en: 'Commission' },
              type: 'tiered',
              measure: 'revenue',
              target: 'quota',
              tierBasis: 'attainment',
              tiers: [
                { from: '0', to: '1', rate: '0.05' },
                { from: '1', rate: '0.1' },
              ],
            },
            { name: 'kicker', label: { en: 'Kicker' }, type: 'rate', measure: 'revenue', rate: '0.01' },
          ],
        },
      ],
    };
    const saved = await api(admin, 'PUT', '/incentives/plans/rep_plan', plan);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await api(admin, 'PUT', '/incentives/plans/rep_plan/assignments', { assignments: [{ payeeId: h.rep.id, from: `${now.getFullYear()}-01-01` }] })).status).toBe(200);
    expect((await api(admin, 'PUT', '/incentives/inputs', { values: [{ payeeId: h.rep.id, period: month, name: 'quota', value: '10000' }] })).status).toBe(200);
    const customer = await api(admin, 'POST', '/objects/customer', { name: 'Globex' });
    const order = await api(admin, 'POST', '/objects/order', { order_number: 'SO-WI-1', customer_id: customer.body.id, order_date: `${month}-01`, amount: 12000, currency: 'USD', owner_id: h.rep.id });
    expect(order.status).toBe(201);
    // The live plan pays the rep 700 (10,000 × 5% + 2,000 × 10%) and a 120 kicker, once the
    // background job has credited the order (a bound against a hang, not a speed check).
    await expect.poll(async () => (await api(admin, 'POST', '/incentives/whatif', { period: month, planId: 'rep_plan' })).body.data?.totals.live, { timeout: 90_000, interval: 500 }).toBe('820');

    const page = await newPage(browser, 1360, 900);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/incentives/whatif`);
    await page.getByLabel('Plan', { exact: true }).selectOption('rep_plan');
    const form = page.getByTestId('whatif-form');
    // The live values beside the what-if inputs.
    const kicker = page.getByLabel('Kicker · Rate', { exact: true });
    await expect.poll(() => kicker.inputValue()).toBe('0.01');
    await form.getByRole('row').filter({ hasText: 'Kicker · Rate' }).getByText('0.01').first().waitFor();
    await form.getByText('Live tiers of Commission: 0–1: 0.05; 1–∞: 0.1').waitFor();
    // A value that is no number is refused on its field, in words, before anything runs.
    await kicker.fill('two');
    await page.getByTestId('whatif-run').click();
    await form.getByRole('row').filter({ hasText: 'Kicker · Rate' }).getByText('Enter a number, e.g. 0.08 or 1500.').waitFor();
    await kicker.fill('0.02');
    // A tier starting inside the one before: the server's plan check marks that cell.
    await page.getByLabel('Tier 2 From', { exact: true }).fill('0.5');
    await page.getByTestId('whatif-run').click();
    await form.locator('[data-path="/versions/0/components/0/tiers/1/from"][aria-invalid="true"]').waitFor();
    await form.getByTestId('cell-issue').first().waitFor();
    await page.getByLabel('Tier 2 From', { exact: true }).fill('1');
    await page.getByLabel('Tier 2 Rate', { exact: true }).fill('0.2');
    await page.getByTestId('whatif-run').click();
    const rep = page.getByTestId('whatif-payee').filter({ hasText: 'Ray Rep' });
    // What-if: 500 + 2,000 × 20% = 900 commission and a 240 kicker.
    await expect.poll(async () => (await rep.textContent()) ?? '', { timeout: 15_000 }).toContain('$1,140.00');
    expect(await rep.textContent()).toContain('$820.00');
    expect(await rep.textContent()).toContain('$320.00');
    await shot(page, 'whatif-form');

    // Quotas 20 % higher: 12,000 against 12,000 is 100 % — all at 5 %: 600 + 240.
    await page.getByLabel('Quota “quota”: change in %', { exact: true }).fill('-100');
    await page.getByTestId('whatif-run').click();
    await form.getByText('Enter a change in percent above -100 and up to 9900, e.g. 10 or -5.').waitFor();
    await page.getByLabel('Quota “quota”: change in %', { exact: true }).fill('20');
    await page.getByTestId('whatif-run').click();
    await expect.poll(async () => (await rep.textContent()) ?? '', { timeout: 15_000 }).toContain('$840.00');
    // Nothing was stored: the live plan is as it was.
    const stored = ((await api(admin, 'GET', '/incentives/plans')).body.data as Array<{ id: string; versions: Array<{ components: Array<{ name: string; rate?: string }> }> }>).find(
      (p) => p.id === 'rep_plan',
    );
    expect(stored?.versions[0]?.components.find((c) => c.name === 'kicker')?.rate).toBe('0.01');
    expect(problemsOf(page)).toEqual([]);

    // On a phone the form fits the width.
    const phone = await newPage(browser, 375, 812);
    await login(phone, h, h.admin.email);
    await phone.goto(`${h.url}/incentives/whatif`);
    await phone.getByLabel('Plan', { exact: true }).selectOption('rep_plan');
    await phone.getByTestId('whatif-form').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(phone, 'whatif-form-phone');
    expect(problemsOf(phone)).toEqual([]);
  }, 180_000);
});
