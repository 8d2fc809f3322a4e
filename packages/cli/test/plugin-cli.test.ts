import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createDatabase, createStore } from '@attain/store';
import { pluginsFor, PLUGINS_MODULE, SEALED_PREFIX, SecretKeys } from '@attain/plugins';
import { attainModules } from '@attain/server';
import { runCommand } from '../src/commands.ts';
import { pluginKeyOptions, readConfig, resolveJwtSecret, storeOptions } from '../src/config.ts';

const PLUGIN = fileURLToPath(new URL('../../../plugins/credit-check', import.meta.url));
let dir: string;
let env: NodeJS.ProcessEnv;
const out: string[] = [];
const run = (command: string, args: string[], flags: Record<string, string | boolean> = {}) => runCommand(command, args, flags, (l) => out.push(l), env);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-plugin-cli-'));
  const id = randomBytes(4).toString('hex');
  env = {
    ATTAIN_DATA_DIR: join(dir, 'data'),
    ATTAIN_CONTROL_SCHEMA: `attain_pcli${id}`,
    ATTAIN_TENANT_SCHEMA_PREFIX: `pcli${id}_`,
    ATTAIN_ADMIN_PASSWORD: 'first-password-1',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  expect(await run('tenant', ['create', 'demo'], { 'admin-email': 'boss@demo.test' })).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('attain plugin', () => {
  it('installs a plugin folder, shows what it asks for, waits for consent, then manages it', async () => {
    out.length = 0;
    expect(await run('plugin', ['install', PLUGIN], { tenant: 'demo' })).toBe(3);
    const text = out.join('\n');
    expect(text).toContain('credit-check - (version 1.0.0 awaits consent) — awaiting_consent');
    expect(text).toContain('fetches:         https://credit.example.com/*');
    expect(text).toContain('hooks:           beforeCreate:order');
    expect(text).toContain('attain plugin consent credit-check --tenant demo');
    out.length = 0;
    expect(await run('plugin', ['consent', 'credit-check'], { tenant: 'demo' })).toBe(0);
    expect(out.pop()).toBe('credit-check 1.0.0 — enabled');
    expect(await run('plugin', ['disable', 'credit-check'], { tenant: 'demo' })).toBe(0);
    expect(out.pop()).toBe('credit-check 1.0.0 — disabled');
    expect(await run('plugin', ['list'], { tenant: 'demo' })).toBe(0);
    expect(out.pop()).toBe('credit-check 1.0.0 — disabled');
    expect(await run('plugin', ['rollback', 'credit-check'], { tenant: 'demo' })).toBe(2);
    expect(out.join('\n')).toContain('no earlier version to roll back to [conflict]');
    expect(await run('plugin', ['uninstall', 'credit-check'], { tenant: 'demo' })).toBe(0);
    expect(await run('plugin', ['install', PLUGIN], { tenant: 'demo', yes: true })).toBe(0);
    expect(out.join('\n')).toContain('credit-check 1.0.0 — enabled');
    await expect(run('plugin', ['frobnicate'], { tenant: 'demo' })).rejects.toThrow(/unknown plugin command/);
  });

  it('secrets rotate re-encrypts secret settings with the first key of ATTAIN_SECRETS_KEY', async () => {
    // Saved as the server saves them: ATTAIN_SECRETS_KEY unset, so under the key derived from the JWT secret.
    const config = readConfig(env);
    const withStore = async <T>(fn: (store: Awaited<ReturnType<typeof createStore>>) => Promise<T>): Promise<T> => {
      const store = await createStore(await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), storeOptions(config));
      try {
        return await fn(store);
      } finally {
        await pluginsFor(store).close();
        await store.close();
      }
    };
    const stored = () =>
      withStore(async (store) => {
        const m = await store.modules.ensure('demo', PLUGINS_MODULE);
        const row = (await store.db.knex.withSchema(m.schema).table('attain_plugins_installs').where({ name: 'credit-check' }).first()) as { settings: unknown };
        return JSON.stringify(row.settings);
      });
    const jwt = await resolveJwtSecret(config);
    await withStore((store) =>
      pluginsFor(store, pluginKeyOptions(config, jwt)).service.configure('demo', 'credit-check', { serviceUrl: 'https://credit.example.com/v1', apiKey: 'ck-live-secret-42' }, { userId: null }),
    );
    const before = await stored();
    expect(before).toContain(SEALED_PREFIX);
    expect(before).not.toContain('ck-live-secret-42');
    // The integrations module's inbound signing secret, sealed as its route seals it.
    const integrationsTables = attainModules.find((m) => m.id === 'integrations')!.tables![0]!;
    const inbound = () => withStore(async (store) => ((await (await store.port('demo', integrationsTables)).table('settings').where({ id: 1 }).first()) as { inbound_secret: string }).inbound_secret);
    await withStore(async (store) =>
      (await store.port('demo', integrationsTables)).table('settings').insert({ id: 1, inbound_secret: pluginsFor(store, pluginKeyOptions(config, jwt)).secretKeys().seal('whsec_demo') }),
    );
    const key = randomBytes(32).toString('base64');
    env.ATTAIN_SECRETS_KEY = key;
    try {
      out.length = 0;
      expect(await run('secrets', ['rotate'])).toBe(0);
      expect(out.join('\n')).toContain('demo: settings of 1 plugin(s) re-encrypted');
      expect(out.join('\n')).toContain('demo: 1 integration secret(s) re-encrypted');
      expect(SecretKeys.from({ env: key }).open(await inbound(), '/x')).toBe('whsec_demo');
      const after = await stored();
      expect(after).not.toBe(before);
      expect(after).not.toContain('ck-live-secret-42');
      // Nothing left under an old key: a second run changes nothing.
      out.length = 0;
      expect(await run('secrets', ['rotate'], { tenant: 'demo' })).toBe(0);
      expect(out.pop()).toMatch(/: 0 plugin\(s\) in 1 tenant\(s\)\.$/);
      env.ATTAIN_SECRETS_KEY = 'not-a-key';
      out.length = 0;
      expect(await run('secrets', ['rotate'])).toBe(2);
      expect(out.join('\n')).toContain('[secrets_key_invalid]');
    } finally {
      delete env.ATTAIN_SECRETS_KEY;
    }
  });

  it('typegen writes the SDK declarations', async () => {
    const file = join(dir, 'sdk', 'attain-sdk.d.ts');
    expect(await run('typegen', [file], { sdk: true })).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toContain("declare module 'attain:sdk'");
    expect(text).toContain('definePlugin');
    // The committed copy plugin authors type-check against is the same text.
    expect(await readFile(fileURLToPath(new URL('../../../plugins/attain-sdk.d.ts', import.meta.url)), 'utf8')).toBe(text);
  });
});
