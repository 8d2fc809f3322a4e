// Browser test of what the plan designer edits beyond rate tables: crediting rules (a split of
// primary credit that the server refuses until it totals 100%, a roll-up with a rate per manager
// level), a recoverable draw (a bad amount and an inverted window flagged on their cells), the
// clawback window, holds until invoice, a multiplier from a second KPI; then a new plan version
// from a picked date once the current period is approved — the old version read-only — saved,
// reloaded and still there. Then a quarterly points plan over visit records (not credits) with a
// badge, given to everyone holding a role.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const today = new Date().toISOString().slice(0, 10);
const thisMonth = today.slice(0, 7);
const monthAfter = (period: string, n: number) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
};
const lastDay = (period: string) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};
const usDate = (iso: string) => new Date(`${iso}T00:00:00`).toLocaleDateString('en-US');

studioSuite(async (s) => {
  ({ h, browser } = s);
});

const cell = (page: Page, path: string) => page.locator(`[data-path="${path}"]`);
const flagged = (page: Page, path: string) => page.locator(`[data-path="${path}"][aria-invalid="true"]`);
const versionRow = (page: Page, version: number) => page.getByTestId('version-row').filter({ has: page.getByRole('button', { name: `v${version}`, exact: true }) });

describe('incentive plan designer', () => {
  it('edits crediting splits and roll-ups, a draw, clawback and holds; a new version from a picked date persists, the approved one is read-only', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Incentive plans');

    // Crediting rules: the owner gets 70% — the server refuses, on the share cell, until the
    // territory's 30% makes primary credit 100%.
    const rules = page.getByTestId('crediting-rules');
    await rules.getByText('No crediting rules').waitFor();
    await rules.getByRole('button', { name: '+ Rule', exact: true }).click();
    await rules.getByLabel('Rule 1 Name').fill('Owner share');
    await rules.getByLabel('Rule 1 Share %').fill('70');
    await rules.getByTestId('primary-total').filter({ hasText: '70%' }).waitFor();
    await rules.getByRole('button', { name: 'Save crediting rules' }).click();
    await flagged(page, '/rules/0/pct').waitFor();
    expect(await rules.getByTestId('cell-issue').first().innerText()).toMatch(/70% of each sale; primary credit must total 100%/);
    await shot(page, 'incentives-rules-split-error');

    await rules.getByRole('button', { name: '+ Rule', exact: true }).click();
    await rules.getByLabel('Rule 2 Name').fill('Territory share');
    await rules.getByLabel('Rule 2 Credit to').selectOption({ label: 'Territory / customer owner' });
    await rules.getByLabel('Rule 2 Share %').fill('30');
    await rules.getByTestId('primary-total').filter({ hasText: '100%' }).waitFor();
    // Roll-up: extra credit for the managers, 8% for the first level and 4% for the second.
    await rules.getByRole('button', { name: '+ Rule', exact: true }).click();
    await rules.getByLabel('Rule 3 Name').fill('Manager roll-up');
    await rules.getByLabel('Rule 3 Credit to').selectOption({ label: 'Roll-up to managers' });
    await rules.getByLabel('Rule 3 level 1 %').fill('8');
    await rules.getByRole('button', { name: '+ Level', exact: true }).click();
    await rules.getByLabel('Rule 3 level 2 %').fill('4');
    await rules.getByRole('button', { name: 'Save crediting rules' }).click();
    await rules.getByText('Crediting rules saved.').waitFor();
    expect(await flagged(page, '/rules/0/pct').count()).toBe(0);
    await rules.scrollIntoViewIfNeeded();
    await shot(page, 'incentives-rules');

    // A plan with a recoverable draw, clawback, a hold until invoice and a multiplier.
    await page.getByRole('button', { name: 'New plan' }).click();
    await page.getByRole('dialog').getByLabel('Plan name').fill('Field sales');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('rate-table').waitFor();
    await page.getByLabel('Pay on').selectOption({ label: 'Invoice' });
    await page.getByText('Sales are held until invoiced').waitFor();
    await page.getByLabel('Take credit back when a sale is refunded or cancelled').check();
    await page.getByLabel('Within days of booking').fill('60');

    const draw = page.getByTestId('plan-draw');
    await draw.getByLabel('Pay a draw or guarantee').check();
    await draw.getByLabel('Kind').selectOption({ label: 'Recoverable draw' });
    // A typo in the amount is caught on its cell; an inverted window by the server's linter.
    await draw.getByLabel('Amount per period').fill('15OO');
    await flagged(page, '/versions/0/draw/amount').waitFor();
    await draw.getByLabel('Amount per period').fill('1500');
    await flagged(page, '/versions/0/draw/amount').waitFor({ state: 'detached' });
    await draw.getByLabel('From period').fill(monthAfter(thisMonth, 2));
    await draw.getByLabel('To period').fill(thisMonth);
    await flagged(page, '/versions/0/draw/to').waitFor();
    expect(await draw.getByTestId('cell-issue').innerText()).toMatch(/ends .* before it starts/);
    await draw.getByLabel('From period').fill(thisMonth);
    await draw.getByLabel('To period').fill(monthAfter(thisMonth, 2));
    await flagged(page, '/versions/0/draw/to').waitFor({ state: 'detached' });

    // A second KPI: the margin; the commission is multiplied by 1.5 when it reaches 1.
    await page.getByTestId('plan-measures').getByRole('button', { name: '+ Measure', exact: true }).click();
    await page.locator('#m1-field').selectOption({ label: 'Margin' });
    const multiplier = page.getByTestId('multiplier');
    await multiplier.getByLabel('On', { exact: true }).check();
    expect(await multiplier.getByLabel('Second KPI (measure)').inputValue()).toBe('measure_2');
    await multiplier.getByLabel('Multiplier 2 Factor').fill('1.5');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Plan saved.').waitFor();
    await shot(page, 'incentives-designer-draw');

    // Finance approves this month: version 1 now pays for a frozen period.
    const admin = await signIn(h, h.admin.email);
    expect((await callApi(h, admin, 'POST', `/incentives/periods/${thisMonth}/open`)).status).toBe(200);
    expect((await callApi(h, admin, 'POST', `/incentives/periods/${thisMonth}/status`, { status: 'calculated' })).status).toBe(200);
    expect((await callApi(h, admin, 'POST', `/incentives/periods/${thisMonth}/status`, { status: 'approved' })).status).toBe(200);
    await page.reload();
    await page
      .getByTestId('version-readonly')
      .filter({ hasText: `Version 1 is read-only: period ${thisMonth} is Approved` })
      .waitFor();
    expect(await page.locator('#inc-draw-amount').isDisabled()).toBe(true);
    expect(await page.getByLabel('Tier 2 Rate').isDisabled()).toBe(true);
    expect(await versionRow(page, 1).getByTestId('version-state').innerText()).toBe(`Read-only · ${thisMonth} Approved`);
    await shot(page, 'incentives-designer-readonly');

    // A new version: not inside the approved month; from the first of next month it is a copy.
    const nextMonth = monthAfter(thisMonth, 1);
    await page.getByRole('button', { name: 'New version' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Effective from').fill(`${thisMonth}-15`);
    await dialog.getByRole('button', { name: 'Create version' }).click();
    await dialog.getByText(`Must start after ${lastDay(thisMonth)}: periods up to then are approved.`).waitFor();
    await dialog.getByLabel('Effective from').fill(`${nextMonth}-01`);
    await dialog.getByRole('button', { name: 'Create version' }).click();
    await dialog.waitFor({ state: 'detached' });
    await versionRow(page, 2).getByText('Not saved').waitFor();
    expect(await page.locator('#inc-draw-amount').inputValue()).toBe('1500');
    await page.getByLabel('Tier 2 Rate').fill('0.12');
    await page.locator('#inc-draw-amount').fill('2000');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Plan saved.').waitFor();
    await shot(page, 'incentives-designer-versions');

    // Reload: both versions with their dates, the new one open for editing with its values.
    await page.reload();
    await versionRow(page, 2).getByText('Latest').waitFor();
    expect(await page.getByTestId('version-row').count()).toBe(2);
    expect(await versionRow(page, 1).getByTestId('version-to').innerText()).toBe(usDate(lastDay(thisMonth)));
    expect(await versionRow(page, 2).getByTestId('version-from').innerText()).toBe(usDate(`${nextMonth}-01`));
    expect(await versionRow(page, 2).getAttribute('aria-current')).toBe('true');
    expect(await page.getByLabel('Tier 2 Rate').inputValue()).toBe('0.12');
    expect(await page.locator('#inc-draw-amount').inputValue()).toBe('2000');
    expect(await page.locator('#inc-draw-amount').isDisabled()).toBe(false);
    expect(await page.getByTestId('plan-draw').getByLabel('Kind').inputValue()).toBe('recoverable');
    expect(await page.getByLabel('Within days of booking').inputValue()).toBe('60');
    expect(await page.getByLabel('Pay on').inputValue()).toBe('invoice');
    expect(await page.getByTestId('multiplier').getByLabel('Multiplier 2 Factor').inputValue()).toBe('1.5');
    // The crediting rules came back as saved (listed by id: the roll-up, the owner, the territory).
    await rules.getByLabel('Rule 1 level 2 %').waitFor();
    expect(await rules.getByLabel('Rule 1 level 1 %').inputValue()).toBe('8');
    expect(await rules.getByLabel('Rule 1 level 2 %').inputValue()).toBe('4');
    expect(await rules.getByLabel('Rule 2 Share %').inputValue()).toBe('70');
    expect(await rules.getByLabel('Rule 3 Share %').inputValue()).toBe('30');
    expect(await rules.getByLabel('Rule 3 Credit to').inputValue()).toBe('assignment');
    await rules.getByTestId('primary-total').filter({ hasText: '100%' }).waitFor();

    // Version 1 kept its own values, read-only.
    await page.getByRole('button', { name: 'v1', exact: true }).click();
    await page.getByTestId('version-readonly').waitFor();
    expect(await page.getByLabel('Tier 2 Rate').inputValue()).toBe('0.08');
    expect(await page.locator('#inc-draw-amount').inputValue()).toBe('1500');
    expect(await page.locator('#inc-draw-amount').isDisabled()).toBe(true);

    // What the server stored: the rules and both versions, nothing dropped.
    const stored = (await callApi(h, admin, 'GET', '/incentives/plans')).body.data[0];
    expect(stored.versions.map((v: { version: number; effectiveFrom: string; effectiveTo?: string }) => [v.version, v.effectiveFrom, v.effectiveTo ?? null])).toEqual([
      [1, `${thisMonth}-01`, lastDay(thisMonth)],
      [2, `${nextMonth}-01`, null],
    ]);
    expect(stored.versions[1]).toMatchObject({ payoutTiming: 'invoice', clawback: { days: 60 }, draw: { type: 'recoverable', amount: '2000', from: thisMonth, to: monthAfter(thisMonth, 2) } });
    expect(stored.versions[1].components[0].multiplier).toEqual({
      measure: 'measure_2',
      table: [
        { from: '0', to: '1', rate: '1' },
        { from: '1', rate: '1.5' },
      ],
    });
    const savedRules = (await callApi(h, admin, 'GET', '/incentives/crediting-rules')).body.data;
    expect(savedRules.map((r: { type: string; pct?: string; levels?: unknown }) => [r.type, r.pct ?? null, r.levels ?? null]).sort()).toEqual([
      ['assignment', '30', null],
      ['owner', '70', null],
      ['rollup', null, [{ pct: '8' }, { pct: '4' }]],
    ]);
    expect(problemsOf(page)).toEqual([]);
  }, 120_000);

  it('a quarterly points plan counts checked-in visits instead of credits, awards a badge and is given to a role; all of it persists', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Incentive plans');
    await page.getByTestId('version-row').first().waitFor();
    await page.getByRole('button', { name: 'New plan' }).click();
    await page.getByRole('dialog').getByLabel('Plan name').fill('Visit points');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.locator('#inc-plan').inputValue()).toBe('visit_points');

    // Quarterly, paid monthly on the quarter to date.
    await page.getByLabel('Period', { exact: true }).selectOption({ label: 'Quarterly' });
    await page.getByLabel('Pay monthly advances on period-to-date results').check();

    // Points per checked-out visit, read from the visit records.
    await page.locator('#c0-type').selectOption({ label: 'Points' });
    await page.locator('#c0-per').fill('2');
    const conditions = page.getByTestId('spif-conditions');
    await conditions.getByLabel('Count records of an object instead of credits').check();
    expect(await conditions.getByLabel('Object', { exact: true }).inputValue()).toBe('visit');
    expect(await conditions.getByLabel('Dated by').inputValue()).toBe('check_in_at');
    await conditions.getByLabel('Which records count (condition)').fill('check_out_at <> NULL');

    // A badge: a threshold that is not a number is caught on its cell.
    const badges = page.getByTestId('plan-badges');
    await badges.getByRole('button', { name: '+ Badge', exact: true }).click();
    await badges.getByLabel('Badge 1 Badge').fill('Road warrior');
    await badges.getByLabel('Badge 1 Minimum points').fill('twenty');
    await flagged(page, '/versions/0/badges/0/minPoints').waitFor();
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Fix the highlighted cells first.').waitFor();
    await badges.getByLabel('Badge 1 Minimum points').fill('20');
    await flagged(page, '/versions/0/badges/0/minPoints').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('Plan saved.').waitFor();
    await shot(page, 'incentives-designer-points');

    // On the plan by role: every sales rep from next month; an end before the start is refused on its cell.
    const byRole = page.getByTestId('plan-role-assignments');
    await byRole.getByRole('button', { name: '+ Role', exact: true }).click();
    await byRole.getByLabel('Role of row 1').selectOption({ label: 'Sales rep' });
    await byRole.getByLabel('Row 1 from').fill(`${monthAfter(thisMonth, 1)}-01`);
    await byRole.getByLabel('Row 1 to').fill(`${thisMonth}-02`);
    await byRole.getByRole('button', { name: 'Save role assignments' }).click();
    await byRole.locator('[data-path$="/to"][aria-invalid="true"]').waitFor();
    await byRole.getByLabel('Row 1 to').fill('');
    await byRole.getByRole('button', { name: 'Save role assignments' }).click();
    await byRole.getByText('Role assignments saved.').waitFor();

    await page.reload();
    await page.locator('#inc-plan').selectOption({ label: 'Visit points' });
    // With this month approved, the new plan starts next month and stays editable.
    await page
      .getByTestId('version-row')
      .filter({ hasText: usDate(`${monthAfter(thisMonth, 1)}-01`) })
      .waitFor();
    expect(await page.getByTestId('version-readonly').count()).toBe(0);
    expect(await page.getByLabel('Period', { exact: true }).inputValue()).toBe('quarterly');
    expect(await page.getByLabel('Pay monthly advances on period-to-date results').isChecked()).toBe(true);
    expect(await page.getByTestId('spif-conditions').getByLabel('Which records count (condition)').inputValue()).toBe('check_out_at <> NULL');
    expect(await page.getByTestId('plan-badges').getByLabel('Badge 1 Badge').inputValue()).toBe('Road warrior');
    expect(await page.getByTestId('plan-role-assignments').getByLabel('Role of row 1').inputValue()).toBe('rep');
    const admin = await signIn(h, h.admin.email);
    const stored = ((await callApi(h, admin, 'GET', '/incentives/plans')).body.data as Array<{ id: string; versions: Array<Record<string, unknown>> }>).find((p) => p.id === 'visit_points');
    expect(stored?.versions[0]).toMatchObject({ frequency: 'quarterly', advances: 'monthly', badges: [{ id: 'badge_1', label: { en: 'Road warrior' }, minPoints: '20' }] });
    expect((stored?.versions[0]?.components as Array<Record<string, unknown>>)[0]).toMatchObject({
      type: 'points',
      perCredit: '2',
      source: { object: 'visit', dateField: 'check_in_at', filter: 'check_out_at <> NULL' },
    });
    expect((await callApi(h, admin, 'GET', '/incentives/role-assignments')).body.data).toMatchObject([{ planId: 'visit_points', role: 'rep', from: `${monthAfter(thisMonth, 1)}-01` }]);
    expect(problemsOf(page)).toEqual([]);
  }, 90_000);
});
