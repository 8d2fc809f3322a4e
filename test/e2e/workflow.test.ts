// Browser test of approvals: a rep submits an opportunity whose discount is over the threshold,
// the manager approves it from the inbox on a phone-sized screen, and the record unlocks and
// shows its approval history.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) => callApi(h, token, method, url, payload);

const token = (email: string): Promise<string> => signIn(h, email);

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('approvals in the studio', () => {
  it('rep submits a big discount, manager approves on a phone, the record unlocks with its history', async () => {
    const admin = await token(h.admin.email);
    // A manager above the rep, a discount field on opportunities and a flow for discounts over 20%.
    const mgrEmail = `manager@${h.tenant}.test`;
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
      steps: [{ name: 'manager', label: { en: 'Manager' }, approvers: [{ type: 'manager', levels: 1 }] }],
      onApprove: [{ type: 'update', set: { next_step: 'Discount approved' } }],
    };
    expect((await api(admin, 'PUT', '/workflow/flows/discount', flow)).status).toBe(200);

    const rep = await token(h.rep.email);
    const customer = await api(rep, 'POST', '/objects/customer', { name: 'Globex' });
    const deal = await api(rep, 'POST', '/objects/opportunity', { name: 'Globex renewal', customer_id: customer.body.id, amount: 120000, close_date: '2026-12-31', stage: 'proposal', discount: 0.25 });
    expect(deal.status).toBe(201);
    const id = deal.body.id as string;

    // The rep submits from the record's approvals page.
    const repPage = await newPage(browser, 1280, 800);
    await login(repPage, h, h.rep.email);
    await repPage.goto(`${h.url}/approvals/o/opportunity/${id}`);
    await repPage.getByLabel('Comment').fill('Customer asks 25%');
    await repPage.getByRole('button', { name: 'Submit for approval' }).click();
    await repPage.getByTestId('lock-state').filter({ hasText: 'Locked while the approval is pending: amount, discount' }).waitFor();
    await shot(repPage, 'workflow-submitted');
    const locked = await api(rep, 'PATCH', `/objects/opportunity/${id}`, { discount: 0.3 });
    expect(locked.status).toBe(409);
    expect(locked.body.error.details[0]).toMatchObject({ path: '/discount', rule: 'locked' });

    // The manager approves from the inbox on a phone.
    const phone = await newPage(browser, 390, 844);
    await login(phone, h, mgrEmail);
    await navigate(phone, 'My approvals', true);
    const card = phone.getByTestId('approval-task').filter({ hasText: 'Globex renewal' });
    await card.waitFor();
    await shot(phone, 'workflow-inbox-phone');
    const box = await card.getByRole('button', { name: 'Approve' }).boundingBox();
    expect(box && box.height >= 40 && box.x + box.width <= 390).toBe(true);
    await card.getByRole('button', { name: 'Approve' }).click();
    await phone.getByText('Nothing waiting for your approval.').waitFor();

    // Back on the rep's screen: approved, unlocked, with the whole history.
    await repPage.reload();
    await repPage.getByTestId('approval-status').filter({ hasText: 'approved' }).waitFor();
    await repPage.getByTestId('lock-state').filter({ hasText: 'Not locked' }).waitFor();
    const history = await repPage.getByTestId('approval-history').innerText();
    expect(history).toMatch(/Ray Rep submitted: “Customer asks 25%”/);
    expect(history).toMatch(/Mia Manager approved/);
    await shot(repPage, 'workflow-history');
    expect((await api(rep, 'PATCH', `/objects/opportunity/${id}`, { discount: 0.3 })).status).toBe(200);
    expect((await api(rep, 'GET', `/objects/opportunity/${id}`)).body.next_step).toBe('Discount approved');
    expect(problemsOf(repPage)).toEqual([]);
    expect(problemsOf(phone)).toEqual([]);

    // The admin's flow designer previews who would approve this record; rules show their run log.
    const desk = await newPage(browser, 1280, 900);
    await login(desk, h, h.admin.email);
    await navigate(desk, 'Approval flows');
    await desk.getByRole('link', { name: 'Discount approval' }).click();
    await desk.getByTestId('flow-step').first().waitFor();
    await desk.getByLabel('Find a record by its title').fill('Globex renewal');
    await expect.poll(() => desk.getByLabel('Record', { exact: true }).inputValue()).toBe(id);
    await desk.getByRole('button', { name: 'Preview approvers' }).click();
    await expect.poll(() => desk.getByTestId('flow-preview').innerText()).toContain('manager: Mia Manager');
    await shot(desk, 'workflow-designer');
    await desk.getByRole('button', { name: 'Save' }).click();
    await desk.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await navigate(desk, 'Automation rules');
    await desk.getByText('Run log').first().waitFor();
    expect(problemsOf(desk)).toEqual([]);
  });
});
