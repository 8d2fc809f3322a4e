// Browser test of the dashboard designer (issue #15): a manager builds a dashboard of four widgets
// and an owner filter from lists (no JSON), moves a widget on the grid, shares it with the team;
// a rep of that team opens it and sees only their own records, and drills from a bar to them;
// a rep outside the team cannot open it.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness, PASSWORD, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;
const people: Record<string, { id: string; email: string }> = {};

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const units = (await callApi(h, admin, 'GET', '/objects/org_unit?limit=50')).body.data as Array<{ id: string; name: string }>;
  const hq = units.find((u) => u.name === 'Headquarters')!.id;
  const east = units.find((u) => u.name === 'East region')!.id;
  const mk = async (key: string, name: string, role: string, unit: string, manager?: string) => {
    const email = `${key}@${h.tenant}.test`;
    const res = await callApi(h, admin, 'POST', '/objects/user', { name, email, role, org_unit_id: unit, active: true, ...(manager ? { manager_id: manager } : {}) });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    await callApi(h, admin, 'PUT', `/auth/users/${res.body.id}/password`, { password: PASSWORD });
    people[key] = { id: res.body.id as string, email };
  };
  await mk('mia', 'Mia Manager', 'manager', east);
  await mk('ann', 'Ann Lee', 'rep', east, people.mia!.id);
  await mk('ben', 'Ben Ito', 'rep', hq);
  const seed = async (key: string, orders: Array<[string, number, string]>) => {
    const token = await signIn(h, people[key]!.email);
    const customer = await callApi(h, token, 'POST', '/objects/customer', { name: `${key} Co` });
    for (const [n, amount, status] of orders) {
      const res = await callApi(h, token, 'POST', '/objects/order', { order_number: n, customer_id: customer.body.id, order_date: '2026-03-02', amount, status });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    }
  };
  await seed('ann', [
    ['ANN-1', 100, 'booked'],
    ['ANN-2', 200, 'paid'],
  ]);
  await seed('ben', [['BEN-1', 999, 'booked']]);
});

/** Adds a widget and sets it up through the editor's lists. */
async function addWidget(page: Page, w: { title: string; measure: string; field?: string; group?: string; chart: string }): Promise<void> {
  await page.getByRole('button', { name: 'Add widget' }).click();
  const editor = page.getByRole('region', { name: 'Widget settings' });
  await editor.getByLabel('Title').fill(w.title);
  await editor.getByLabel('Records', { exact: true }).selectOption({ label: 'Orders' });
  await editor.getByLabel('Measure', { exact: true }).selectOption({ label: w.measure });
  if (w.field) await editor.getByLabel('Field to measure').selectOption({ label: w.field });
  if (w.group) await editor.getByLabel('Group by').selectOption({ label: w.group });
  await editor.getByLabel('Chart').selectOption({ label: w.chart });
}

