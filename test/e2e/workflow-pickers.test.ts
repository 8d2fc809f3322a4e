// Browser test of the approval flow designer by name (issue #16): an admin builds a flow by
// picking people (two people of the same name told apart by unit and email), a role by its label
// and an org unit by its name, with approver types in words; then previews the approvers of a
// record found by its title, and is told plainly when no title matches.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('approval flows by name', () => {
  it('an admin builds a flow by picking people, a role and an org unit, and previews approvers for a record picked by title', async () => {
    const admin = await signIn(h, h.admin.email);
    const units = (await api(admin, 'GET', '/objects/org_unit?limit=50')).body.data as Array<{ id: string; name: string }>;
    const hq = units.find((u) => u.name === 'Headquarters')!.id;
    const east = units.find((u) => u.name === 'East region')!.id;
    const mk = async (name: string, email: string, role: string, unit: string) => {
      const res = await api(admin, 'POST', '/objects/user', { name, email: `${email}@${h.tenant}.test`, role, org_unit_id: unit, active: true });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const liEast = await mk('Li Wei', 'li.east', 'rep', east);
    await mk('Li Wei', 'li.hq', 'finance', hq);
    await mk('Mia Manager', 'mia', 'manager', hq);
    const otto = await mk('Otto Head', 'otto', 'rep', hq);
    expect((await api(admin, 'PATCH', `/objects/org_unit/${east}`, { head_id: otto })).status).toBe(200);
    const customer = await api(admin, 'POST', '/objects/customer', { name: 'Initech' });
    const deal = await api(admin, 'POST', '/objects/opportunity', {
      name: 'Initech expansion',
      customer_id: customer.body.id,
      amount: 50000,
      close_date: '2026-12-31',
      stage: 'proposal',
      owner_id: h.rep.id,
    });
    expect(deal.status).toBe(201);

    const page = await newPage(browser, 1360, 900);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/admin/flows/new`);
    await page.locator('#flow-label').fill('Big deal approval');
    await page.locator('#flow-name').fill('big_deal');
    await page.locator('#flow-object').selectOption('opportunity');
    // Step 1: a person (the East Li Wei, told apart by unit and email) and everyone with a role.
    const type1 = page.getByLabel('Step 1 Approvers 1 Approver', { exact: true });
    expect(await type1.locator('option:checked').innerText()).toBe('Manager of the submitter');
    await type1.selectOption({ label: 'A person' });
    const person = page.getByLabel('Step 1 Approvers 1 Person', { exact: true });
    const options = await person.locator('option').allInnerTexts();
    expect(options).toContain(`Li Wei (East region · li.east@${h.tenant}.test)`);
    expect(options).toContain(`Li Wei (Headquarters · li.hq@${h.tenant}.test)`);
    expect(options).toContain('Mia Manager');
    await person.selectOption({ label: `Li Wei (East region · li.east@${h.tenant}.test)` });
    await page.getByRole('button', { name: '+ Approvers' }).click();
    await page.getByLabel('Step 1 Approvers 2 Approver', { exact: true }).selectOption({ label: 'Everyone with a role' });
    await page.getByLabel('Step 1 Approvers 2 Role', { exact: true }).selectOption({ label: 'Sales manager' });
    // Step 2: the head of the East region, picked by name.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 2 Approvers 1 Approver', { exact: true }).selectOption({ label: 'Head of an org unit' });
    await page.getByLabel('Step 2 Approvers 1 Org unit', { exact: true }).selectOption({ label: 'East region' });
    await shot(page, 'workflow-flow-pickers');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/flows\/big_deal$/);
    const flows = (await api(admin, 'GET', '/workflow/flows')).body.data as Array<{ name: string; steps: Array<{ approvers: unknown[] }> }>;
    const flow = flows.find((f) => f.name === 'big_deal');
    expect(flow?.steps.map((s) => s.approvers)).toEqual([
      [
        { type: 'user', userId: liEast },
        { type: 'role', role: 'manager' },
      ],
      [{ type: 'org_head', orgUnitId: east }],
    ]);

    // Preview: a title that matches nothing is said plainly; then the record is found by its title.
    await page.getByLabel('Find a record by its title').fill('Umbrella');
    await page.getByTestId('preview-none').filter({ hasText: 'No Opportunity record has a title matching “Umbrella”.' }).waitFor();
    await page.getByLabel('Find a record by its title').fill('Initech');
    await expect.poll(() => page.getByLabel('Record', { exact: true }).inputValue()).toBe(deal.body.id);
    expect(await page.getByLabel('Record', { exact: true }).locator('option:checked').innerText()).toBe('Initech expansion');
    await page.getByRole('button', { name: 'Preview approvers' }).click();
    const preview = page.getByTestId('flow-preview');
    await expect.poll(() => preview.innerText()).toContain(`manager: Li Wei (East region · li.east@${h.tenant}.test), Mia Manager`);
    expect(await preview.innerText()).toContain('step_2: Otto Head');
    await shot(page, 'workflow-flow-preview');

    // In Chinese the approver types are words too.
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => page.getByLabel('步骤 1 审批人 2 审批人', { exact: true }).locator('option:checked').innerText()).toBe('某角色的所有人');
    expect(await page.getByLabel('步骤 2 审批人 1 审批人', { exact: true }).locator('option:checked').innerText()).toBe('组织单元负责人');
    expect(await page.getByLabel('步骤 1 审批人 2 角色', { exact: true }).locator('option:checked').innerText()).toBe('销售经理');
    expect(problemsOf(page)).toEqual([]);
  }, 180_000);
});
