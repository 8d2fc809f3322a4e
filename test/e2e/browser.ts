// Browser helpers shared by the e2e files: a Chromium (see chromium.ts for which one) through
// playwright-core, one context per test, page errors collected, screenshots into
// test-artifacts/e2e/.
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from './chromium.ts';
import { ARTIFACTS, PASSWORD, type Harness } from './harness.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, env } = await findChromium();
  return chromium.launch({ executablePath, args: ARGS, env: { ...process.env, ...env } });
}

const problems = new WeakMap<Page, string[]>();

export async function newPage(browser: Browser, width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'en-US', colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const list: string[] = [];
  page.on('pageerror', (e) => list.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) list.push(`console: ${m.text()}`);
  });
  problems.set(page, list);
  return page;
}

export function problemsOf(page: Page): string[] {
  return problems.get(page) ?? [];
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

export async function login(page: Page, h: Harness, email: string, password = PASSWORD): Promise<void> {
  await page.goto(h.url);
  await page.getByLabel('Workspace').fill(h.tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
}

/** Opens a navigation entry; on a phone through the menu button. */
export async function navigate(page: Page, name: string, mobile = false): Promise<void> {
  if (mobile) await page.getByRole('button', { name: 'Open menu' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true }).click();
}
