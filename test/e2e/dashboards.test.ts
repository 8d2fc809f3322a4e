// Browser test of dashboards: an admin's dashboard (metadata) is a rep's Home; every widget shows
// only the rep's own records, a dashboard filter changes every widget it fits, and a row drills
// down to the records behind it.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const dashboard = {
  kind: 'analytics.dashboard',
  id: 'dash_team_orders',
  name: 'team_orders',
  label: { en: 'Team orders', 'zh-CN': '团队订单' },
  filters: [{ name: 'status', type: 'field', field: 'status', label: { en: 'Status' } }],
  widgets: [
    {
      id: 'total',
      title: { en: 'Order amount' },
      chart: 'kpi',
      target: '1000',
      question: { object: 'order', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      layout: { x: 0, y: 0, w: 4, h: 2 },
    },
    {
      id: 'by_status',
      title: { en: 'Orders by status' },
      chart: 'bar',
      question: { object: 'order', groups: [{ field: 'status' }], measures: [{ name: 'orders', op: 'count' }] },
      layout: { x: 4, y: 0, w: 8, h: 4 },
    },
    {
      id: 'leaders',
      title: { en: 'Top sellers' },
      chart: 'leaderboard',
      question: { object: 'order', groups: [{ field: 'owner_id' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      layout: { x: 0, y: 4, w: 6, h: 4 },
    },
    {
      // Two series on one axis: the rep's orders by month (bars) and their payout cost (a line, from the incentives' dataset).
      id: 'cost',
      title: { en: 'Payout cost vs revenue' },
      chart: 'combo',
      question: { object: 'order', groups: [{ field: 'order_date', bucket: 'month' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      series: [
        {
          id: 'payout',
          title: { en: 'Payout cost' },
          question: { object: 'incentives.payout', groups: [{ field: 'period_end', bucket: 'month' }], measures: [{ name: 'payout', op: 'sum', field: 'payout' }] },
        },
      ],
      layout: { x: 6, y: 4, w: 6, h: 4 },
    },
  ],
  sharedWith: ['rep', 'manager'],
  defaultFor: ['rep'],
};

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const applied = await callApi(h, admin, 'POST', '/metadata/apply', { documents: [dashboard] });
  if (applied.status !== 200) throw new Error(JSON.stringify(applied.body));
  // The admin's orders (outside the rep's scope) and the rep's own: 300 booked and 200 paid.
  const seed = async (token: string, customerName: string, orders: Array<[string, number, string]>) => {
    const customer = await callApi(h, token, 'POST', '/objects/customer', { name: customerName });
    for (const [n, amount, status] of orders) {
      const res = await callApi(h, token, 'POST', '/objects/order', { order_number: n, customer_id: customer.body.id, order_date: '2026-03-02', amount, status });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    }
  };
  await seed(admin, 'Admin Co', [
    ['A-1', 5000, 'booked'],
    ['A-2', 7000, 'paid'],
  ]);
  await seed(await signIn(h, h.rep.email), 'Rep Co', [
    ['R-1', 300, 'booked'],
    ['R-2', 200, 'paid'],
  ]);
});

describe('dashboards in the studio', () => {
  it("a rep's Home is the role's dashboard, in the rep's scope; a filter reaches every widget; a row drills down", async () => {
    const page = await newPage(browser, 1280, 1000);
    await login(page, h, h.rep.email);
    const board = page.getByTestId('dashboard-team_orders');
    await board.getByRole('heading', { name: 'Team orders' }).waitFor();
    const total = board.getByTestId('widget-total');
    // 300 + 200: only the rep's orders, against the 1,000 target.
    await total.getByText('500', { exact: true }).waitFor();
    await total.getByText('of 1,000 target (50 %)').waitFor();
    const leaders = board.getByTestId('widget-leaders');
    await leaders.getByRole('button', { name: 'Ray Rep' }).waitFor();
    expect(await leaders.locator('tbody tr').count()).toBe(1);
    await board.getByTestId('widget-by_status').locator('canvas').waitFor();
    await board.getByTestId('widget-cost').locator('canvas').waitFor();
    await shot(page, 'dashboard-rep-home');

    await board.getByLabel('Status', { exact: true }).selectOption('booked');
    await total.getByText('300', { exact: true }).waitFor();
    await leaders.getByRole('button', { name: 'Ray Rep' }).click();
    const drill = leaders.getByTestId('drill-leaders');
    await drill.getByRole('link', { name: 'R-1' }).waitFor();
    expect(await drill.getByRole('link').count()).toBe(1);
    await drill.getByRole('link', { name: 'R-1' }).click();
    await page.getByRole('heading', { name: 'R-1' }).waitFor();
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('lists the dashboards shared with a manager and opens one; on a phone the widgets stack', async () => {
    const page = await newPage(browser, 375, 800);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/dashboards`);
    await page.getByRole('link', { name: /Team orders/ }).click();
    const board = page.getByTestId('dashboard-team_orders');
    // The admin sees every order: 5000 + 7000 + 300 + 200.
    await board.getByTestId('widget-total').getByText('12,500', { exact: true }).waitFor();
    expect(await board.getByTestId('widget-leaders').locator('tbody tr').count()).toBe(2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'dashboard-phone');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
