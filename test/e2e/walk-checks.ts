// What the studio walk (studio-walk.test.ts) checks on every screen, run inside the page: sideways
// overflow, tap targets under 24 px (WCAG 2.2's 2.5.8, with its spacing and inline exceptions),
// raw ids where a label belongs, and, in Chinese, English words left on the screen.
import type { Page } from 'playwright-core';

export interface ScreenFindings {
  overflow: number | null;
  wide: string[];
  smallTargets: string[];
  rawIds: string[];
  english: string[];
}

/**
 * Runs the checks on the page as it is now. `englishAllowed`: words that may stay Latin in Chinese
 * (product names, units, data the tenant typed in English).
 */
export async function checkScreen(page: Page, opts: { chinese: boolean; englishAllowed: string[] }): Promise<ScreenFindings> {
  return page.evaluate(({ chinese, englishAllowed }) => {
    const visible = (el: Element): boolean => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const style = getComputedStyle(el);
      return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0;
    };
    const describe = (el: Element): string => {
      const r = el.getBoundingClientRect();
      const name = (el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? el.getAttribute('name') ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`;
    };
    const doc = document.documentElement;
    // Too wide: the page's width, and the outermost elements that stick out (their parent does not).
    const overflow = doc.scrollWidth > window.innerWidth ? doc.scrollWidth : null;
    const wide: string[] = [];
    if (overflow) {
      // What sticks out and is not inside a box that scrolls or clips it (a table in its own scroll box is fine).
      const clipped = (el: Element): boolean => {
        const position = getComputedStyle(el).position;
        if (position === 'fixed') return false;
        // An absolutely placed element escapes every scroll box below its containing block (the
        // nearest positioned ancestor): only that block and the boxes above it clip it.
        let contained = position !== 'absolute';
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const style = getComputedStyle(a);
          if (!contained && style.position !== 'static') contained = true;
          if (contained && style.overflowX !== 'visible') return true;
        }
        return false;
      };
      for (const el of document.body.querySelectorAll('*')) {
        if (wide.length >= 3) break;
        const right = el.getBoundingClientRect().right;
        if (right > window.innerWidth + 1 && !clipped(el)) wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} → ${Math.round(right)}`);
      }
    }

    // Targets: what a finger or pointer activates. Inline links in a sentence are exempt (2.5.8),
    // as is a small target whose 24 px circle touches no other target (the spacing exception).
    const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab], [role=checkbox]')].filter(
      (el) => visible(el) && !(el as HTMLInputElement).disabled && !el.closest('[aria-hidden=true], .react-resizable-handle'),
    );
    const rects = targets.map((el) => el.getBoundingClientRect());
    const smallTargets: string[] = [];
    targets.forEach((el, i) => {
      const r = rects[i] as DOMRect;
      if (r.width >= 24 && r.height >= 24) return;
      if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.parentElement && /^(P|LI|SPAN|TD|DD|SMALL)$/.test(el.parentElement.tagName)) return;
      // The element's label covers a checkbox or radio: the label is the target.
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
        const label = el.closest('label') ?? (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null);
        const lr = label?.getBoundingClientRect();
        if (lr && lr.height >= 24 && lr.width >= 24) return;
      }
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const clash = rects.some((o, j) => {
        if (j === i || targets[j]?.contains(el) || el.contains(targets[j] as Element)) return false;
        // Distance from the centre to the other rectangle, against the 12 px radius.
        const dx = Math.max(o.left - cx, 0, cx - o.right);
        const dy = Math.max(o.top - cy, 0, cy - o.bottom);
        return Math.hypot(dx, dy) < 12;
      });
      if (clash) smallTargets.push(describe(el));
    });

    // Text nodes the user reads (not form values, not code, not an "API name" detail).
    const texts: Array<{ text: string; el: Element }> = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      if (!el || !text || !visible(el)) continue;
      if (el.closest('code, pre, script, style, textarea, details, [data-api-name], .api-name, [translate=no]')) continue;
      texts.push({ text, el });
    }
    const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
    const rawIds = texts.filter((t) => UUID.test(t.text)).map((t) => `${t.el.tagName.toLowerCase()}: ${t.text.slice(0, 80)}`);

    const english: string[] = [];
    if (chinese) {
      const allowed = new Set(englishAllowed.map((w) => w.toLowerCase()));
      for (const { text, el } of texts) {
        if (/[\u4e00-\u9fff]/.test(text)) continue;
        // Screen chrome only: headings, labels, buttons, table headers, navigation, hints.
        if (!el.closest('h1, h2, h3, h4, label, button, th, nav, legend, .muted, .hint, .empty, .alert, [role=tab], option')) continue;
        const words = text.match(/[A-Za-z]{3,}/g) ?? [];
        const foreign = words.filter((w) => !allowed.has(w.toLowerCase()));
        if (foreign.length > 0) english.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 80)}`);
      }
    }
    return { overflow, wide, smallTargets, rawIds, english: [...new Set(english)] };
  }, opts);
}
