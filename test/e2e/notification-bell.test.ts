// Browser test of the header's notification bell: a rep's approved submission shows as one unread
// notice (not two), the panel lists it and fits a phone, and "Mark all read" clears the count.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

describe('notification bell', () => {
  it('shows the unread count, one Approved notice, and marks all read (phone width)', async () => {
    const admin = await signIn(h, h.admin.email);
    const flow = {
      kind: 'approval_flow',
      id: 'e2e.flow.customer',
      name: 'new_customer',
      label: { en: 'New customer' },
      object: 'customer',
      steps: [{ name: 'admin', approvers: [{ type: 'role', role: 'admin' }] }],
      onApprove: [{ type: 'notify', to: [{ type: 'submitter' }], channels: ['inbox'], template: { title: { en: 'Approved: {{record.name}}' } } }],
    };
    expect((await callApi(h, admin, 'PUT', '/workflow/flows/new_customer', flow)).status).toBe(200);
    const rep = await signIn(h, h.rep.email);
    const customer = await callApi(h, rep, 'POST', '/objects/customer', { name: 'Initrode' });
    expect((await callApi(h, rep, 'POST', '/workflow/approvals', { flow: 'new_customer', recordId: customer.body.id })).status).toBe(201);
    const task = (await callApi(h, admin, 'GET', '/workflow/tasks')).body.data.find((x: { title: string }) => x.title === 'Initrode');
    expect((await callApi(h, admin, 'POST', `/workflow/tasks/${task.id}/approve`, {})).body.status).toBe('approved');

    const page = await newPage(browser, 375, 812);
    await login(page, h, h.rep.email);
    const bell = page.getByRole('button', { name: /^Notifications, \d+ unread$/ });
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.getByRole('listitem').first().waitFor();
    expect(await panel.getByRole('listitem').filter({ hasText: 'Approved: Initrode' }).count()).toBe(1);
    const box = await panel.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
    await shot(page, 'notification-bell-phone');
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
