// Browser end-to-end tests of the studio: Chromium (see chromium.ts) driven by playwright-core against a
// real server with a fresh test store. Screenshots go to test-artifacts/e2e/.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, type Harness } from './harness.ts';
import { login as signIn, navigate, newPage as openPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { firstScreenSize } from '../../studio/scripts/size.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
});

const newPage = (width: number, height: number): Promise<Page> => openPage(browser, width, height);
const login = (page: Page, email: string): Promise<void> => signIn(page, h, email);

/**
 * The admin flow: design an object with five fields, read the plan, apply it, add a record
 * through the generated form (first with a value the server rejects), then find it with a filter.
 */
async function designerAndRecordFlow(page: Page, object: string, label: string, mobile: boolean, tag: string): Promise<void> {
  await navigate(page, 'Object designer', mobile);
  await page.getByRole('link', { name: 'New object' }).click();
  await page.getByLabel('Label (English)', { exact: true }).fill(label);
  await page.getByLabel('Label (简体中文)', { exact: true }).fill('项目');
  await page.getByLabel('Plural label (English)').fill(`${label}s`);
  await page.locator('#obj-name').fill(object);
  const fields: Array<[string, string, string]> = [
    ['Title', 'title', 'text'],
    ['Budget', 'budget', 'money'],
    ['Contact email', 'contact_email', 'email'],
    ['Phase', 'phase', 'enum'],
    ['Due date', 'due_date', 'date'],
  ];
  for (const [fieldLabel, name, storage] of fields) {
    await page.locator('#new-field-label').fill(fieldLabel);
    await page.locator('#new-field-name').fill(name);
    await page.locator('#new-field-storage').selectOption(storage);
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByRole('heading', { name: `Field: ${fieldLabel}` }).waitFor();
  }
  // The title is required; the budget may not be negative.
  await page.getByRole('button', { name: /^Title/ }).click();
  await page.getByRole('checkbox', { name: 'Required' }).check();
  await page.getByRole('button', { name: /^Budget/ }).click();
  await page.getByLabel('Minimum').fill('0');
  await shot(page, `${tag}-designer`);

  await page.getByRole('button', { name: 'Preview changes' }).click();
  const steps = page.getByTestId('plan-steps');
  await steps.waitFor();
  await expect.poll(() => steps.locator('li').count()).toBeGreaterThanOrEqual(1);
  expect(await steps.innerText()).toMatch(new RegExp(object));
  await page.getByRole('heading', { name: 'Migration plan' }).scrollIntoViewIfNeeded();
  await shot(page, `${tag}-plan`);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('Applied. The new metadata revision is live.').waitFor();

  // The new object is in the navigation at once, generated from metadata.
  await navigate(page, `${label}s`, mobile);
  await page.getByRole('heading', { name: `${label}s` }).waitFor();
  await page.getByRole('link', { name: 'New' }).click();
  await page.getByLabel(/^Title/).fill(`Apollo ${tag}`);
  await page.getByLabel(/^Budget/).fill('125000.50');
  await page.getByLabel(/^Contact email/).fill('not-an-email');
  await page.getByLabel(/^Phase/).selectOption({ label: 'Option 1' });
  await page.getByRole('button', { name: 'Save' }).click();
  // The server refuses the email; its 422 detail is shown on that field.
  const emailError = page.locator('#root_contact_email__error');
  await emailError.waitFor();
  expect(await emailError.innerText()).toMatch(/email/i);
  await shot(page, `${tag}-server-error`);

  await page.getByLabel(/^Contact email/).fill('pm@example.com');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: `Apollo ${tag}` }).waitFor();
  await shot(page, `${tag}-detail`);

  // A second record, so the filter has something to leave out.
  await page
    .getByRole('link', { name: `${label}s` })
    .first()
    .click();
  await page.getByRole('link', { name: 'New' }).click();
  await page.getByLabel(/^Title/).fill(`Borealis ${tag}`);
  await page.getByLabel(/^Budget/).fill('900');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: `Borealis ${tag}` }).waitFor();

  await page
    .getByRole('link', { name: `${label}s` })
    .first()
    .click();
  await page.getByRole('button', { name: /Filters/ }).click();
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Field', { exact: true }).selectOption({ label: 'Budget' });
  await page.getByLabel('Operator').selectOption('gt');
  await page.getByLabel('Value').fill('1000');
  await page.getByRole('button', { name: 'Apply' }).click();
  const results = mobile ? page.locator('.record-cards') : page.locator('table.data tbody');
  // Both records were listed before the filter: wait for the filtered list, not just any list.
  await expect.poll(() => results.innerText()).not.toContain(`Borealis ${tag}`);
  expect(await results.innerText()).toContain(`Apollo ${tag}`);
  await shot(page, `${tag}-filtered-list`);
}

