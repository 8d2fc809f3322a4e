// Browser test of the province map widget: the China map's shapes load only with the widget, the
// orders land on their customers' provinces, and a row that names no province is said, not hidden.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const dashboard = {
  kind: 'analytics.dashboard',
  id: 'dash_province_map',
  name: 'province_map',
  label: { en: 'Orders by province', 'zh-CN': '各省订单' },
  widgets: [
    {
      id: 'provinces',
      title: { en: 'Amount by province' },
      chart: 'map',
      question: { object: 'order', groups: [{ formula: 'customer.province' }], measures: [{ name: 'amount', op: 'sum', field: 'amount' }] },
      layout: { x: 0, y: 0, w: 12, h: 5 },
    },
  ],
  sharedWith: ['manager'],
};

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const applied = await callApi(h, admin, 'POST', '/metadata/apply', { documents: [dashboard] });
  if (applied.status !== 200) throw new Error(JSON.stringify(applied.body));
  let n = 0;
  for (const [name, province, amount] of [
    ['Canton Co', '广东省', 500],
    ['Hangzhou Co', 'Zhejiang', 300],
    ['Nowhere Co', null, 100],
  ] as const) {
    const customer = await callApi(h, admin, 'POST', '/objects/customer', { name, ...(province ? { province } : {}) });
    if (customer.status !== 201) throw new Error(JSON.stringify(customer.body));
    const order = await callApi(h, admin, 'POST', '/objects/order', { order_number: `P-${++n}`, customer_id: customer.body.id, order_date: '2026-03-02', amount, status: 'booked' });
    if (order.status !== 201) throw new Error(JSON.stringify(order.body));
  }
});

describe('province map widget', () => {
  it('draws the orders on their provinces and says how many rows it could not place', async () => {
    const page = await newPage(browser, 1280, 900);
    const shapes: string[] = [];
    page.on('response', (r) => {
      if (/china.*\.js$/.test(r.url())) shapes.push(r.url());
    });
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/dashboards`);
    await page.getByRole('link', { name: /Orders by province/ }).click();
    const widget = page.getByTestId('dashboard-province_map').getByTestId('widget-provinces');
    await widget.locator('canvas').first().waitFor();
    await widget.getByText('Not on the map (no recognisable province): 1').waitFor();
    // The shapes came as their own chunk, with this widget.
    expect(shapes.length).toBeGreaterThan(0);
    await shot(page, 'dashboard-province-map');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
