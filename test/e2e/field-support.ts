// What the field browser tests share: a customer with a known place, a photo's bytes, and a
// phone-sized page whose geolocation the test sets.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type Harness, callApi, signIn } from './harness.ts';

/** A 1×1 PNG: a photo as far as the server's check on the bytes goes. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
export const SHOP = { lat: 31.2304, lng: 121.4737 };

/** The rep's customer "Huamei Market", placed at SHOP by the admin; its id. */
export async function seedShop(h: Harness): Promise<string> {
  const rep = await signIn(h, h.rep.email);
  const customer = await callApi(h, rep, 'POST', '/objects/customer', { name: 'Huamei Market' });
  const id = customer.body.id as string;
  const admin = await signIn(h, h.admin.email);
  const place = await callApi(h, admin, 'PUT', `/field/places/${id}`, SHOP);
  if (place.status >= 300) throw new Error(JSON.stringify(place.body));
  return id;
}

/** A 375 px page in English whose geolocation is `at`. */
export async function phone(browser: Browser, at: { lat: number; lng: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 800 },
    locale: 'en-US',
    geolocation: { latitude: at.lat, longitude: at.lng, accuracy: 15 },
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}