describe('the dashboard designer', () => {
  it('a manager builds and shares a dashboard; a rep of the team sees their own scope and drills from a bar', async () => {
    const mia = await newPage(browser, 1400, 1000);
    await login(mia, h, people.mia!.email);
    await mia.goto(`${h.url}/dashboards`);
    await mia.getByRole('link', { name: 'New dashboard' }).click();
    await mia.getByLabel('Name', { exact: true }).fill('East team');
    await mia.getByLabel('Share with my team').check();
    await mia.getByLabel('Owner filter').check();
    await addWidget(mia, { title: 'Order count', measure: 'Count', chart: 'KPI card' });
    await addWidget(mia, { title: 'Amount by status', measure: 'Sum', field: 'Amount', group: 'Status', chart: 'Bar' });
    await addWidget(mia, { title: 'Orders by month', measure: 'Count', group: 'Order date', chart: 'Line' });
    await addWidget(mia, { title: 'Top sellers', measure: 'Sum', field: 'Amount', group: 'Owner', chart: 'Leaderboard' });
    const grid = mia.getByTestId('designer-grid');
    // Live previews in the manager's own scope: Ann's two orders are the team's.
    await grid.getByTestId('designer-w1').getByText('2', { exact: true }).waitFor();
    await grid.getByTestId('designer-w4').getByRole('button', { name: 'Ann Lee' }).waitFor();
    // Drag the leaderboard by its grip to the top right.
    const handle = grid.getByTestId('designer-w4').locator('.widget-handle');
    await handle.scrollIntoViewIfNeeded();
    const box = (await handle.boundingBox())!;
    await mia.mouse.move(box.x + 10, box.y + 5);
    await mia.mouse.down();
    await mia.mouse.move(box.x + 500, Math.max(5, box.y - 300), { steps: 12 });
    await mia.mouse.up();
    await shot(mia, 'dashboard-designer');
    await mia.getByRole('button', { name: 'Save dashboard' }).click();
    await mia.getByRole('heading', { name: 'East team' }).waitFor();
    const name = new URL(mia.url()).pathname.split('/').pop()!;
    expect(name).toMatch(/^u_[0-9a-f]{12}$/);
    const saved = (await callApi(h, await signIn(h, people.mia!.email), 'GET', `/analytics/dashboards/${name}`)).body.data;
    expect(saved.widgets.map((w: { chart: string }) => w.chart)).toEqual(['kpi', 'bar', 'line', 'leaderboard']);
    expect(saved.filters).toEqual([expect.objectContaining({ name: 'owner', type: 'field', field: 'owner_id' })]);
    // The drag moved the leaderboard off the column it was added in.
    expect(saved.widgets[3].layout).not.toEqual({ x: 0, y: 9, w: 4, h: 3 });
    expect(problemsOf(mia)).toEqual([]);
    await mia.context().close();

    const ann = await newPage(browser, 1400, 1000);
    await login(ann, h, people.ann!.email);
    await ann.goto(`${h.url}/dashboards`);
    await ann.getByRole('link', { name: /East team/ }).click();
    const board = ann.getByTestId(`dashboard-${name}`);
    await board.getByTestId('widget-w1').getByText('2', { exact: true }).waitFor();
    expect(await board.getByTestId('widget-w4').locator('tbody tr').count()).toBe(1);
    // Drill from the first bar (booked: ANN-1) of the bar chart to the records behind it.
    const canvas = board.getByTestId('widget-w2').locator('canvas');
    await canvas.waitFor();
    await canvas.scrollIntoViewIfNeeded();
    await ann.waitForTimeout(300);
    const c = (await canvas.boundingBox())!;
    const drill = board.getByTestId('drill-w2');
    // The chart draws (and listens for clicks) once ECharts has loaded: click until it answers.
    await expect
      .poll(async () => {
        await ann.mouse.click(c.x + 48 + (c.width - 64) / 4, c.y + c.height - 40);
        return drill.isVisible();
      })
      .toBe(true);
    await drill.getByRole('link', { name: 'ANN-1' }).waitFor();
    expect(await drill.getByRole('link').count()).toBe(1);
    await shot(ann, 'dashboard-rep-drill');
    expect(problemsOf(ann)).toEqual([]);
    await ann.context().close();

    // Ben is not in Mia's team.
    const ben = await signIn(h, people.ben!.email);
    expect((await callApi(h, ben, 'GET', `/analytics/dashboards/${name}`)).status).toBe(404);
  });
  it('a widget may measure a dataset a module contributes: payout cost from the incentives module', async () => {
    const ann = await newPage(browser, 1400, 1000);
    await login(ann, h, people.ann!.email);
    await ann.goto(`${h.url}/dashboards`);
    await ann.getByRole('link', { name: 'New dashboard' }).click();
    await ann.getByLabel('Name', { exact: true }).fill('My payouts');
    await ann.getByRole('button', { name: 'Add widget' }).click();
    const editor = ann.getByRole('region', { name: 'Widget settings' });
    await editor.getByLabel('Title').fill('Payout cost');
    // Offered under Datasets, with its own fields to measure, group and bucket.
    await editor.getByLabel('Records', { exact: true }).selectOption({ label: 'Payouts' });
    await editor.getByLabel('Measure', { exact: true }).selectOption({ label: 'Sum' });
    await editor.getByLabel('Field to measure').selectOption({ label: 'Payout' });
    await editor.getByLabel('Group by').selectOption({ label: 'Period end' });
    await editor.getByLabel('Chart').selectOption({ label: 'Bar' });
    await ann.getByTestId('designer-grid').getByTestId('designer-w1').locator('canvas').waitFor();
    await ann.getByRole('button', { name: 'Save dashboard' }).click();
    await ann.getByRole('heading', { name: 'My payouts' }).waitFor();
    const name = new URL(ann.url()).pathname.split('/').pop()!;
    const saved = (await callApi(h, await signIn(h, people.ann!.email), 'GET', `/analytics/dashboards/${name}`)).body.data;
    expect(saved.widgets[0].question).toMatchObject({ object: 'incentives.payout', groups: [{ field: 'period_end', bucket: 'month' }], measures: [{ op: 'sum', field: 'payout' }] });
    expect(problemsOf(ann)).toEqual([]);
    await ann.context().close();
  });
});
