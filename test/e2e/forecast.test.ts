// Browser test of the forecast screen: a rep sees their numbers for the current quarter (their own
// opportunities only) and submits a forecast; an admin (whose team holds the rep) sees the rep's row
// with the submission and overrides the team's roll-up with a note.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;
const today = new Date().toISOString().slice(0, 10);
const quarter = `${today.slice(0, 4)}-Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}`;

studioSuite(async (s) => {
  ({ h, browser } = s);
  const seed = async (token: string, customerName: string, opps: Array<[string, string, number]>) => {
    const customer = await callApi(h, token, 'POST', '/objects/customer', { name: customerName });
    if (customer.status !== 201) throw new Error(JSON.stringify(customer.body));
    for (const [name, stage, amount] of opps) {
      const res = await callApi(h, token, 'POST', '/objects/opportunity', { name, customer_id: customer.body.id, amount, stage, close_date: today });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    }
  };
  // The rep: negotiation 1000 (commit) and won 500 (closed) → commit 1500; the admin's 9000 is outside the rep's scope.
  await seed(await signIn(h, h.rep.email), 'Rep Co', [
    ['Rep deal', 'negotiation', 1000],
    ['Rep win', 'closed_won', 500],
  ]);
  await seed(await signIn(h, h.admin.email), 'Admin Co', [['Admin deal', 'negotiation', 9000]]);
});

describe('forecast screen', () => {
  it('a rep sees their own numbers and submits a forecast', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await navigate(page, 'Forecast');
    await page.getByRole('heading', { name: 'Forecast', level: 1 }).waitFor();
    const numbers = page.getByTestId('forecast-numbers');
    await numbers
      .getByRole('row', { name: /Commit \(closed \+ commit\)/ })
      .getByText('1500.00')
      .waitFor(); // 500 + 1000
    await numbers
      .getByRole('row', { name: /^Closed/ })
      .getByText('500.00')
      .waitFor();
    await page.getByTestId('forecast-mine').getByText('Not submitted yet.').waitFor();
    expect(await page.getByTestId('forecast-team').count()).toBe(0);

    const form = page.getByRole('form', { name: 'Submit forecast' });
    await form.getByLabel('Commit').fill('1400');
    await form.getByLabel('Best case').fill('1600.50');
    await form.getByRole('button', { name: 'Submit forecast' }).click();
    await page.getByTestId('forecast-notice').getByText('Forecast submitted.').waitFor();
    await page
      .getByTestId('forecast-mine')
      .getByText(/Submitted commit 1400\.00, best case 1600\.50/)
      .waitFor();

    // Too many decimals: the server names the field; nothing is stored.
    await form.getByLabel('Commit').fill('1.234');
    await form.getByLabel('Best case').fill('2');
    await form.getByRole('button', { name: 'Submit forecast' }).click();
    await page.getByRole('alert').getByText('/commit').waitFor();
    await shot(page, 'forecast-rep');
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it("an admin sees the team's rows and overrides the roll-up with a note", async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Forecast');
    const team = page.getByTestId('forecast-team');
    await team
      .getByRole('row', { name: /Ray Rep/ })
      .getByText('1400.00')
      .waitFor();
    // Roll-up: the rep's submission 1400 + the admin's own computed commit 9000 (closed 0 + commit 9000).
    await page
      .getByTestId('forecast-rollup')
      .getByText(/commit 10400\.00/)
      .waitFor();
    const form = page.getByRole('form', { name: 'Override roll-up' });
    await form.getByLabel('Commit').fill('9500');
    await form.getByLabel('Best case').fill('11000');
    await form.getByLabel('Note').fill('Admin deal slips');
    await form.getByRole('button', { name: 'Override roll-up' }).click();
    await page.getByTestId('forecast-notice').getByText('Override saved.').waitFor();
    await page
      .getByTestId('forecast-override')
      .getByText(/Override: commit 9500\.00, best case 11000\.00 — Admin deal slips/)
      .waitFor();
    await shot(page, 'forecast-manager');

    const admin = await signIn(h, h.admin.email);
    const d = (await callApi(h, admin, 'GET', `/analytics/forecast?period=${quarter}`)).body.data;
    expect(d.team.override).toMatchObject({ kind: 'override', commit: '9500.00', note: 'Admin deal slips' });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });
});
