// Browser test of the goal alert rule editor (issue #16): an admin writes a rule in a form
// (refusals in words on the field), edits and deletes one, checks the rules at once, and the
// rep's manager sees the alert it raised on My goals and on the team board.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

studioSuite(async (s) => {
  ({ h, browser } = s);
});

async function mkUser(admin: string, name: string, email: string, role: string, unit: string, manager?: string): Promise<{ id: string; email: string }> {
  const res = await api(admin, 'POST', '/objects/user', { name, email: `${email}@${h.tenant}.test`, role, org_unit_id: unit, active: true, ...(manager ? { manager_id: manager } : {}) });
  expect(res.status).toBe(201);
  expect((await api(admin, 'PUT', `/auth/users/${res.body.id}/password`, { password: PASSWORD })).status).toBeLessThan(300);
  return { id: res.body.id as string, email: `${email}@${h.tenant}.test` };
}

describe('goal alert rules in the studio', () => {
  it('an admin creates a goal alert rule in a form and the manager sees the alert it raises', async () => {
    const admin = await signIn(h, h.admin.email);
    const units = (await api(admin, 'GET', '/objects/org_unit?limit=50')).body.data as Array<{ id: string; name: string }>;
    const hq = units.find((u) => u.name === 'Headquarters')!.id;
    const east = units.find((u) => u.name === 'East region')!.id;
    const mia = await mkUser(admin, 'Mia Manager', 'mia', 'manager', hq);
    await mkUser(admin, 'Ann Lee', 'ann', 'rep', east, mia.id);
    const kpi = {
      kind: 'kpi',
      id: 'e2e.kpi.visits',
      name: 'visits',
      label: { en: 'Customer visits', 'zh-CN': '客户拜访' },
      object: 'order',
      measure: { aggregate: 'count' },
      dateField: 'order_date',
      unit: 'count',
    };
    expect((await api(admin, 'PUT', '/goals/kpis/visits', kpi)).status).toBe(200);

    const page = await newPage(browser, 1360, 860);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/goals/alerts`);
    await page.getByRole('button', { name: 'New alert rule' }).click();
    await page.getByLabel('API name', { exact: true }).fill('East idle');
    await expect.poll(() => page.getByLabel('KPI', { exact: true }).inputValue()).toBe('visits');
    await page.getByLabel('Alert below (% of expected pace)', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Save alert rule' }).click();
    // Refusals are shown on their fields, in words.
    await page.locator('.goal-field-error').filter({ hasText: 'Give the rule a name of lower-case letters' }).waitFor();
    await page.locator('.goal-field-error').filter({ hasText: 'Enter a percent from 1 to 1000, e.g. 80.' }).waitFor();
    await shot(page, 'alert-rule-errors');
    await page.getByLabel('API name', { exact: true }).fill('east_idle');
    await page.getByLabel('Condition', { exact: true }).selectOption('no_activity');
    await page.getByLabel('Days without activity', { exact: true }).fill('400');
    await page.getByRole('button', { name: 'Save alert rule' }).click();
    await page.locator('.goal-field-error').filter({ hasText: 'Enter a whole number of days from 1 to 366.' }).waitFor();
    await page.getByLabel('Days without activity', { exact: true }).fill('3');
    await page.getByLabel('Whose goals', { exact: true }).selectOption(east);
    await page.getByRole('button', { name: 'Save alert rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Alert rule “east_idle” saved.' }).waitFor();
    const row = page.getByTestId('alert-rule').filter({ hasText: 'east_idle' });
    await row.getByText('Customer visits: nothing logged for 3 days').waitFor();
    await row.getByText('East region').waitFor();
    expect((await api(admin, 'GET', '/goals/alerts/rules')).body.data).toEqual([{ name: 'east_idle', kind: 'no_activity', kpi: 'visits', days: 3, unit: east, enabled: true }]);

    // Editing keeps the name; a second rule is added and deleted again.
    await page.getByRole('button', { name: 'Edit east_idle' }).click();
    expect(await page.getByLabel('API name', { exact: true }).getAttribute('readonly')).not.toBeNull();
    await page.getByLabel('Days without activity', { exact: true }).fill('5');
    await page.getByRole('button', { name: 'Save alert rule' }).click();
    await row.getByText('Customer visits: nothing logged for 5 days').waitFor();
    await page.getByRole('button', { name: 'New alert rule' }).click();
    await page.getByLabel('API name', { exact: true }).fill('pace');
    await page.getByRole('button', { name: 'Save alert rule' }).click();
    await page.getByTestId('alert-rule').filter({ hasText: 'below 80% of the expected pace, from day 15' }).waitFor();
    await page.getByRole('button', { name: 'Delete pace' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Alert rule “pace” deleted.' }).waitFor();
    await expect.poll(() => page.getByTestId('alert-rule').count()).toBe(1);

    // Checked now: Ann has logged nothing, so she and her manager are told.
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByRole('status').filter({ hasText: 'Checked 1 rules: 1 new alerts.' }).waitFor();
    await shot(page, 'alert-rules');
    expect(problemsOf(page)).toEqual([]);

    // On a phone the form fits the width.
    const phone = await newPage(browser, 375, 812);
    await login(phone, h, h.admin.email);
    await phone.goto(`${h.url}/goals/alerts`);
    await phone.getByRole('button', { name: 'Edit east_idle' }).click();
    await phone.getByLabel('Days without activity', { exact: true }).waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(phone, 'alert-rules-phone');
    expect(problemsOf(phone)).toEqual([]);

    const manager = await newPage(browser, 1360, 860);
    await login(manager, h, mia.email);
    await manager.goto(`${h.url}/goals/me`);
    await manager.getByTestId('goal-alert').filter({ hasText: 'Ann Lee has logged no Customer visits in the last 5 days.' }).waitFor();
    // The team board shows the alert beside the team it is about.
    await manager.goto(`${h.url}/goals/team?unit=${east}&kpi=visits`);
    await manager.getByRole('region', { name: 'Alerts' }).getByTestId('goal-alert').filter({ hasText: 'Ann Lee has logged no Customer visits in the last 5 days.' }).waitFor();
    await shot(manager, 'alert-on-team-board');
    expect(problemsOf(manager)).toEqual([]);
  }, 180_000);
});
