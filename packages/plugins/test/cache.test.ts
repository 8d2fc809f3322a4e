// Each node caches a tenant's enabled plugins (the write path asks on every save). A change made
// on another node (enable, disable, settings) must apply as soon as its notification arrives,
// not when a cache timer runs out.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesDelivered, createDatabase, createStore, sharedTestDatabase, type Database, type Store } from '@attain/store';
import { pluginsFor } from '../src/index.ts';
import { pluginHarness, type Harness } from '../src/testing.ts';

let h: Harness;
let other: Store;
let otherDb: Database;
let ownDb: Database | null = null;

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'attain-cache-')), 'namer');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'attain-plugin.json'),
    JSON.stringify({
      name: 'namer',
      version: '1.0.0',
      hooks: ['beforeCreate:customer'],
      settings: { type: 'object', properties: { suffix: { type: 'string' } } },
    }),
  );
  await writeFile(
    join(dir, 'src', 'index.ts'),
    `import { definePlugin } from 'attain:sdk';
export default definePlugin({ hooks: { 'beforeCreate:customer': (e, attain) => ({ set: { name: e.record.name + (attain.settings.suffix ?? ' (named)') } }) } });\n`,
  );
  const shared = await sharedTestDatabase();
  const id = randomBytes(5).toString('hex');
  const opts = { controlSchema: `attain_t${id}`, tenantSchemaPrefix: `t${id}_`, ownsDatabase: false };
  // The other node: its own connection and change feed on PostgreSQL; PGlite has one connection.
  ownDb = process.env.DATABASE_URL ? await createDatabase({ databaseUrl: process.env.DATABASE_URL }) : null;
  otherDb = ownDb ?? shared;
  const store = await createStore(shared, opts);
  other = await createStore(otherDb, opts);
  h = await pluginHarness(dir, { store });
  // The other node would trust its list for an hour without the feed.
  pluginsFor(other, { cacheMs: 3_600_000 });
});
afterAll(async () => {
  await h?.close();
  await pluginsFor(other).close();
  await ownDb?.close();
});

async function createdName(): Promise<string> {
  const records = await other.records(h.tenant);
  return String((await records.create('customer', { name: 'Acme' }, h.actor)).name);
}

describe('the plugin list cache', () => {
  it("follows another node's enable, disable and settings through the change feed", async () => {
    expect(await createdName()).toBe('Acme (named)');
    await h.runtime.service.setEnabled(h.tenant, 'namer', false, h.actor);
    await changesDelivered(otherDb);
    expect(await createdName()).toBe('Acme');
    await h.runtime.service.setEnabled(h.tenant, 'namer', true, h.actor);
    await changesDelivered(otherDb);
    expect(await createdName()).toBe('Acme (named)');
    await h.runtime.service.configure(h.tenant, 'namer', { suffix: ' v2' }, h.actor);
    await changesDelivered(otherDb);
    expect(await createdName()).toBe('Acme v2');
  });
});
