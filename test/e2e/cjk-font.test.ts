// Chinese on a machine without a CJK font (issue #16): the browser the tests use has none, so the
// studio's own subset of Noto Sans SC must load and draw the Chinese screens.
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Harness } from './harness.ts';
import { login, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;

studioSuite((s) => {
  ({ h, browser } = s);
});

describe('the CJK web font', () => {
  it('loads for Chinese text and draws it', async () => {
    const page = await newPage(browser, 1280, 800);
    await login(page, h, h.admin.email);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('navigation', { name: '主导航' }).waitFor();
    await page.waitForFunction(() => [...document.fonts].some((f) => f.family.includes('Attain CJK') && f.status === 'loaded'));
    // The glyphs are the font's: 主 measures as a full-width character, not as a missing-glyph box of another width.
    expect(await page.evaluate(() => document.fonts.check('16px "Attain CJK"', '主导航'))).toBe(true);
    // The language picker names 中文 on every screen, so the face is fetched once and then cached.
    await shot(page, 'cjk-font-zh');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });
});