describe('studio in a browser', () => {
  it('builds a first screen within the 150 kB gzip budget', () => {
    const report = firstScreenSize(join(import.meta.dirname, '../../studio/dist'));
    expect(report.files.length).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  });

  it('rejects a wrong password and logs an admin in', async () => {
    const page = await newPage(1280, 800);
    await page.goto(h.url);
    await page.getByLabel('Workspace').fill(h.tenant);
    await page.getByLabel('Email').fill(h.admin.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong workspace, email or password.').waitFor();
    await shot(page, 'login-failed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Ada Admin' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Opportunities' }).waitFor();
    await nav.getByRole('link', { name: 'Object designer' }).waitFor();
    await shot(page, 'home-admin');
    // The session (an HttpOnly cookie) survives a reload and a new tab, and no script can read it.
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome, Ada Admin' }).waitFor();
    expect(await page.evaluate(() => document.cookie)).not.toContain('attain_session');
    const tab = await page.context().newPage();
    await tab.goto(`${h.url}/admin/users`);
    await tab.getByRole('link', { name: 'Ray Rep' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // Signed out everywhere: the other tab's next load asks to sign in.
    await tab.reload();
    await tab.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('designs an object, applies the plan, adds a record and filters the list (desktop)', async () => {
    const page = await newPage(1280, 900);
    await login(page, h.admin.email);
    await designerAndRecordFlow(page, 'project', 'Project', false, 'desktop');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('does the same on a 375 px phone', async () => {
    const page = await newPage(375, 812);
    await login(page, h.admin.email);
    // Navigation is collapsed into a menu.
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).isVisible()).toBe(false);
    await shot(page, 'mobile-home');
    await page.getByRole('button', { name: 'Open menu' }).click();
    await shot(page, 'mobile-menu');
    await page.getByRole('button', { name: 'Close menu' }).click();
    await designerAndRecordFlow(page, 'campaign', 'Campaign', true, 'mobile');
    // Nothing overflows the phone's width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('renders the admin screens: history with a diff, roles matrix, users, org tree, chart', async () => {
    const page = await newPage(1280, 900);
    await login(page, h.admin.email);
    // Home's record counts are plain bars (no chart library on the first screen).
    await page.getByRole('list', { name: 'Records per object' }).getByRole('listitem').first().waitFor();
    await shot(page, 'home-chart');
    await navigate(page, 'Metadata history', false);
    await page.getByRole('button', { name: '#1' }).click();
    await page.getByRole('heading', { name: 'Changes in revision 1' }).waitFor();
    await page.locator('pre.diff').first().waitFor();
    await shot(page, 'revisions');
    await navigate(page, 'Roles & permissions', false);
    await page.getByRole('tab', { name: 'Sales rep' }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Customer: Read' }).isChecked()).toBe(true);
    await shot(page, 'roles');
    await navigate(page, 'User management', false);
    await page.getByRole('link', { name: 'Ray Rep' }).waitFor();
    await navigate(page, 'Organization', false);
    await page.getByRole('tree').locator('strong', { hasText: 'East region' }).waitFor();
    await shot(page, 'org');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('switches to zh-CN and shows Chinese labels from metadata and translations', async () => {
    const page = await newPage(1280, 800);
    await login(page, h.admin.email);
    await page.getByLabel('Language').selectOption('zh-CN');
    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '商机' }).waitFor();
    await nav.getByRole('link', { name: '对象设计器' }).waitFor();
    await nav.getByRole('link', { name: '商机' }).click();
    await page.getByRole('columnheader', { name: '金额' }).waitFor();
    await page.getByRole('link', { name: '新建' }).click();
    await page.getByLabel(/^商机名称/).waitFor();
    await shot(page, 'zh-CN-form');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.context().close();
  });

  it('shows a rep only what the rep role may use, in dark mode', async () => {
    const page = await openPage(browser, 1280, 800, 'dark');
    const context = page.context();
    await login(page, h.rep.email);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    // A rep may not read the metadata documents; /metadata/readable-objects gives the rep's navigation.
    await nav.getByRole('link', { name: /^Opportunit/ }).waitFor();
    expect(await nav.getByRole('link', { name: 'Object designer' }).count()).toBe(0);
    await nav.getByRole('link', { name: /^Customer/ }).click();
    await page.getByRole('heading', { name: /^Customer/ }).waitFor();
    await shot(page, 'rep-dark-customers');
    await page.goto(`${h.url}/admin/objects`);
    await page.getByRole('heading', { name: 'You do not have permission to do this.' }).waitFor();
    await context.close();
  });
});
