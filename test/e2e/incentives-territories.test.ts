// Browser test of the territory and specialist assignments screen: an admin gives a customer
// (picked like a reference in a record form) to a rep and a product category (offered from the
// products' categories) to a specialist, saves both lists, reloads and finds them; a row ending
// before it starts and a row without a customer are refused by the server, whose messages show
// on the offending cells; finance sees the lists read-only and a rep does not see the screen.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;
let financeEmail: string;
let acme: string;

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const create = async (object: string, body: Record<string, unknown>) => {
    const res = await callApi(h, admin, 'POST', `/objects/${object}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  acme = await create('customer', { name: 'Acme' });
  await create('customer', { name: 'Umbrella' });
  await create('product', { name: 'Server', category: 'hardware' });
  await create('product', { name: 'Suite', category: 'software' });
  financeEmail = `finance@${h.tenant}.test`;
  const fin = await create('user', { name: 'Fay Finance', email: financeEmail, role: 'finance', active: true });
  expect((await callApi(h, admin, 'PUT', `/auth/users/${fin}/password`, { password: PASSWORD })).status).toBeLessThan(300);
});

const territories = (page: Page) => page.getByTestId('keyed-territories');
const specialists = (page: Page) => page.getByTestId('keyed-specialists');
const flagged = (page: Page, path: string) => page.locator(`[data-path="${path}"][aria-invalid="true"]`);

describe('territory and specialist assignments', () => {
  it('an admin assigns a customer to a rep and a category to a specialist; they persist; a bad row is refused on its cells', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Territories & specialists');
    await page.getByRole('heading', { name: 'Territories & specialists', level: 1 }).waitFor();

    const terr = territories(page);
    await terr.getByText('No assignments yet.').waitFor();
    await terr.getByRole('button', { name: '+ Row' }).click();
    // The customer is picked with the record forms' lookup (search + select).
    await terr.getByLabel('Customer of row 1', { exact: true }).selectOption({ label: 'Acme' });
    await terr.getByLabel('Payee of row 1').selectOption({ label: 'Ray Rep' });
    await terr.getByLabel('From of row 1').fill('2026-01-01');
    await terr.getByRole('button', { name: 'Save territories' }).click();
    await terr.getByText(/^Saved; \d+ sales recredited\.$/).waitFor();

    const spec = specialists(page);
    await spec.getByRole('button', { name: '+ Row' }).click();
    // The categories offered are the products' categories.
    const offered = await page.locator('datalist#inc-product-categories option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(expect.arrayContaining(['hardware', 'software', 'service', 'consumable']));
    await spec.getByLabel('Product category of row 1').fill('software');
    await spec.getByLabel('Payee of row 1').selectOption({ label: 'Ada Admin' });
    await spec.getByLabel('From of row 1').fill('2026-02-01');
    await spec.getByLabel('To of row 1').fill('2026-12-31');
    await spec.getByRole('button', { name: 'Save specialists' }).click();
    await spec.getByText(/^Saved; \d+ sales recredited\.$/).waitFor();
    await shot(page, 'territories-saved');

    // Stored: the API returns them, and a reload shows them.
    const admin = await signIn(h, h.admin.email);
    expect((await callApi(h, admin, 'GET', '/incentives/territories')).body.data).toEqual([{ customerId: acme, payeeId: h.rep.id, from: '2026-01-01', to: null }]);
    expect((await callApi(h, admin, 'GET', '/incentives/specialists')).body.data).toEqual([{ category: 'software', payeeId: h.admin.id, from: '2026-02-01', to: '2026-12-31' }]);
    await page.reload();
    // A stored customer shows its title; the lookup opens on click, with it selected.
    const stored = territories(page).getByRole('button', { name: 'Customer of row 1: Acme' });
    await stored.waitFor();
    expect(await stored.innerText()).toBe('Acme');
    expect(await territories(page).getByLabel('Payee of row 1').locator('option:checked').innerText()).toBe('Ray Rep');
    expect(await territories(page).getByLabel('From of row 1').inputValue()).toBe('2026-01-01');
    expect(await territories(page).getByLabel('To of row 1').inputValue()).toBe('');
    await expect.poll(() => specialists(page).getByLabel('Product category of row 1').inputValue()).toBe('software');
    expect(await specialists(page).getByLabel('Payee of row 1').locator('option:checked').innerText()).toBe('Ada Admin');
    expect(await specialists(page).getByLabel('To of row 1').inputValue()).toBe('2026-12-31');
    await stored.click();
    const picker = territories(page).getByLabel('Customer of row 1', { exact: true });
    await expect.poll(() => picker.locator('option:checked').innerText()).toBe('Acme');
    await expect.poll(() => picker.evaluate((el) => el === document.activeElement)).toBe(true);

    // A row ending before it starts and a row without a customer: the server's messages on their cells.
    const again = territories(page);
    await again.getByRole('button', { name: '+ Row' }).click();
    await again.getByLabel('Customer of row 2', { exact: true }).selectOption({ label: 'Umbrella' });
    await again.getByLabel('Payee of row 2').selectOption({ label: 'Ray Rep' });
    await again.getByLabel('From of row 2').fill('2026-06-30');
    await again.getByLabel('To of row 2').fill('2026-06-01');
    await again.getByRole('button', { name: '+ Row' }).click();
    await again.getByLabel('Payee of row 3').selectOption({ label: 'Ada Admin' });
    await again.getByLabel('From of row 3').fill('2026-03-01');
    await again.getByRole('button', { name: 'Save territories' }).click();
    await flagged(page, '/territories/1/to').waitFor();
    const toCell = again.getByTestId('keyed-row').nth(1).locator('td').nth(3);
    expect(await toCell.getByTestId('cell-issue').innerText()).toBe('must be on or after the start');
    const customerCell = again.getByTestId('keyed-row').nth(2).locator('td').first();
    expect(await customerCell.getByTestId('cell-issue').innerText()).toBe('is required');
    expect(await customerCell.getByLabel('Customer of row 3', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await again.getByTestId('cell-issue').count()).toBe(2);
    await again.getByText('Fix the highlighted cells first.').waitFor();
    await shot(page, 'territories-refused');
    // Nothing of the refused list was stored.
    expect((await callApi(h, admin, 'GET', '/incentives/territories')).body.data).toHaveLength(1);
    // Fixing the date clears the finding on that cell.
    await again.getByLabel('To of row 2').fill('2026-07-31');
    expect(await flagged(page, '/territories/1/to').count()).toBe(0);
    expect(problemsOf(page)).toEqual([]);
  });

  it('finance sees the assignments read-only; a rep does not see the screen', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, financeEmail);
    await navigate(page, 'Territories & specialists');
    await page.getByTestId('keyed-readonly').waitFor();
    const terr = territories(page);
    const customer = terr.getByRole('button', { name: 'Customer of row 1: Acme' });
    await customer.waitFor();
    expect(await customer.isDisabled()).toBe(true);
    expect(await terr.getByLabel('Payee of row 1').isDisabled()).toBe(true);
    expect(await terr.getByLabel('From of row 1').isDisabled()).toBe(true);
    expect(await specialists(page).getByLabel('Product category of row 1').isDisabled()).toBe(true);
    expect(await specialists(page).getByLabel('Product category of row 1').inputValue()).toBe('software');
    expect(await page.getByRole('button', { name: /^Save / }).count()).toBe(0);
    expect(await page.getByRole('button', { name: '+ Row' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove row/ }).count()).toBe(0);
    await shot(page, 'territories-finance');
    // Finance also finds period close and what-if (it approves and closes the periods).
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    expect(await nav.getByRole('link', { name: 'Period close' }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: 'What-if' }).count()).toBe(1);
    expect(problemsOf(page)).toEqual([]);

    const rep = await newPage(browser, 1280, 900);
    await login(rep, h, h.rep.email);
    expect(await rep.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Territories & specialists' }).count()).toBe(0);
    // The API refuses a rep too.
    expect((await callApi(h, await signIn(h, h.rep.email), 'GET', '/incentives/territories')).status).toBe(403);
  });
});
