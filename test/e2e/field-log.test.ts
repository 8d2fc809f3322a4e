// Browser test of logging a call from the customer's page on a 375 px phone: a rep picks call and
// 5 minutes and taps "Reached" — one activity on the customer, listed on the page at once; in
// Chinese the panel and the logged subject are in Chinese.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { seedShop } from './field-support.ts';

let h: Harness;
let browser: Browser;
let shop: string;

studioSuite(async (s) => {
  ({ h, browser } = s);
  shop = await seedShop(h);
});

const activities = async () => {
  const rep = await signIn(h, h.rep.email);
  const res = await callApi(h, rep, 'GET', `/objects/activity?filter=${encodeURIComponent(JSON.stringify({ customer_id: { eq: shop } }))}`);
  return res.body.data as Array<Record<string, unknown>>;
};

describe('log a call from the customer page', () => {
  it('one tap on the outcome logs the call with its duration; the activities list shows it', async () => {
    const page = await newPage(browser, 375, 800);
    await login(page, h, h.rep.email);
    await page.goto(`${h.url}/o/customer/${shop}`);
    const panel = page.getByTestId('log-activity');
    await panel.getByRole('heading', { name: 'Log a call or message' }).waitFor();
    await panel.getByRole('button', { name: '5 min', exact: true }).click();
    await panel.getByRole('button', { name: 'Reached' }).click();
    await panel.getByRole('status').getByText('Logged: Call, 5 min: Reached').waitFor();
    await page.getByTestId('related-activity-customer_id').getByText('Call, 5 min: Reached').waitFor();
    await shot(page, 'field-log-call');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const [logged] = await activities();
    expect(logged).toMatchObject({ kind: 'call', duration_minutes: 5, outcome: 'reached', owner_id: h.rep.id });
    expect(problemsOf(page)).toEqual([]);

    // The same panel in Chinese: a message, no duration.
    await page.evaluate(() => localStorage.setItem('attain.locale', 'zh-CN'));
    await page.reload();
    const zh = page.getByTestId('log-activity');
    await zh.getByRole('heading', { name: '记录电话或消息' }).waitFor();
    await zh.getByRole('button', { name: '消息' }).click();
    expect(await zh.getByRole('button', { name: '5 分钟', exact: true }).count()).toBe(0);
    await zh.getByRole('button', { name: '已留言' }).click();
    await zh.getByRole('status').getByText('已记录：消息: 已留言').waitFor();
    await shot(page, 'field-log-message-zh');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect((await activities()).map((a) => a.subject)).toContain('消息: 已留言');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
