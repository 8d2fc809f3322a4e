// Browser end-to-end tests of the admin and keyboard flows: CSV import with mapping, dry run and
// upsert; editing a role's permission matrix; export obeying RBAC; revision diff and rollback;
// inviting a user who then signs in; keyboard navigation of lists and dialogs; phone and dark.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

const csv = (lines: string[]) => ({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`, 'utf8') });

async function importCsv(page: Page, lines: string[]): Promise<void> {
  await page.goto(`${h.url}/o/customer/import`);
  await page.getByLabel('CSV or Excel (.xlsx) file').setInputFiles(csv(lines));
  await page.getByText(`customers.csv: ${lines.length - 1} rows`).waitFor();
}

/** The text of the CSV a click on "Export CSV" downloads. */
async function exportCsv(page: Page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const path = await download.path();
  return readFileSync(path, 'utf8');
}

/** Clicks a role's tab and waits until it is the selected one (the matrix then shows that role). */
async function selectTab(page: Page, name: string): Promise<void> {
  const tab = page.getByRole('tab', { name });
  await tab.click();
  await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
}

describe('studio admin flows in a browser', () => {
  it('imports a CSV with column mapping, a dry-run report and an upsert', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await importCsv(page, ['Ext ID,Customer name,Industry,Annual revenue', 'C-001,Acme Trading,retail,1200000.50', 'C-002,Borealis Tech,technology,880000', 'C-003,,spaceflight,10']);
    // "Industry" matches a field label by itself; the other two columns are mapped by hand.
    expect(await page.getByLabel('Field for column Industry').inputValue()).toBe('industry');
    await page.getByLabel('Field for column Ext ID').selectOption({ label: 'External ID (match key)' });
    await page.getByLabel('Field for column Customer name').selectOption({ label: 'Name' });
    await page.getByLabel('Field for column Annual revenue').selectOption({ label: 'Annual revenue' });
    await shot(page, 'import-mapping');
    await page.getByRole('button', { name: 'Check rows (dry run)' }).click();
    await page.getByText('2 rows ready').waitFor();
    await page.getByText('1 rows with problems').waitFor();
    const problems = page.getByRole('row', { name: /^4 / });
    expect(await problems.innerText()).toMatch(/Name: is required/);
    expect(await problems.innerText()).toMatch(/Industry: is not one of the allowed values/);
    await page.getByRole('heading', { name: '3. Check and import' }).scrollIntoViewIfNeeded();
    await shot(page, 'import-dry-run');
    await page.getByRole('button', { name: 'Import 2 rows' }).click();
    await page.getByText('2 rows imported.').waitFor();

    // Importing again matches rows by external id: Acme is updated, not duplicated.
    await importCsv(page, ['external_id,name,industry', 'C-001,Acme Trading,healthcare']);
    expect(await page.getByLabel('Field for column external_id').inputValue()).toBe('external_id');
    await page.getByRole('button', { name: 'Check rows (dry run)' }).click();
    await page.getByRole('button', { name: 'Import 1 rows' }).click();
    await page.getByText('1 rows imported.').waitFor();
    await page.getByRole('link', { name: 'View all' }).click();
    await page.getByLabel('Search', { exact: true }).fill('Acme');
    await page.getByLabel('Search', { exact: true }).press('Enter');
    const body = page.locator('table.data tbody');
    await expect.poll(() => body.locator('tr').count()).toBe(1);
    expect(await body.innerText()).toMatch(/healthcare/i);
    await shot(page, 'import-upserted-list');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('imports a plain sheet without External IDs as new records', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await importCsv(page, ['Name,Industry', 'Plain Goods,retail', 'Plain Health,healthcare', 'Plain Tech,technology']);
    await page.getByLabel('Field for column Name').selectOption({ label: 'Name' });
    await page.getByRole('button', { name: 'Check rows (dry run)' }).click();
    await page.getByText('3 rows ready').waitFor();
    await page.getByRole('button', { name: 'Import 3 rows' }).click();
    await page.getByText('3 created, 0 matched by External ID, 0 failed.').waitFor();
    await page.getByRole('link', { name: 'View all' }).click();
    await page.getByLabel('Search', { exact: true }).fill('Plain');
    await page.getByLabel('Search', { exact: true }).press('Enter');
    await expect.poll(() => page.locator('table.data tbody tr').count()).toBe(3);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('walks a list with the keyboard, with visible focus, and names a view in a dialog', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Customers');
    const links = page.locator('table.data tbody a.row-link');
    await expect.poll(() => links.count()).toBeGreaterThanOrEqual(2);
    // Tab from the search box until focus reaches the first row.
    await page.getByLabel('Search', { exact: true }).focus();
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.classList.contains('row-link'))) break;
    }
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    const names = await links.allInnerTexts();
    expect(await focused()).toBe(names[0]);
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { width: parseFloat(style.outlineWidth), style: style.outlineStyle, row: getComputedStyle(el.closest('tr') as HTMLElement).backgroundColor };
    });
    expect(outline.style).toBe('solid');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    expect(outline.row).not.toBe('rgba(0, 0, 0, 0)');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(names[1]);
    await page.keyboard.press('End');
    expect(await focused()).toBe(names[names.length - 1]);
    await page.keyboard.press('Home');
    expect(await focused()).toBe(names[0]);
    await shot(page, 'list-keyboard-focus');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: names[0] }).waitFor();

    // Saving a view asks for its name in a modal dialog: focus moves in, Escape leaves.
    await page.goBack();
    await page.getByRole('button', { name: 'Save view' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save view' });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await dialog.getByLabel('Name of this view').getAttribute('id'));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.keyboard.press('Enter');
    await dialog.getByText('Enter a value.').waitFor();
    await page.keyboard.type('My customers');
    await shot(page, 'dialog-save-view');
    await page.keyboard.press('Enter');
    await page.getByText('View “My customers” saved.').waitFor();
    expect(await page.getByLabel('Saved views').locator('option').allInnerTexts()).toContain('My customers');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it("edits a role's permission matrix and applies it; the rep's export then lacks the hidden field", async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Roles & permissions');
    await selectTab(page, 'Sales rep');
    const exportBox = page.getByRole('checkbox', { name: 'Customer: Export' });
    await expect.poll(() => exportBox.isChecked()).toBe(false);
    await exportBox.check();
    await page
      .getByRole('row', { name: /^Customer/ })
      .getByRole('button', { name: /^Fields/ })
      .click();
    await page.getByRole('checkbox', { name: 'Annual revenue: Hidden' }).check();
    await shot(page, 'roles-matrix-edited');
    await page.getByRole('button', { name: 'Save and apply' }).click();
    await page.getByText('Role saved and applied.').waitFor();
    expect(await page.getByTestId('plan-steps').innerText()).toMatch(/Update role “rep”/);
    await shot(page, 'roles-applied');

    // The admin's export has every column.
    await navigate(page, 'Customers');
    const adminCsv = await exportCsv(page);
    expect(adminCsv.split(/\r?\n/)[0]).toContain('annual_revenue');
    await page.context().close();

    // The rep now may export customers, without the hidden column and without others' records.
    const rep = await newPage(browser, 1280, 900);
    await login(rep, h, h.rep.email);
    await navigate(rep, 'Customers');
    await rep.getByRole('link', { name: 'New' }).click();
    await rep.getByLabel(/^Name/).fill('Rep Prospect');
    await rep.getByRole('button', { name: 'Save' }).click();
    await rep.getByRole('heading', { name: 'Rep Prospect' }).waitFor();
    await rep.getByRole('link', { name: 'Customers' }).first().click();
    expect(await rep.getByRole('columnheader', { name: 'Annual revenue' }).count()).toBe(0);
    const repCsv = await exportCsv(rep);
    const [header, ...rows] = repCsv.trim().split(/\r?\n/);
    expect(header).toContain('name');
    expect(header).not.toContain('annual_revenue');
    expect(rows.join('\n')).toContain('Rep Prospect');
    expect(rows.join('\n')).not.toContain('Acme Trading');
    await shot(rep, 'rep-export');
    expect(problemsOf(rep)).toEqual([]);
    await rep.context().close();
  });

  it("shows a revision's diff and rolls back to the one before it", async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'Metadata history');
    const current = page.locator('tbody tr').filter({ hasText: 'current' });
    const n = Number((await current.getByRole('button', { name: /^#\d+$/ }).innerText()).slice(1));
    expect(n).toBeGreaterThanOrEqual(2);
    await current.getByRole('button', { name: `#${n}` }).click();
    await page.getByRole('heading', { name: `Changes in revision ${n}` }).waitFor();
    const diff = page.getByLabel('Changes of role rep');
    await diff.waitFor();
    expect(await diff.locator('.add').allInnerTexts()).toContainEqual(expect.stringContaining('"annual_revenue"'));
    await shot(page, 'revisions-diff');

    await page
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: `#${n - 1}`, exact: true }) })
      .getByRole('button', { name: 'Roll back to this' })
      .click();
    const dialog = page.getByRole('dialog', { name: `Roll back to revision ${n - 1}?` });
    await dialog.waitFor();
    await shot(page, 'revisions-rollback-dialog');
    await dialog.getByRole('button', { name: 'Roll back to this' }).click();
    await page.getByText(`Rolled back to revision ${n - 1}.`).waitFor();
    await page.getByRole('button', { name: `#${n + 1}` }).waitFor();

    // The rep role is as it was before the edit.
    await navigate(page, 'Roles & permissions');
    await selectTab(page, 'Sales rep');
    await expect.poll(() => page.getByRole('checkbox', { name: 'Customer: Read' }).isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('checkbox', { name: 'Customer: Export' }).isChecked()).toBe(false);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('invites a user with a password that meets the policy; the user signs in', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await navigate(page, 'User management');
    await page.getByRole('button', { name: 'Invite user' }).click();
    const form = page.getByRole('form', { name: 'Invite user' });
    const email = `nina@${h.tenant}.test`;
    await form.getByLabel('Name').fill('Nina New');
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Role').selectOption({ label: 'Sales rep' });
    await form.getByLabel('Org unit').selectOption({ label: 'East region' });
    await form.getByLabel('Initial password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByText('Use at least 10 characters.').waitFor();
    await shot(page, 'users-invite-policy');
    await form.getByLabel('Initial password').fill('Nina-first-pass');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`Nina New can now sign in with the email ${email}.`).waitFor();
    await page.getByRole('link', { name: 'Nina New' }).waitFor();

    // The admin sets a new password in a dialog; the server's policy is shown on the field.
    await page.getByRole('button', { name: 'Set a new password for Nina New' }).click();
    const dialog = page.getByRole('dialog', { name: 'Set a new password for Nina New' });
    await dialog.getByLabel('New password').fill(email);
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('The password must not be the email address.').waitFor();
    await shot(page, 'users-reset-dialog');
    await dialog.getByLabel('New password').fill('Nina-second-pass');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Password of Nina New set. Their open sessions have ended.').waitFor();
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();

    const nina = await newPage(browser, 1280, 800);
    await login(nina, h, email, 'Nina-second-pass');
    await nina.getByRole('heading', { name: 'Welcome, Nina New' }).waitFor();
    await nina.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Customers' }).waitFor();
    expect(await nina.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'User management' }).count()).toBe(0);
    await nina.context().close();
  });

  it('creates a role and an org unit through dialogs on a 375 px phone in dark mode', async () => {
    const page = await newPage(browser, 375, 812, 'dark');
    await login(page, h, h.admin.email);
    await navigate(page, 'Roles & permissions', true);
    await page.getByRole('button', { name: 'New role' }).click();
    const dialog = page.getByRole('dialog', { name: 'New role' });
    await dialog.getByLabel('API name').fill('Sales Ops');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText(/Start with a lower-case letter/).waitFor();
    await shot(page, 'mobile-dark-new-role-dialog');
    await dialog.getByLabel('API name').fill('sales_ops');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('tab', { name: /sales_ops/ }).waitFor();
    await page.getByRole('checkbox', { name: 'Customer: Read' }).check();
    await page.getByRole('button', { name: 'Save and apply' }).click();
    await page.getByText('Role saved and applied.').waitFor();
    await page.getByRole('tab', { name: 'sales_ops', exact: true }).waitFor();

    await navigate(page, 'Organization', true);
    const east = page.getByRole('treeitem', { name: /East region/ }).first();
    await east.getByRole('button', { name: 'Add sub-unit' }).click();
    const unit = page.getByRole('dialog', { name: 'New sub-unit of East region' });
    await unit.getByLabel('Unit name').fill('East 2');
    await shot(page, 'mobile-dark-org-dialog');
    await unit.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('tree').locator('strong', { hasText: 'East 2' }).waitFor();
    await shot(page, 'mobile-dark-org');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('words the migration plan in Chinese', async () => {
    const page = await newPage(browser, 1280, 900);
    await login(page, h, h.admin.email);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.goto(`${h.url}/admin/objects/customer`);
    await page.getByLabel('显示名称 (English)', { exact: true }).fill('Client');
    await page.getByRole('button', { name: '预览变更' }).click();
    const steps = page.getByTestId('plan-steps');
    await steps.waitFor();
    expect(await steps.innerText()).toContain('更新对象“customer”（仅标签和设置，不改数据库）');
    await page.getByRole('heading', { name: '迁移计划' }).scrollIntoViewIfNeeded();
    await shot(page, 'zh-CN-plan');
    await page.context().close();
  });
});
