// Browser test of the data-import screen at 375 px: an admin picks exchange rates, uploads a CSV
// whose headers are mapped by hand, checks it (a dry run: the bad row named with its field, nothing
// written), imports the good rows, and downloads the failed one with its reason; a rep does not
// see the screen.
import { readFile } from 'node:fs/promises';
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

describe('data import screen', () => {
  it('an admin maps, checks and imports rates at 375 px; the failed row is downloaded with its reason', async () => {
    const page = await newPage(browser, 375, 800);
    await login(page, h, h.admin.email);
    await navigate(page, 'Data import', true);
    await page.getByRole('heading', { name: 'Data import', level: 1 }).waitFor();
    await page.getByLabel('What to import').selectOption('rates');
    const csv = 'Von,Nach,Kurs,Datum\nCHF,USD,1.12,2026-01-01\nSEK,USD,abc,2026-01-01\n';
    await page.getByLabel('CSV or Excel (.xlsx) file').setInputFiles({ name: 'kurse.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    for (const [col, field] of [
      ['Von', 'From currency *'],
      ['Nach', 'To currency *'],
      ['Kurs', 'Rate *'],
      ['Datum', 'Effective from *'],
    ]) {
      await page.getByLabel(`Field for column ${col}`).selectOption({ label: field });
    }
    await page.getByRole('button', { name: 'Check rows (dry run)' }).click();
    await page.getByTestId('data-import-summary').getByText('1 rows ready').waitFor();
    await page.getByTestId('data-import-failed').getByRole('cell', { name: '3', exact: true }).waitFor();
    await page.getByTestId('data-import-failed').getByText('(type)').waitFor();
    const admin = await signIn(h, h.admin.email);
    expect(((await callApi(h, admin, 'GET', '/fx/rates?from=CHF')).body.data as unknown[]).length).toBe(0);
    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'data-import-checked');

    await page.getByRole('button', { name: 'Import 1 rows' }).click();
    await page.getByTestId('data-import-summary').getByText('1 rows imported.').waitFor();
    const rates = (await callApi(h, admin, 'GET', '/fx/rates?from=CHF')).body.data as Array<{ rate: string }>;
    expect(rates.map((r) => r.rate)).toEqual(['1.12']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the 1 failed rows (CSV)' }).click()]);
    const failed = await readFile((await download.path()) as string, 'utf8');
    expect(failed.replace(/^\uFEFF/, '').split('\r\n')[1]).toMatch(/^SEK,USD,abc,2026-01-01,Rate: /);
    const runs = (await callApi(h, admin, 'GET', '/imports?kind=rates')).body.data as Array<{ imported: number; failed: number; fileName: string }>;
    expect(runs[0]).toMatchObject({ imported: 1, failed: 1, fileName: 'kurse.csv' });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('a rep does not see the screen', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await page.getByRole('navigation').first().waitFor();
    expect(await page.getByRole('link', { name: 'Data import' }).count()).toBe(0);
    await page.close();
  });
});
