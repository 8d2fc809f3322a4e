// Browser test of dashboard snapshots in the viewer: the PDF download is the server's export, and
// the Subscribe dialog subscribes a person by email (picked from the users list, no JSON), lists the
// subscription with its next run, shows a refused robot address, and cancels.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

const dashboard = {
  kind: 'analytics.dashboard',
  id: 'dash_snapshot_orders',
  name: 'snapshot_orders',
  label: { en: 'Snapshot orders', 'zh-CN': '快照订单' },
  widgets: [
    { id: 'total', title: { en: 'Order amount' }, chart: 'kpi', question: { object: 'order', measures: [{ name: 'amount', op: 'sum', field: 'amount' }] }, layout: { x: 0, y: 0, w: 4, h: 2 } },
    {
      id: 'by_status',
      title: { en: 'Orders by status' },
      chart: 'bar',
      question: { object: 'order', groups: [{ field: 'status' }], measures: [{ name: 'orders', op: 'count' }] },
      layout: { x: 4, y: 0, w: 8, h: 4 },
    },
  ],
};

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const applied = await callApi(h, admin, 'POST', '/metadata/apply', { documents: [dashboard] });
  if (applied.status !== 200) throw new Error(JSON.stringify(applied.body));
  const customer = await callApi(h, admin, 'POST', '/objects/customer', { name: 'Snap Co' });
  await callApi(h, admin, 'POST', '/objects/order', { order_number: 'S-1', customer_id: customer.body.id, order_date: '2026-03-02', amount: 1200, status: 'booked' });
});

describe('dashboard snapshots in the studio', () => {
  it('downloads the PDF, subscribes a person by email, shows a refused robot address and cancels', async () => {
    const page = await newPage(browser, 1280, 1000);
    await login(page, h, h.admin.email);
    await page.goto(`${h.url}/dashboards/snapshot_orders`);
    const board = page.getByTestId('dashboard-snapshot_orders');
    await board.getByTestId('widget-total').getByText('1,200', { exact: true }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), board.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(download.suggestedFilename()).toBe('snapshot_orders.pdf');
    const bytes = await download.createReadStream().then(
      (stream) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(Buffer.concat(chunks)));
          stream.on('error', reject);
        }),
    );
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');

    await board.getByRole('button', { name: 'Subscribe' }).click();
    const dialog = page.getByRole('dialog', { name: 'Subscribe to this dashboard' });
    await dialog.getByLabel('How often').selectOption('month');
    await dialog.getByLabel('Day of the month').fill('15');
    await dialog.getByLabel('At (company time)').selectOption('9');
    await dialog.getByLabel('Ray Rep').check();
    await shot(page, 'dashboard-subscribe');
    await dialog.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await dialog.getByRole('status').getByText('Subscribed.').waitFor();
    const list = dialog.getByTestId('subscriptions');
    await list.getByText('Monthly on day 15 at 09:00').waitFor();
    expect(await list.locator('li').count()).toBe(1);

    // A robot on a private address is refused, with the server's reason.
    await dialog.getByLabel('Send by').selectOption('robot');
    await dialog.getByLabel('Robot', { exact: true }).selectOption('dingtalk');
    await dialog.getByLabel('Webhook URL').fill('http://10.0.0.8/robot/send?access_token=x');
    await dialog.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await dialog.getByText(/outbound calls to private, loopback, link-local or metadata addresses/).waitFor();
    expect(await list.locator('li').count()).toBe(1);

    await list.getByRole('button', { name: 'Cancel subscription' }).click();
    await list.waitFor({ state: 'detached' });
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
