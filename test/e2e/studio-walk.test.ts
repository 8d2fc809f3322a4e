// The studio walk (issue #16): every screen each role can reach — admin, manager, rep, finance —
// opened at 1440 px and on a 375 px phone, and in Chinese, over a tenant with a template's data:
// the navigation's screens, every kind of screen linked from them (records, edit and new forms,
// imports, designers), and each form or dialog a button opens in place (`data-opens-form`).
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

// Links the walk does not follow: downloads, the API, signing out.
const NOT_A_SCREEN = /^\/(api|auth|graphql)\b|\/(logout|sign-?out)$|\.(csv|xlsx|pdf|png|json|zip)$/;

/** A path's kind: ids (uuids, numbers) replaced, so one screen of each kind is walked, not every record. */
function kindOf(path: string): string {
  return path
    .split('/')
    .map((seg) => (/^\d+$/.test(seg) || (seg.length >= 8 && /\d/.test(seg) && /^[0-9a-z-]+$/i.test(seg)) ? ':id' : seg))
    .join('/');
}

/** The in-app links on the open screen's main area, as paths, in order. */
async function linksOn(page: Page): Promise<string[]> {
  const hrefs = await page.locator('main a[href]:not([download]):not([target=_blank])').evaluateAll((links) =>
    links
      .map((a) => new URL((a as HTMLAnchorElement).href))
      .filter((u) => u.origin === location.origin)
      .map((u) => u.pathname),
  );
  return hrefs.filter((p) => !NOT_A_SCREEN.test(p));
}

/**
 * The screens to walk, found while walking: the navigation's, then every kind of screen linked
 * from them, two links deep (a list → a record → its edit form; a designer → a new object) —
 * forms and designers the navigation does not list. At most three screens per parent path
 * (three plans, not all of them).
 */
class Crawl {
  readonly paths: string[];
  private readonly depth = new Map<string, number>();
  private readonly kinds: Set<string>;
  private readonly perParent = new Map<string, number>();
  constructor(start: string[]) {
    this.paths = [...start];
    this.kinds = new Set(start.map(kindOf));
    for (const p of start) this.depth.set(p, 0);
  }
  /** Adds the links of `from` (open now) that are a new kind of screen. */
  async follow(page: Page, from: string): Promise<void> {
    const depth = this.depth.get(from) ?? 2;
    if (depth >= 2 || this.paths.length >= 160) return;
    for (const link of await linksOn(page)) {
      const kind = kindOf(link);
      const parent = kind.slice(0, kind.lastIndexOf('/'));
      if (this.kinds.has(kind) || (this.perParent.get(parent) ?? 0) >= 3) continue;
      this.kinds.add(kind);
      this.perParent.set(parent, (this.perParent.get(parent) ?? 0) + 1);
      this.depth.set(link, depth + 1);
      this.paths.push(link);
    }
  }
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
  // The first walk of a role finds its screens; the others walk the same list.
  const crawl = paths ? undefined : new Crawl(await navPaths(page));
  const walked = paths ?? (crawl as Crawl).paths;
  const findings: Finding[] = [];
  const check = async (where: string) => {
    const f = await checkScreen(page, { chinese, englishAllowed: ENGLISH_ALLOWED });
    const problems = [
      ...problemsOf(page).slice(before),
      ...(f.overflow ? [`scrolls sideways: ${f.overflow} px wide (${f.wide.join(', ')})`] : []),
      ...f.smallTargets.map((t) => `tap target under 24 px: ${t}`),
      ...f.rawIds.map((t) => `raw id: ${t}`),
      ...f.english.map((t) => `not translated: ${t}`),
    ];
    if (problems.length > 0) findings.push({ where: `${role} ${width}px${chinese ? ' zh-CN' : ''} ${where}`, problems });
  };
  let before = 0;
  for (const path of walked) {
    before = problemsOf(page).length;
    await open(page, path);
    await check(path);
    await crawl?.follow(page, path);
    // Forms and dialogs a button opens in place (marked `data-opens-form`): each opened and checked too.
    const openers = await page.locator('main [data-opens-form]:not([disabled])').count();
    for (let i = 0; i < Math.min(openers, 3); i++) {
      if (i > 0) await open(page, path);
      before = problemsOf(page).length;
      const opener = page.locator('main [data-opens-form]:not([disabled])').nth(i);
      if (!(await opener.isVisible())) continue;
      await opener.click();
      await page.waitForLoadState('networkidle');
      await check(`${path} → form ${i + 1}`);
    }
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

// The roles walk at the same time, each in its own browser context: most of a screen's time is
// waiting for the network to settle, so four walks take little longer than the admin's alone.
describe.concurrent('the studio walk', () => {
  for (const [index, role] of ['admin', 'manager', 'rep', 'finance'].entries()) {
    it(`${role}: every screen at 1440 px, at 375 px and in Chinese is clean`, async () => {
      const [, email] = roles()[index] as [string, string];
      const desktop = await walk(role, email, 1440, false);
      expect(desktop.paths.length).toBeGreaterThan(role === 'admin' ? 15 : 4);
      const phone = await walk(role, email, 375, false, desktop.paths);
      const chinese = await walk(role, email, 1440, true, desktop.paths);
      const all = [...desktop.findings, ...phone.findings, ...chinese.findings];
      expect(all, JSON.stringify(all, null, 1)).toEqual([]);
    }, 900_000);
  }
});
