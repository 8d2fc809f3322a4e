// Issue #18 item 2, in the browser: "Sign in with SSO" through a local OpenID provider (panva's
// oidc-provider, its development sign-in pages) with authorization code + PKCE, then the TOTP
// enrolment an admin must make (secret shown, first code, recovery codes), then a second SSO
// sign-in that asks for a code.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { callApi, PASSWORD, type Harness } from './harness.ts';
import { newPage, problemsOf, shot } from './browser.ts';
import { studioSuite } from './suite.ts';
import { startProvider, type LocalProvider } from '../../packages/server/test/oidc-provider.ts';

let h: Harness;
let browser: Browser;
let idp: LocalProvider;

studioSuite(
  async (s) => {
    ({ h, browser } = s);
    idp = await startProvider({ clientId: 'studio', clientSecret: 'studio-secret', redirectUris: [`${h.url}/api/v1/auth/oidc/${h.tenant}/callback`] });
    idp.accounts.set('ada', { email: h.admin.email, email_verified: true, name: 'Ada Admin', groups: ['attain-admins'] });
    const login = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: h.tenant, email: h.admin.email, password: PASSWORD } });
    const token = login.json().token as string;
    const set = await callApi(h, token, 'PUT', '/auth/sso/settings', {
      oidc: { issuer: idp.issuer, clientId: 'studio', clientSecret: 'studio-secret', label: 'Local IdP', roleMap: { 'attain-admins': 'admin' } },
      totpRequiredRoles: ['admin'],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  },
  // The provider is on localhost (any port); admins need no second factor until the tenant says so.
  { sso: { allowHosts: ['localhost'], defaultTotpRoles: [] } },
);

const codeAt = (secret: string, offset = 0) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + offset * 30_000 });

/** From the studio's login page through the provider's pages, back to the studio. */
async function ssoSignIn(page: Page): Promise<void> {
  await page.goto(h.url);
  await page.getByLabel('Workspace').fill(h.tenant);
  await page.getByRole('link', { name: 'Sign in with Local IdP' }).click();
  await page.waitForURL((url) => url.origin === idp.issuer);
  await page.locator('input[name="login"]').fill('ada');
  await page.locator('input[name="password"]').fill('anything');
  await page.locator('button[type="submit"]').click();
  // The provider asks once for consent to share the email and groups.
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.href.startsWith(h.url));
}

describe('single sign-on and TOTP in the studio', () => {
  it('signs an admin in through the local provider with PKCE, enrols TOTP, then asks for a code', async () => {
    const page = await newPage(browser, 1280, 860);
    await ssoSignIn(page);
    // An admin without a factor enrols first: the secret and the authenticator link are shown.
    await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor();
    expect(page.url()).not.toContain('second-factor');
    const secret = await page.getByLabel('Secret').inputValue();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByTestId('otpauth-url').innerText()).toMatch(/^otpauth:\/\/totp\//);
    // The QR code (uqr, loaded only on this screen) of the same link.
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    expect(await page.getByTestId('totp-qr').locator('path').getAttribute('d')).toMatch(/^M\d/);
    await shot(page, 'sso-enrol');
    await page.getByLabel('Code', { exact: true }).fill(codeAt(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
    await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    // The provider's development pages link a web font from the internet, which this sandbox cannot reach.
    expect(problemsOf(page).filter((p) => !p.includes('ERR_NAME_NOT_RESOLVED'))).toEqual([]);

    // Another browser: SSO again, and now the code prompt (a wrong code first).
    const second = await newPage(browser, 390, 800);
    await ssoSignIn(second);
    await second.getByRole('heading', { name: 'Second factor' }).waitFor();
    const next = codeAt(secret, 1);
    await second.getByLabel('Code', { exact: true }).fill(next === '000000' ? '111111' : '000000');
    await second.getByRole('button', { name: 'Verify' }).click();
    await second.getByRole('alert').filter({ hasText: 'wrong, expired or already used' }).waitFor();
    await second.getByLabel('Code', { exact: true }).fill(next);
    await second.getByRole('button', { name: 'Verify' }).click();
    await second.getByRole('heading', { name: /Welcome/ }).waitFor();
    await shot(second, 'sso-totp-done');
    const me = await second.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me).toMatchObject({ user: { email: h.admin.email }, via: 'session' });
    await page.context().close();
    await second.context().close();
    await idp.close();
  }, 120_000);
});
