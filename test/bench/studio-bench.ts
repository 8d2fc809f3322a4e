import { launchBrowser, login } from '../e2e/browser.ts';
import { startHarness } from '../e2e/harness.ts';

/**
 * The first screen: a browser with an empty cache opens the studio, signs in as the admin and
 * lands on Home. Sums the bytes of JavaScript and CSS as they crossed the wire (compressed body
 * sizes, from the browser's own accounting) and as they are once decoded. Target: ≤ 150 KB.
 */
const TARGET_BYTES = 150 * 1024;

export async function benchStudio(): Promise<Record<string, unknown>> {
  const h = await startHarness();
  const browser = await launchBrowser();
  try {
    // No service worker: once it takes control it answers the later chunks from its precache,
    // which the browser then reports with no wire bytes (the precache's own downloads are not
    // the page's), so the figure would depend on when it took over.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', serviceWorkers: 'block' });
    const page = await context.newPage();
    const responses: Array<Promise<{ url: string; type: string; wire: number; decoded: number; encoding: string }>> = [];
    page.on('requestfinished', (request) => {
      const type = request.resourceType();
      if (type !== 'script' && type !== 'stylesheet') return;
      responses.push(
        (async () => {
          const sizes = await request.sizes();
          const response = await request.response();
          const body = await response?.body();
          return { url: new URL(request.url()).pathname, type, wire: sizes.responseBodySize, decoded: body?.length ?? 0, encoding: (await response?.headerValue('content-encoding')) ?? 'identity' };
        })(),
      );
    });
    await login(page, h, h.admin.email);
    await page.waitForLoadState('networkidle');
    const files = await Promise.all(responses);
    const wire = files.reduce((n, f) => n + f.wire, 0);
    const decoded = files.reduce((n, f) => n + f.decoded, 0);
    await context.close();
    return {
      first_screen_js_css_bytes_compressed: wire,
      first_screen_js_css_bytes_uncompressed: decoded,
      files: files.length,
      encodings: [...new Set(files.map((f) => f.encoding))],
      loads_echarts: files.some((f) => /echarts/.test(f.url)),
      largest: files
        .sort((a, b) => b.wire - a.wire)
        .slice(0, 5)
        .map((f) => `${f.url} ${f.wire}`),
      targets: { first_screen_js_css_bytes_compressed: `<= ${TARGET_BYTES}` },
      ok: wire <= TARGET_BYTES,
    };
  } finally {
    await browser.close();
    await h.close();
  }
}
