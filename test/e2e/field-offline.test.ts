// Browser test of the studio as an installable app and of field visits without a connection, on a
// 375 px phone: the web manifest is served and valid; after one online visit the page reloads
// offline (service worker) and shows the rep's day from the last session; a check-in and a photo
// made offline wait in the outbox and, back online, reach the server exactly once; a queued
// check-in the server refuses shows its reason with a "discard" button; a check-out queued after a
// queued check-in reaches the visit the server made for it; back online with the
// session gone, the sign-in page shows.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { PNG, SHOP, phone, seedShop } from './field-support.ts';

let h: Harness;
let browser: Browser;

studioSuite(async (s) => {
  ({ h, browser } = s);
  await seedShop(h);
});

/** Signs in and opens Today online, then waits until the service worker controls the page and holds the day's reads. */
async function visitOnline(page: Page, email: string): Promise<void> {
  await login(page, h, email);
  await page.goto(`${h.url}/field/today`);
  await page.getByRole('option', { name: 'Huamei Market' }).waitFor({ state: 'attached' });
  const ready = () =>
    page.evaluate(async () => {
      if (!navigator.serviceWorker.controller) return false;
      const keys = (await (await caches.open('attain-field-reads')).keys()).map((r) => r.url);
      return keys.some((u) => u.includes('/api/v1/objects/customer')) && keys.some((u) => u.includes('/api/v1/field/checkins'));
    });
  for (let tries = 0; !(await ready()); tries += 1) {
    if (tries > 300) throw new Error('the service worker never took control with the day cached');
    await page.waitForTimeout(100);
  }
}

describe('the studio offline', () => {
  it('serves a valid web manifest with its icons', async () => {
    const res = await fetch(`${h.url}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { name: string; start_url: string; display: string; theme_color: string; icons: Array<{ src: string; sizes: string; type: string }> };
    expect(manifest).toMatchObject({ name: 'Attain', start_url: '/', display: 'standalone', theme_color: '#4f46e5' });
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
      expect(icon, size).toBeDefined();
      const png = await fetch(`${h.url}${icon?.src}`);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
    }
    const html = await (await fetch(`${h.url}/field/today`)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest">');
  });

  it('reloads offline, queues a check-in and a photo, and sends them exactly once when back online', async () => {
    const { context, page } = await phone(browser, { lat: SHOP.lat + 0.0002, lng: SHOP.lng });
    await visitOnline(page, h.rep.email);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'My visits today' }).waitFor();
    await page.getByText(/You are offline/).waitFor();
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Huamei Market' });
    await page.getByRole('button', { name: 'Check in here' }).click();
    const open = page.getByTestId('visit-open');
    await open.getByRole('heading', { name: 'At Huamei Market' }).waitFor();
    await open.getByLabel('Add a photo').setInputFiles({ name: 'shelf.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('heading', { name: 'Waiting to send (2)' }).waitFor();
    await shot(page, 'field-offline-queued');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await context.setOffline(false);
    await page.getByTestId('field-outbox').waitFor({ state: 'detached' });
    await open.getByRole('link', { name: 'shelf.png' }).waitFor();
    // Once more after the first send: nothing left to send, nothing sent twice.
    await page.reload();
    await page.getByTestId('visit-open').getByRole('link', { name: 'shelf.png' }).waitFor();

    const rep = await signIn(h, h.rep.email);
    const visits = await callApi(h, rep, 'GET', '/objects/visit');
    const list = visits.body.data as Array<{ id: string }>;
    expect(list).toHaveLength(1);
    const files = await callApi(h, rep, 'GET', `/objects/visit/${list[0]?.id}/files`);
    expect(files.body.data as unknown[]).toHaveLength(1);
    await context.close();
  });

  it('shows a queued check-in the server refuses with its reason and a discard button', async () => {
    const admin = await signIn(h, h.admin.email);
    expect((await callApi(h, admin, 'PUT', '/field/settings', { outsideRadius: 'refuse', radiusMeters: 200 })).status).toBe(200);
    const { context, page } = await phone(browser, { lat: SHOP.lat + 0.05, lng: SHOP.lng });
    await visitOnline(page, h.admin.email);
    await context.setOffline(true);
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Huamei Market' });
    await page.getByRole('button', { name: 'Check in here' }).click();
    await page.getByRole('heading', { name: 'Waiting to send (1)' }).waitFor();

    await context.setOffline(false);
    const draft = page.getByTestId('field-draft');
    await draft.getByRole('alert').getByText('You are too far from this customer to check in here.').waitFor();
    await shot(page, 'field-offline-refused');
    await draft.getByRole('button', { name: 'Discard' }).click();
    await page.getByTestId('field-outbox').waitFor({ state: 'detached' });
    expect(((await callApi(h, admin, 'GET', '/objects/visit')).body.data as unknown[]).length).toBe(1);

    // Offline start on the kept session; back online without a valid session: the sign-in page.
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'My visits today' }).waitFor();
    await context.clearCookies();
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  it('sends a check-out queued after a queued check-in to the visit the server made for it, from any screen', async () => {
    const { context, page } = await phone(browser, SHOP);
    await visitOnline(page, h.admin.email);
    await context.setOffline(true);
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Huamei Market' });
    await page.getByRole('button', { name: 'Check in here' }).click();
    await page.getByTestId('visit-open').getByRole('button', { name: 'Check out' }).click();
    await page.getByRole('heading', { name: 'Waiting to send (2)' }).waitFor();
    await page.getByRole('button', { name: 'Check in here' }).waitFor();

    // Another screen open when the connection returns: the session sends what waits.
    await page.goto(`${h.url}/`);
    await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    await context.setOffline(false);
    const admin = await signIn(h, h.admin.email);
    const visits = async () => ((await callApi(h, admin, 'GET', '/objects/visit')).body.data as unknown[]).length;
    for (let tries = 0; (await visits()) < 2; tries += 1) {
      if (tries > 100) throw new Error('the queued check-in was never sent');
      await page.waitForTimeout(100);
    }
    await page.goto(`${h.url}/field/today`);
    await page.getByRole('button', { name: 'Check in here' }).waitFor();
    expect(await page.getByTestId('field-outbox').count()).toBe(0);
    const day = (await callApi(h, admin, 'GET', `/field/checkins?user=${h.admin.id}&date=${await page.evaluate(() => new Date().toLocaleDateString('en-CA'))}`)).body.data as Array<{
      checkOutAt: string | null;
    }>;
    expect(day).toHaveLength(1);
    expect(day[0]?.checkOutAt).not.toBeNull();
    await context.close();
  });
});
