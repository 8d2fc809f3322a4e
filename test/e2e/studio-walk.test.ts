// The studio walk (issue #16): every screen each role can reach — admin, manager, rep, finance —
// opened at 1440 px and on a 375 px phone, and in Chinese, over a tenant with a template's data.
// On every screen: no console error, no sideways scrolling, no tap target under 24 px, no raw id
// where a label belongs, and in zh-CN no English left in the screen's own words.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, newPage, problemsOf } from './browser.ts';
import { studioSuite } from './suite.ts';
import { checkScreen } from './walk-checks.ts';

let h: Harness;
let browser: Browser;
const people: Record<string, string> = {};
const PASS = 'Walk-the-studio-1';

// Latin words that stay Latin in Chinese: product and unit names, formats, the template's English
// sample data (people and products are named in both scripts, e.g. "陈静 Chen Jing").
const ENGLISH_ALLOWED = ['English', 'Attain', 'API', 'CSV', 'XLSX', 'PDF', 'PNG', 'KPI', 'SKU', 'CNY', 'USD', 'EUR', 'GraphQL', 'REST', 'JSON', 'ID', 'URL', 'PWA'];

studioSuite(async (s) => {
  ({ h, browser } = s);
  const admin = await signIn(h, h.admin.email);
  const installed = await callApi(h, admin, 'POST', '/templates/fmcg/install', { accept: true, data: true });
  if (installed.status !== 200) throw new Error(JSON.stringify(installed.body));
  const users = (await callApi(h, admin, 'GET', '/objects/user?limit=200')).body.data as Array<{ id: string; email: string; role: string }>;
  const manager = users.find((u) => u.role === 'manager');
  const rep = users.find((u) => u.role === 'rep' && u.email.endsWith('fmcg.example'));
  const finance = await callApi(h, admin, 'POST', '/objects/user', { name: 'Fay Finance', email: `finance@${h.tenant}.test`, role: 'finance', active: true });
  if (!manager || !rep || finance.status !== 201) throw new Error('the walk needs a manager, a rep and finance');
  for (const [key, u] of [
    ['manager', manager],
    ['rep', rep],
    ['finance', { id: finance.body.id as string, email: finance.body.email as string }],
  ] as const) {
    const set = await callApi(h, admin, 'PUT', `/auth/users/${u.id}/password`, { password: PASS });
    if (set.status !== 200 && set.status !== 204) throw new Error(JSON.stringify(set.body));
    people[key] = u.email;
  }
  // What the tenant's records say is data, not screen wording: its words may stay as typed.
  const objects = (await callApi(h, admin, 'GET', '/metadata/objects')).body.data as Array<{ name: string }>;
  for (const o of objects) {
    const rows = (await callApi(h, admin, 'GET', `/objects/${o.name}?limit=200`)).body.data as Array<Record<string, unknown>> | undefined;
    for (const row of rows ?? []) for (const v of Object.values(row)) if (typeof v === 'string') ENGLISH_ALLOWED.push(...(v.match(/[A-Za-z]{3,}/g) ?? []));
  }
});

interface Finding {
  where: string;
  problems: string[];
}

/** The links of the main navigation (admin screens included), as paths. */
async function navPaths(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  const hrefs = await nav.locator('a[href]').evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  return [...new Set(hrefs)];
}

/** A record's own page for each list that has a record (the first row), so detail screens are walked too. */
async function detailPaths(page: Page, lists: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const list of lists.filter((p) => /^\/o\/[a-z_]+$/.test(p)).slice(0, 8)) {
    await open(page, list);
    const first = page.locator(`main a[href^="${list}/"]`).first();
    if ((await first.count()) === 0) continue;
    const href = await first.getAttribute('href');
    if (href && !href.endsWith('/new') && !href.endsWith('/import')) out.push(href);
  }
  return out;
}

async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${h.url}${path}`);
  await page.waitForLoadState('networkidle');
  // Screens that load in steps show a spinner or a "Loading…" line until done.
  await page
    .locator('[aria-busy=true], .loading')
    .first()
    .waitFor({ state: 'detached', timeout: 5_000 })
    .catch(() => undefined);
}

async function walk(role: string, email: string, width: number, chinese: boolean, paths?: string[]): Promise<{ findings: Finding[]; paths: string[] }> {
  const page = await newPage(browser, width, width < 500 ? 800 : 900);
  await login(page, h, email, email === h.admin.email ? undefined : PASS);
  // The language is the browser's choice (kept in local storage); every screen below loads in it.
  if (chinese) await page.evaluate(() => localStorage.setItem('attain.locale', 'zh-CN'));
  let walked = paths;
  if (!walked) {
    const nav = await navPaths(page);
    walked = [...nav, ...(await detailPaths(page, nav))];
  }
  const findings: Finding[] = [];
  for (const path of walked) {
    const before = problemsOf(page).length;
    await open(page, path);
    const f = await checkScreen(page, { chinese, englishAllowed: ENGLISH_ALLOWED });
    const problems = [
      ...problemsOf(page).slice(before),
      ...(f.overflow ? [`scrolls sideways: ${f.overflow} px wide (${f.wide.join(', ')})`] : []),
      ...f.smallTargets.map((t) => `tap target under 24 px: ${t}`),
      ...f.rawIds.map((t) => `raw id: ${t}`),
      ...f.english.map((t) => `not translated: ${t}`),
    ];
    if (problems.length > 0) findings.push({ where: `${role} ${width}px${chinese ? ' zh-CN' : ''} ${path}`, problems });
  }
  await page.context().close();
  return { findings, paths: walked };
}

const roles = () => [
  ['admin', h.admin.email],
  ['manager', people.manager as string],
  ['rep', people.rep as string],
  ['finance', people.finance as string],
];

describe('the studio walk', () => {
  for (const [index, role] of ['admin', 'manager', 'rep', 'finance'].entries()) {
    it(`${role}: every screen at 1440 px, at 375 px and in Chinese is clean`, async () => {
      const [, email] = roles()[index] as [string, string];
      const desktop = await walk(role, email, 1440, false);
      expect(desktop.paths.length).toBeGreaterThan(role === 'admin' ? 15 : 4);
      const phone = await walk(role, email, 375, false, desktop.paths);
      const chinese = await walk(role, email, 1440, true, desktop.paths);
      const all = [...desktop.findings, ...phone.findings, ...chinese.findings];
      expect(all, JSON.stringify(all, null, 1)).toEqual([]);
    }, 600_000);
  }
});
