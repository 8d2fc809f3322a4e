// Browser test of the exchange-rates screen: an admin sees the tenant's base currency, enters a
// rate, sees a malformed one refused with the field named, imports a CSV file (a bad row refuses
// the whole file, naming the row), deletes a rate; a rep does not see the screen.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('exchange rates screen', () => {
  it('an admin enters, imports and deletes rates; errors name the field or row', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Exchange rates');
    await page.getByRole('heading', { name: 'Exchange rates', level: 1 }).waitFor();
    await page
      .getByTestId('tenant-settings')
      .getByText(/Base currency USD · time zone UTC/)
      .waitFor();
    await page.getByText('No rates yet.').waitFor();

    const form = page.getByRole('form', { name: 'Add rate' });
    await form.getByLabel('From', { exact: true }).fill('EUR');
    await form.getByLabel('To', { exact: true }).fill('USD');
    await form.getByLabel('Rate', { exact: true }).fill('1.0825');
    await form.getByLabel('Effective from').fill('2026-01-01');
    await form.getByRole('button', { name: 'Add rate' }).click();
    await page.getByTestId('fx-notice').getByText('Rate saved.').waitFor();
    await page.getByTestId('fx-table').getByRole('cell', { name: '1.0825' }).waitFor();

    // More decimals than the engine keeps: refused, the field named, nothing stored.
    await form.getByLabel('From', { exact: true }).fill('GBP');
    await form.getByLabel('Rate', { exact: true }).fill('1.12345678901');
    await form.getByRole('button', { name: 'Add rate' }).click();
    await page.getByRole('alert').getByText('/rate').waitFor();

    // A CSV whose second row is bad is refused whole.
    await page.getByTestId('fx-file').setInputFiles({ name: 'rates.csv', mimeType: 'text/csv', buffer: Buffer.from('from,to,rate,effective_from\nGBP,USD,1.27,2026-01-01\nJPY,USD,abc,2026-01-01\n') });
    await page.getByRole('alert').getByText('/rows/3/rate').waitFor();
    await page
      .getByTestId('fx-file')
      .setInputFiles({ name: 'rates.csv', mimeType: 'text/csv', buffer: Buffer.from('from,to,rate,effective_from\nGBP,USD,1.27,2026-01-01\nJPY,USD,0.0067,2026-01-01\n') });
    await page.getByTestId('fx-notice').getByText('Imported: 2 new, 0 replaced.').waitFor();
    await shot(page, 'fx-rates');

    const admin = await signIn(h, h.admin.email);
    const rates = (await callApi(h, admin, 'GET', '/fx/rates')).body.data as Array<{ from: string; rate: string }>;
    expect(rates.map((r) => [r.from, r.rate])).toEqual([
      ['EUR', '1.0825'],
      ['GBP', '1.27'],
      ['JPY', '0.0067'],
    ]);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete the JPY→USD rate of 2026-01-01' }).click();
    await page.getByTestId('fx-notice').getByText('Rate deleted.').waitFor();
    expect(((await callApi(h, admin, 'GET', '/fx/rates')).body.data as unknown[]).length).toBe(2);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('a rep does not see the screen', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await page.getByRole('navigation').first().waitFor();
    expect(await page.getByRole('link', { name: 'Exchange rates' }).count()).toBe(0);
    await page.close();
  });
});
