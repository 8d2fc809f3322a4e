// Browser test of the data-quality screens: an admin runs the scan and sees a rule's score and the
// issue linking to its record, then opens the data health report (score, worst record, latency,
// the database note); a rep sees the issues page but not the report in navigation.
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

describe('data quality screens', () => {
  it('an admin scans, follows an issue to its record and reads the health report', async () => {
    const admin = await signIn(h, h.admin.email);
    const rule = { kind: 'quality.rule', id: 'qr_unit_code', name: 'unit_code', label: { en: 'Units have a code' }, object: 'org_unit', check: 'completeness', fields: ['code'] };
    expect((await callApi(h, admin, 'POST', '/metadata/apply', { documents: [rule] })).status).toBe(200);
    expect((await callApi(h, admin, 'POST', '/objects/org_unit', { name: 'West region' })).status).toBe(201);

    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Data quality');
    await page.getByText('No scan has run yet.').waitFor();
    await page.getByTestId('quality-run-now').click();
    // 3 units, one without a code: 1 failing, 66.7 %
    const row = page.getByTestId('quality-rules').getByRole('row', { name: /Units have a code/ });
    await row.getByRole('cell', { name: '66.7%' }).waitFor();
    await page.getByTestId('quality-issues').getByRole('link', { name: 'West region' }).click();
    await page.waitForURL(/\/o\/org_unit\/[0-9a-f-]{36}$/);
    await page.getByText('West region').first().waitFor();

    await navigate(page, 'Data health report');
    await page.getByTestId('health-score').getByText('66.7%').waitFor();
    await page.getByTestId('health-worst').getByRole('link', { name: 'West region' }).waitFor();
    await page.getByTestId('health-latency').getByText('/api/v1/quality/rules').first().waitFor();
    await page.getByTestId('health-database').waitFor();
    await shot(page, 'quality-health-report');
    expect(problemsOf(page)).toEqual([]);
  });
});
