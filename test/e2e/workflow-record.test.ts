// Browser tests of workflow on the record page and in the rule editor: a rep submits from the
// record's own page and sees the lock, the current step and the history (sent back, resubmitted,
// approved); an admin builds an automation rule through the form and sees it fire on a record
// update in the rule's run log.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;
let mgrEmail: string;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

const token = (email: string): Promise<string> => signIn(h, email);

async function newDeal(rep: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const customer = await api(rep, 'POST', '/objects/customer', { name: `${name} Inc` });
  const deal = await api(rep, 'POST', '/objects/opportunity', { name, customer_id: customer.body.id, amount: 120000, close_date: '2026-12-31', stage: 'proposal', ...extra });
  expect(deal.status).toBe(201);
  return deal.body.id as string;
}

/** The open task of the manager on a record, decided through the API (the inbox has its own test). */
async function decide(mgr: string, recordId: string, decision: 'approve' | 'send-back', comment?: string) {
  const tasks = (await api(mgr, 'GET', '/workflow/tasks')).body.data as Array<{ id: string; record_id: string }>;
  const task = tasks.find((k) => k.record_id === recordId);
  expect(task).toBeDefined();
  expect((await api(mgr, 'POST', `/workflow/tasks/${task!.id}/${decision}`, comment ? { comment } : {})).status).toBe(200);
}

const panel = (page: Page) => page.getByTestId('approval-panel');

studioSuite(
  async (s) => {
    ({ h, browser } = s);
    const admin = await token(h.admin.email);
    mgrEmail = `manager@${h.tenant}.test`;
    const mgr = await api(admin, 'POST', '/objects/user', { name: 'Mia Manager', email: mgrEmail, role: 'manager', active: true });
    expect(mgr.status).toBe(201);
    expect((await api(admin, 'PUT', `/auth/users/${mgr.body.id}/password`, { password: PASSWORD })).status).toBeLessThan(300);
    expect((await api(admin, 'PATCH', `/objects/user/${h.rep.id}`, { manager_id: mgr.body.id })).status).toBe(200);
    const opp = (await api(admin, 'GET', '/metadata/objects/opportunity')).body;
    opp.schema.properties.discount = { type: 'number', 'x-attain': { id: 'e2e.opportunity.discount', storage: 'percent', label: { en: 'Discount', 'zh-CN': '折扣' } } };
    expect((await api(admin, 'PUT', '/metadata/objects/opportunity', opp)).status).toBe(200);
    const flow = {
      kind: 'approval_flow',
      id: 'e2e.flow.discount',
      name: 'discount',
      label: { en: 'Discount approval', 'zh-CN': '折扣审批' },
      object: 'opportunity',
      entryCondition: 'discount > 20%',
      lockedFields: ['amount', 'discount'],
      steps: [{ name: 'manager', label: { en: 'Manager review', 'zh-CN': '经理审核' }, approvers: [{ type: 'manager', levels: 1 }] }],
    };
    expect((await api(admin, 'PUT', '/workflow/flows/discount', flow)).status).toBe(200);
  },
  { background: true },
);

