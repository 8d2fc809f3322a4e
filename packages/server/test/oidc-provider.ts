// A local OpenID provider for the sso tests: panva's oidc-provider (the certified server) on a
// random localhost port, with its development sign-in pages (any login, any password; the login
// is the account id). `accounts` holds each account's claims; the test sets them.
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

export interface LocalProvider {
  issuer: string;
  /** host:port, for the server's `sso.allowHosts`. */
  host: string;
  accounts: Map<string, Record<string, unknown>>;
  /** Follows an authorization URL through the sign-in and consent pages to the redirect back (the callback URL). */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startProvider(opts: { clientId: string; clientSecret: string; redirectUris: string[] }): Promise<LocalProvider> {
  const accounts = new Map<string, Record<string, unknown>>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: opts.clientId, client_secret: opts.clientSecret, redirect_uris: opts.redirectUris, grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // The claims in the ID token itself (what the client reads), not only at userinfo.
    conformIdTokenClaims: false,
    cookies: { keys: ['local-provider-cookie-key'] },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }) }),
  });
  // The development pages print a warning each start; tests know.
  provider.on('server_error', (_ctx: unknown, error: unknown) => console.error('local OIDC provider:', error));
  server.on('request', provider.callback());

  async function signIn(authorizationUrl: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = authorizationUrl;
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = (pair ?? '').indexOf('=');
        jar.set((pair ?? '').slice(0, eq), (pair ?? '').slice(eq + 1));
      }
      const location = res.headers.get('location');
      if (location) {
        const next = new URL(location, url);
        if (next.origin !== issuer) return next;
        url = next.href;
        method = 'GET';
        body = undefined;
        continue;
      }
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`local provider: no form at ${url}: ${res.status} ${html.slice(0, 300)}`);
      url = new URL(action, url).href;
      method = 'POST';
      body = html.includes('name="login"') ? new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString() : new URLSearchParams({ prompt: 'consent' }).toString();
    }
    throw new Error('local provider: too many hops');
  }

  return {
    issuer,
    host: `localhost:${port}`,
    accounts,
    signIn,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
