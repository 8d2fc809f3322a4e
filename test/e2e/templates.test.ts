// Browser test of the template gallery: an admin installs a template from the studio (the plan
// first, then the install with its sample data), and upgrades another that the tenant customised:
// the field both changed is listed with the installed, the tenant's and the new value, the upgrade
// waits for a choice, keeps the tenant's value when asked to, and a rollback returns to the
// customised earlier version.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

type Doc = { kind: string; id: string; label?: { en: string; 'zh-CN'?: string } } & Record<string, unknown>;

/** The tenant's metadata documents at its current revision, as the API serves them. */
async function documentsNow(token: string): Promise<Doc[]> {
  const revision = (await callApi(h, token, 'GET', '/metadata/objects')).body.revision as number;
  return (await callApi(h, token, 'GET', `/metadata/revisions/${revision}`)).body.docs as Doc[];
}

describe('template gallery', () => {
  it('installs a template with its plan shown first and its sample data loaded', async () => {
    const page = await newPage(browser, 1280, 1000);
    await login(page, h, h.admin.email);
    await navigate(page, 'Templates');
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    const card = page.getByTestId('template-insurance');
    await card.getByRole('heading', { name: /Insurance/ }).waitFor();
    await card.getByRole('button', { name: 'Install…' }).click();
    const plan = card.getByTestId('template-plan-insurance');
    await plan.getByTestId('plan-steps').waitFor();
    expect(await plan.getByTestId('plan-steps').innerText()).toMatch(/insurance|policy|licen[cs]e/i);
    await shot(page, 'templates-install-plan');
    // Nothing was applied by showing the plan.
    const token = await signIn(h, h.admin.email);
    expect((await callApi(h, token, 'GET', '/templates')).body.installed).toEqual([]);

    await plan.getByRole('button', { name: 'Accept and install' }).click();
    await page
      .getByRole('status')
      .getByText(/Installed Insurance agency 1\.0\.0: loaded .*\d+ order\b/)
      .waitFor();
    await card.getByText('installed 1.0.0').waitFor();
    const gallery = (await callApi(h, token, 'GET', '/templates')).body;
    expect(gallery.installed.map((i: { name: string; version: string }) => `${i.name}@${i.version}`)).toEqual(['insurance@1.0.0']);
    const orders = await callApi(h, token, 'GET', '/objects/order?limit=1&count=true');
    expect(orders.status).toBe(200);
    expect(orders.body.total).toBeGreaterThan(0);
    // A first install is no upgrade: there is nothing to roll back.
    expect(await card.getByRole('button', { name: 'Roll back the upgrade' }).count()).toBe(0);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('upgrades a customised template: the conflict is chosen field by field, then rolled back', async () => {
    const token = await signIn(h, h.admin.email);
    // v0.9.0 of fmcg as a partner shipped it before: one KPI had another label.
    const shipped = (await callApi(h, token, 'GET', '/templates/fmcg')).body as { manifest: Record<string, unknown>; documents: Doc[]; data: Record<string, unknown> };
    const kpi = shipped.documents.find((d) => d.id === 'fmcg.kpi.sell_in') as Doc;
    const newLabel = kpi.label?.en;
    const old = structuredClone(shipped);
    old.manifest.version = '0.9.0';
    (old.documents.find((d) => d.id === kpi.id) as Doc).label = { en: 'Sell-in (old)', 'zh-CN': '进货额（旧）' };
    const installed = await callApi(h, token, 'POST', '/templates/fmcg/install', { package: old, accept: true, data: false });
    expect(installed.status, JSON.stringify(installed.body)).toBe(200);
    // The tenant renames the same KPI its own way.
    const mine = structuredClone((await documentsNow(token)).find((d) => d.id === kpi.id) as Doc);
    mine.label = { en: 'Distributor purchases', 'zh-CN': '经销商进货' };
    const customised = await callApi(h, token, 'POST', '/metadata/apply', { documents: [mine] });
    expect(customised.status, JSON.stringify(customised.body)).toBe(200);

    const page = await newPage(browser, 1280, 1000);
    await login(page, h, h.admin.email);
    await navigate(page, 'Templates');
    const card = page.getByTestId('template-fmcg');
    await card.getByText('installed 0.9.0').waitFor();
    await card.getByRole('button', { name: 'Upgrade to 1.0.0…' }).click();
    const upgrade = card.getByTestId('template-upgrade');
    await upgrade.getByRole('heading', { name: 'Upgrade from 0.9.0 to 1.0.0' }).waitFor();
    const conflicts = upgrade.getByTestId('template-conflicts');
    // Each language of the label is its own field: the tenant and the new version changed both.
    const row = conflicts.getByRole('row', { name: /fmcg\.kpi\.sell_in › label › en/ });
    const rowZh = conflicts.getByRole('row', { name: /fmcg\.kpi\.sell_in › label › zh-CN/ });
    await row.waitFor();
    expect(await conflicts.locator('tbody tr').count()).toBe(2);
    expect(await row.innerText()).toContain('Sell-in (old)');
    expect(await row.innerText()).toContain('Distributor purchases');
    expect(await row.innerText()).toContain(String(newLabel));
    const accept = upgrade.getByRole('button', { name: 'Accept upgrade' });
    expect(await accept.isDisabled()).toBe(true);
    await shot(page, 'templates-upgrade-conflicts');
    await row.getByLabel(/Keep mine/).check();
    await upgrade.getByText(/^Still to choose: 1 of the fields above/).waitFor();
    expect(await accept.isDisabled()).toBe(true);
    await rowZh.getByLabel(/Take the template/).check();
    await expect.poll(() => accept.isDisabled()).toBe(false);
    await accept.click();
    await page
      .getByRole('status')
      .getByText(/Upgraded fmcg to 1\.0\.0/)
      .waitFor();
    await card.getByText('installed 1.0.0').waitFor();
    const kpiNow = async () => (await documentsNow(token)).find((d) => d.id === kpi.id)?.label?.en;
    const kpiNowZh = async () => (await documentsNow(token)).find((d) => d.id === kpi.id)?.label?.['zh-CN'];
    expect(await kpiNow()).toBe('Distributor purchases');
    expect(await kpiNowZh()).toBe('进货额（Sell-in）');

    await card.getByRole('button', { name: 'Roll back the upgrade' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back the upgrade' }).click();
    await page.getByRole('status').getByText('Rolled back fmcg to 0.9.0.').waitFor();
    await card.getByText('installed 0.9.0').waitFor();
    // The customised 0.9.0 as it was: the tenant's labels in both languages.
    expect(await kpiNow()).toBe('Distributor purchases');
    expect(await kpiNowZh()).toBe('经销商进货');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