describe('approval panel on the record page', () => {
  it('rep submits from the record page, sees the lock and step, resubmits after a send-back, and reads the history', async () => {
    const rep = await token(h.rep.email);
    const mgr = await token(mgrEmail);
    const id = await newDeal(rep, 'Initech renewal', { discount: 0.25 });

    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.rep.email);
    await page.goto(`${h.url}/o/opportunity/${id}`);
    await panel(page).getByTestId('approval-status').filter({ hasText: 'Not submitted' }).waitFor();
    await panel(page).getByLabel('Comment').fill('Customer asks 25%');
    await panel(page).getByRole('button', { name: 'Submit for approval' }).click();
    await panel(page).getByTestId('lock-state').filter({ hasText: 'Locked while the approval is pending: Amount, Discount' }).waitFor();
    await expect.poll(() => panel(page).getByTestId('approval-step').innerText()).toBe('Manager review');
    await expect.poll(() => panel(page).getByTestId('approval-approvers').innerText()).toBe('Mia Manager');
    await panel(page).getByRole('button', { name: 'Withdraw' }).waitFor();
    await shot(page, 'workflow-record-pending');
    expect((await api(rep, 'PATCH', `/objects/opportunity/${id}`, { discount: 0.3 })).status).toBe(409);

    // Sent back: the panel says so, the rep lowers the discount and resubmits from the page.
    await decide(mgr, id, 'send-back', 'Try 22%');
    await page.reload();
    await panel(page).getByTestId('approval-status').filter({ hasText: 'Sent back' }).waitFor();
    expect((await api(rep, 'PATCH', `/objects/opportunity/${id}`, { discount: 0.22 })).status).toBe(200);
    await panel(page).getByRole('button', { name: 'Resubmit' }).click();
    await panel(page).getByTestId('approval-status').filter({ hasText: 'Pending' }).waitFor();
    await panel(page).getByText('Round 2').waitFor();

    // Approved: unlocked, and the whole story is on the record.
    await decide(mgr, id, 'approve');
    await page.reload();
    await panel(page).getByTestId('approval-status').filter({ hasText: 'Approved' }).waitFor();
    await panel(page).getByTestId('lock-state').filter({ hasText: 'Not locked' }).waitFor();
    const history = await panel(page).getByTestId('approval-history').innerText();
    for (const line of [/Ray Rep submitted/, /Customer asks 25%/, /Mia Manager sent back/, /Try 22%/, /Ray Rep resubmitted/, /Mia Manager approved · Manager review/, /Approval complete: approved/])
      expect(history).toMatch(line);
    expect(await panel(page).getByRole('button', { name: 'Submit for approval' }).count()).toBe(1);
    await panel(page).getByTestId('approval-history').scrollIntoViewIfNeeded();
    await shot(page, 'workflow-record-approved');
    expect((await api(rep, 'PATCH', `/objects/opportunity/${id}`, { discount: 0.3 })).status).toBe(200);

    // Dark mode, and a 375 px phone, with a pending approval.
    const other = await newDeal(rep, 'Umbrella expansion', { discount: 0.3 });
    expect((await api(rep, 'POST', '/workflow/approvals', { flow: 'discount', recordId: other, comment: 'Strategic account' })).status).toBe(201);
    const dark = await newPage(browser, 1280, 900, 'dark');
    await login(dark, h, h.rep.email);
    await dark.goto(`${h.url}/o/opportunity/${other}`);
    await panel(dark).getByTestId('approval-status').filter({ hasText: 'Pending' }).waitFor();
    await panel(dark).scrollIntoViewIfNeeded();
    await shot(dark, 'workflow-record-dark');
    const phone = await newPage(browser, 375, 812);
    await login(phone, h, h.rep.email);
    await phone.goto(`${h.url}/o/opportunity/${other}`);
    await panel(phone).getByTestId('approval-status').filter({ hasText: 'Pending' }).waitFor();
    await panel(phone).scrollIntoViewIfNeeded();
    const box = await panel(phone).boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(phone, 'workflow-record-phone');

    // No panel where no flow applies.
    const customer = (await api(rep, 'GET', `/objects/opportunity/${id}`)).body.customer_id as string;
    await page.goto(`${h.url}/o/customer/${customer}`);
    await page.getByRole('heading', { name: 'Initech renewal Inc' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await panel(page).count()).toBe(0);
    for (const p of [page, dark, phone]) expect(problemsOf(p)).toEqual([]);
  });
});

