// Settings a plugin's schema marks `secret` are stored encrypted (AES-256-GCM under the node's
// key), given in clear to the plugin inside its isolate, masked to clients, re-encrypted by
// rotation; a node with the wrong key gets a stable code, never a crash or the ciphertext.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, sharedTestDatabase, type Store } from '@attain/store';
import { ATTAIN_VERSION, MASK, PLUGINS_MODULE, pluginsFor, PluginService, SEALED_PREFIX, SecretKeys } from '../src/index.ts';
import { INSTALLS_TABLE } from '../src/tables.ts';
import { pluginHarness, type Harness } from '../src/testing.ts';

const OLD_KEY = randomBytes(32).toString('hex');
const NEW_KEY = randomBytes(32).toString('base64');
const SECRET = 'sk-live-5f1c9a-do-not-store-in-clear';

let h: Harness;
let store: Store;
const id = randomBytes(5).toString('hex');
const storeOptions = { controlSchema: `attain_t${id}`, tenantSchemaPrefix: `t${id}_`, ownsDatabase: false };

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'attain-secrets-')), 'keyed');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'attain-plugin.json'),
    JSON.stringify({
      name: 'keyed',
      version: '1.0.0',
      hooks: ['beforeCreate:customer'],
      settings: { type: 'object', properties: { apiKey: { type: 'string', secret: true, minLength: 8 }, region: { type: 'string' } } },
    }),
  );
  await writeFile(
    join(dir, 'src', 'index.ts'),
    `import { definePlugin } from 'attain:sdk';
export default definePlugin({ hooks: { 'beforeCreate:customer': (e, attain) => ({ set: { region: attain.settings.apiKey === ${JSON.stringify(SECRET)} ? 'key-in-clear' : 'key-wrong', city: attain.settings.region } }) } });\n`,
  );
  store = await createStore(await sharedTestDatabase(), storeOptions);
  // This node's key, before the harness installs (the runtime is one per store).
  pluginsFor(store, { secretsKey: OLD_KEY });
  h = await pluginHarness(dir, { store, settings: { apiKey: SECRET, region: 'eu' } });
});
afterAll(async () => {
  await h?.close();
});

async function storedSettings(): Promise<Record<string, unknown>> {
  const m = await store.modules.ensure(h.tenant, PLUGINS_MODULE);
  const row = (await store.db.knex.withSchema(m.schema).table(INSTALLS_TABLE).where({ name: 'keyed' }).first()) as { settings: Record<string, unknown> | string };
  return typeof row.settings === 'string' ? (JSON.parse(row.settings) as Record<string, unknown>) : row.settings;
}

const service = (keys: string) => new PluginService(store, { attainVersion: ATTAIN_VERSION, secrets: () => SecretKeys.from({ env: keys }) });

describe('secret settings', () => {
  it('are encrypted in the database, masked to clients and in clear inside the isolate', async () => {
    const raw = await storedSettings();
    expect(JSON.stringify(raw)).not.toContain(SECRET);
    expect(String(raw.apiKey).startsWith(SEALED_PREFIX)).toBe(true);
    expect(raw.region).toBe('eu');
    expect(h.view.settings).toEqual({ apiKey: MASK, region: 'eu' });
    const created = await (await h.records()).create('customer', { name: 'Acme' }, h.actor);
    expect(created).toMatchObject({ region: 'key-in-clear', city: 'eu' });
    // Saving the form with the mask keeps the secret, sealed again (a fresh IV).
    const view = await h.runtime.service.configure(h.tenant, 'keyed', { apiKey: MASK, region: 'us' }, h.actor);
    expect(view.settings).toEqual({ apiKey: MASK, region: 'us' });
    const again = await storedSettings();
    expect(again.apiKey).not.toBe(raw.apiKey);
    expect(JSON.stringify(again)).not.toContain(SECRET);
    const audit = await store.audit.list(h.tenant, { object: 'plugin' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('give a stable code to a node with the wrong key, and can be re-entered there', async () => {
    const wrong = service(randomBytes(32).toString('hex'));
    const [active] = await wrong.active(h.tenant);
    expect(active?.unavailable).toMatchObject({ code: 'secrets_key_mismatch', status: 503 });
    expect(JSON.stringify(active?.settings)).not.toContain(SECRET);
    await expect(wrong.configure(h.tenant, 'keyed', { region: 'apac' }, h.actor)).rejects.toMatchObject({
      code: 'secrets_key_mismatch',
      details: [{ path: '/plugins/keyed/settings/apiKey', rule: 'secrets_key' }],
    });
    // The write path on that node: the plugin is stopped with the code, the write refused.
    const other = await createStore(await sharedTestDatabase(), storeOptions);
    pluginsFor(other, { secretsKey: randomBytes(32).toString('hex') });
    try {
      const error = await (await other.records(h.tenant)).create('customer', { name: 'Blocked' }, h.actor).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'plugin_failed', details: [{ rule: 'secrets_key_mismatch' }] });
    } finally {
      await pluginsFor(other).close();
    }
  });

  it('are re-encrypted with the new key by rotation, after which the old key is not needed', async () => {
    expect(await service(`${NEW_KEY},${OLD_KEY}`).rotateSecrets(h.tenant, h.actor)).toBe(1);
    expect(await service(`${NEW_KEY},${OLD_KEY}`).rotateSecrets(h.tenant, h.actor)).toBe(0);
    expect(JSON.stringify(await storedSettings())).not.toContain(SECRET);
    const [withNew] = await service(NEW_KEY).active(h.tenant);
    expect(withNew?.settings).toEqual({ apiKey: SECRET, region: 'us' });
    const [withOld] = await service(OLD_KEY).active(h.tenant);
    expect(withOld?.unavailable?.code).toBe('secrets_key_mismatch');
  });

  it('refuse a malformed key with its own code', () => {
    expect(() => SecretKeys.from({ env: 'too-short' })).toThrow(expect.objectContaining({ code: 'secrets_key_invalid' }));
  });

  it('sealed under a key derived from the server secret or a stand-in stay readable by the ring that follows it', () => {
    const standIn = SecretKeys.from({ serverSecret: randomBytes(32).toString('base64url') });
    const derived = SecretKeys.from({ serverSecret: 'x'.repeat(40) });
    expect(SecretKeys.from({ serverSecret: 'x'.repeat(40) }).currentId).toBe(derived.currentId);
    const sealed = standIn.seal({ token: 'abc' });
    const ring = derived.followedBy(standIn);
    expect(ring.currentId).toBe(derived.currentId);
    expect(ring.open(sealed, '/x')).toEqual({ token: 'abc' });
    // A value whose tag does not match is refused, not returned.
    const tampered = sealed.replace(/:([A-Za-z0-9_-])([^:]*)$/, (_m, c: string, rest: string) => `:${c === 'A' ? 'B' : 'A'}${rest}`);
    expect(() => ring.open(tampered, '/x')).toThrow(expect.objectContaining({ code: 'secrets_key_mismatch' }));
  });
});
