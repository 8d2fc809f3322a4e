// Browser test of the integrations page on a phone (375 px): an admin rotates the inbound secret
// (shown once), sees a received event, and replays a dead letter — a customer change a local
// receiver refused — which then reaches the receiver with the same delivery id; the page in
// Chinese too.
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { integrationsBackground } from '../../packages/server/src/modules/integrations/index.ts';
import { type Harness, callApi, signIn } from './harness.ts';
import { login, navigate, newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';

let h: Harness;
let browser: Browser;
let runner: JobRunner;
let receiver: Server;
let failing = true;
const deliveries: string[] = [];

studioSuite(async (s) => {
  ({ h, browser } = s);
  const bg = integrationsBackground({ store: h.store }, { maxAttempts: 1 });
  for (const sub of bg.subscriptions ?? []) h.store.events.subscribe(sub);
  runner = new JobRunner(h.store.jobs as never, { handlers: bg.handlers });
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      deliveries.push(String(req.headers['x-attain-delivery']));
      res.writeHead(failing ? 503 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const wf = workflowFor(h.store);
  await wf.core.saveSettings(await wf.tenant(h.tenant), { webhookAllowHosts: ['127.0.0.1'] });
});

describe('integrations page', () => {
  it('rotates the secret and replays a dead letter at 375 px, in English and Chinese', async () => {
    const admin = await signIn(h, h.admin.email);
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    expect((await callApi(h, admin, 'POST', '/integrations/subscriptions', { url, objects: ['customer'] })).status).toBe(201);
    expect((await callApi(h, admin, 'POST', '/objects/customer', { name: 'ACME' })).status).toBe(201);
    await runner.drain();
    expect(deliveries).toHaveLength(1);

    const page = await newPage(browser, 375, 800);
    await login(page, h, h.admin.email);
    await navigate(page, 'Integrations', true);
    await page.getByText('No secret yet: events are refused until you create one.').waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('rotate-secret').click();
    const secret = await page.getByTestId('new-secret').locator('code').innerText();
    expect(secret).toMatch(/^whsec_/);
    await page.getByText(`…${secret.slice(-4)}`).waitFor();

    const row = page.getByTestId('dead-letter');
    await row.getByText('customer.created').waitFor();
    await row.getByText('webhook answered HTTP 503').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'integrations-dead-letter');
    failing = false;
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replayed 1.').waitFor();
    await page.getByTestId('dead-letters').getByText('Nothing yet.').waitFor();
    await runner.drain();
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]).toBe(deliveries[0]);
    expect(problemsOf(page)).toEqual([]);

    await page.evaluate(() => localStorage.setItem('attain.locale', 'zh-CN'));
    await page.reload();
    await page.getByRole('heading', { name: '系统集成' }).waitFor();
    await page.getByRole('heading', { name: '死信' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'integrations-zh');
    await new Promise<void>((r) => receiver.close(() => r()));
  });
});