describe('automation rule editor', () => {
  it('admin builds a rule through the form; it fires on a record update and shows in its run log', async () => {
    const desk = await newPage(browser, 1280, 900);
    await login(desk, h, h.admin.email);
    await navigate(desk, 'Automation rules');
    await desk.getByRole('button', { name: '+ New rule' }).click();
    const editor = desk.getByTestId('rule-editor');
    await editor.getByLabel('Label', { exact: true }).fill('Flag big deals');
    // A new rule's API name follows its label, until the admin writes their own.
    expect(await editor.getByLabel('Api name').inputValue()).toBe('flag_big_deals');
    await editor.getByLabel('Api name').fill('flag_big');
    await editor.getByLabel('Object').selectOption('opportunity');
    await editor
      .getByRole('group', { name: /Only when one of these fields changed/ })
      .getByLabel('Amount')
      .check();
    await editor.getByLabel('Condition on the new values (optional)').fill('amount > 500000');
    await editor.getByLabel('Condition on the old values (optional, updates only)').fill('amount <= 500000');
    // Each condition is checked 120 ms after it changed, and its verdict then appears under it and
    // pushes the actions down: wait for both verdicts (as a person reads them), or a busy machine
    // moves the button between Playwright finding it and the mouse landing.
    await expect.poll(() => editor.getByText('Valid · result type boolean').count()).toBe(2);
    await editor.getByLabel('Actions 1').selectOption('update');
    await editor.getByRole('button', { name: '+ Add field' }).click();
    await editor.getByLabel('Field', { exact: true }).selectOption('next_step');
    await editor.getByLabel('Value (=formula for a computed value) next_step').fill('="Review " & name');
    await editor.getByRole('button', { name: '+ Add action' }).click();
    await editor.getByLabel('Actions 2').selectOption('notify');
    await editor.getByLabel('Message title', { exact: true }).fill('Big deal: {{record.name}}');
    await shot(desk, 'workflow-rule-form');

    // The Advanced tab shows the document the form built.
    await editor.getByRole('tab', { name: 'Advanced (JSON)' }).click();
    // biome-ignore lint/suspicious/noExplicitAny: the rule document is edited in place as the user would
    const json = JSON.parse(await editor.locator('#rule-doc').inputValue()) as Record<string, any>;
    expect(json).toMatchObject({
      kind: 'automation',
      name: 'flag_big',
      object: 'opportunity',
      trigger: { type: 'record', on: ['update'], changed: ['amount'], previous: 'amount <= 500000' },
      condition: 'amount > 500000',
    });
    expect(json.actions).toEqual([
      { type: 'update', set: { next_step: '="Review " & name' } },
      { type: 'notify', to: [{ type: 'owner' }], channels: ['inbox'], template: { title: { en: 'Big deal: {{record.name}}' } } },
    ]);
    await editor.getByRole('tab', { name: 'Form' }).click();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('status').filter({ hasText: 'Done.' }).waitFor();

    // A record update over the threshold fires it once; one below does not.
    const rep = await token(h.rep.email);
    const small = await newDeal(rep, 'Small deal');
    const big = await newDeal(rep, 'Hooli platform');
    expect((await api(rep, 'PATCH', `/objects/opportunity/${small}`, { amount: 130000 })).status).toBe(200);
    expect((await api(rep, 'PATCH', `/objects/opportunity/${big}`, { amount: 750000 })).status).toBe(200);
    await expect.poll(async () => (await api(rep, 'GET', `/objects/opportunity/${big}`)).body.next_step, { timeout: 20_000 }).toBe('Review Hooli platform');
    const log = desk.getByTestId('run-log');
    await expect
      .poll(
        async () => {
          await log.getByRole('button', { name: 'Refresh' }).click();
          return log.getByTestId('run-row').filter({ hasText: 'done' }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await expect.poll(() => log.getByTestId('run-row').first().innerText()).toContain(big.slice(0, 8));
    expect((await api(rep, 'GET', `/objects/opportunity/${small}`)).body.next_step ?? null).toBeNull();
    await log.scrollIntoViewIfNeeded();
    await shot(desk, 'workflow-rule-runlog');

    // Reopened, the saved rule comes back into the form; a phone can edit it without overflow.
    const phone = await newPage(browser, 375, 812, 'dark');
    await login(phone, h, h.admin.email);
    await phone.goto(`${h.url}/admin/automations`);
    await phone.getByRole('button', { name: 'Flag big deals' }).click();
    await expect.poll(() => phone.getByTestId('rule-editor').getByLabel('Api name').inputValue()).toBe('flag_big');
    // Tables scroll inside their own wrapper; nothing else may stick out of the phone's width.
    const wide = await phone.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 376)
        .map((e) => `${e.tagName}.${e.className}#${e.id}`)
        .slice(0, 8),
    );
    expect(wide).toEqual([]);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.getByTestId('rule-editor').scrollIntoViewIfNeeded();
    await shot(phone, 'workflow-rule-phone');
    expect(problemsOf(desk)).toEqual([]);
    expect(problemsOf(phone)).toEqual([]);
  });
});
