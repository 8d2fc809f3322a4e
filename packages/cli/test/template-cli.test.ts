// `attain template …` as a partner runs it (issue #14): list, show, install a shipped template into
// a new tenant on the embedded database (timed), export that tenant as a template and install the
// export into another tenant: the same metadata and the same payouts; an upgrade plans first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDatabase, createStore, docsHash } from '@attain/store';
import { IncentiveEngine } from '@attain/engine';
import { readConfig, storeOptions } from '../src/config.ts';
import { runCommand } from '../src/commands.ts';

let dir: string;
let env: NodeJS.ProcessEnv;
const out: string[] = [];
const run = (args: string[], flags: Record<string, string | boolean | string[]> = {}) => runCommand('template', args, flags, (l) => out.push(l), env);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-tpl-'));
  const id = randomBytes(4).toString('hex');
  env = {
    ATTAIN_DATA_DIR: join(dir, 'data'),
    ATTAIN_CONTROL_SCHEMA: `attain_tpl${id}`,
    ATTAIN_TENANT_SCHEMA_PREFIX: `tpl${id}_`,
    ATTAIN_ADMIN_PASSWORD: 'first-password-1',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The tenant's documents and its payouts per (payee email, period), read after the commands ran. */
async function snapshot(tenants: string[]): Promise<Array<{ docs: string; payouts: Record<string, string> }>> {
  const config = readConfig(env);
  const store = await createStore(await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), storeOptions(config));
  try {
    const result = [];
    for (const tenant of tenants) {
      const registry = await store.registry(tenant);
      const users = (await (await store.records(tenant)).list('user', { limit: 100 })).data;
      const email = new Map(users.map((u) => [u.id, String(u.email)]));
      const engine = new IncentiveEngine(store as never, tenant);
      const payouts: Record<string, string> = {};
      for (const period of ['2026-Q1', '2026-Q2']) for (const p of await engine.payouts(period)) payouts[`${email.get(p.payeeId)} ${period}`] = String(p.payout);
      result.push({ docs: docsHash(registry.docs), payouts });
    }
    return result;
  } finally {
    await store.close();
  }
}

describe('attain template', () => {
  it('lists and shows the shipped templates', async () => {
    expect(await run(['list'])).toBe(0);
    expect(out.join('\n')).toMatch(/saas\s+1\.0\.0\s+SaaS subscriptions \/ SaaS 订阅销售\s+\[saas\]/);
    out.length = 0;
    expect(await run(['show', 'saas'])).toBe(0);
    expect(out.join('\n')).toMatch(/Metadata: .*3 kpi/);
    expect(out.join('\n')).toMatch(/Data: 3 units, 5 people, 3 product, 11 customer, 13 order, 13 order_line, periods 2026-Q1, 2026-Q2/);
    await expect(run(['show', 'no_such_template'])).rejects.toThrow(/no such template folder/);
  });

  it('installs saas into a new tenant, exports it, and the export installs to the same metadata and payouts', async () => {
    out.length = 0;
    const started = Date.now();
    expect(await run(['install', 'saas'], { tenant: 'acme_saas', 'admin-email': 'boss@acme.test' })).toBe(0);
    console.log(`attain template install saas (${env.DATABASE_URL ? 'PostgreSQL' : 'embedded database, created and opened by the command'}): ${Date.now() - started} ms`);
    expect(out.join('\n')).toMatch(/Created tenant "acme_saas" from template saas 1\.0\.0/);
    expect(out.join('\n')).toMatch(/calculated 2026-Q1, 2026-Q2/);

    const exported = join(dir, 'exported');
    out.length = 0;
    expect(await run(['export', exported], { tenant: 'acme_saas', records: 'product,customer,order,order_line' })).toBe(0);
    expect((await readdir(join(exported, 'data'))).sort()).toEqual(
      expect.arrayContaining(['people.json', 'org_units.json', 'plan_assignments.json', 'targets.json', 'inputs.json', 'fx_rates.json', 'records']),
    );
    const people = JSON.parse(await readFile(join(exported, 'data', 'people.json'), 'utf8')) as Array<{ email: string; manager?: string }>;
    expect(people.find((p) => p.email === 'li.na@saas.example')?.manager).toBe('zhang.wei@saas.example');
    // Natural keys only: no database id anywhere in the exported data.
    const orders = await readFile(join(exported, 'data', 'records', '03-order.json'), 'utf8');
    expect(orders).toContain('"customer_id": "c-nebula"');
    expect(orders).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);

    out.length = 0;
    expect(await run(['install', exported], { tenant: 'copy_saas', 'admin-email': 'boss@copy.test' })).toBe(0);
    const [a, b] = await snapshot(['acme_saas', 'copy_saas']);
    expect(b!.docs).toBe(a!.docs);
    expect(Object.keys(a!.payouts).length).toBeGreaterThanOrEqual(8);
    expect(b!.payouts).toEqual(a!.payouts);
    // The engine's Dec is a bigint scaled by 10^10: 26,200 (see template-saas.test.ts for the arithmetic).
    expect(a!.payouts['li.na@saas.example 2026-Q1']).toBe(String(26_200n * 10n ** 10n));
    // Two installs on an embedded database and an export: a bound against hangs on a loaded machine, not a speed check.
  }, 300_000);

  it('plans an upgrade first and applies it with --yes; uninstall shows its plan', async () => {
    const v2 = join(dir, 'saas-v2');
    await run(['export', v2], { tenant: 'acme_saas', version: '1.1.0' });
    const kpiFile = join(v2, 'metadata', 'kpis', 'new_arr.json');
    const kpi = JSON.parse(await readFile(kpiFile, 'utf8')) as { label: { en: string } };
    kpi.label.en = 'New-logo ARR';
    await writeFile(kpiFile, JSON.stringify(kpi));
    out.length = 0;
    expect(await run(['upgrade', v2], { tenant: 'acme_saas' })).toBe(0);
    expect(out.join('\n')).toMatch(/Upgrade saas 1\.0\.0 → 1\.1\.0/);
    expect(out.join('\n')).toMatch(/updated\s+kpi saas\.kpi\.new_arr\s+new: \/label\/en/);
    expect(out.pop()).toMatch(/Nothing applied/);
    out.length = 0;
    expect(await run(['upgrade', v2], { tenant: 'acme_saas', yes: true })).toBe(0);
    expect(out.pop()).toMatch(/Upgraded saas to 1\.1\.0 .* attain template rollback saas --tenant acme_saas/);
    expect(await run(['rollback', 'saas'], { tenant: 'acme_saas' })).toBe(0);
    expect(out.pop()).toMatch(/Rolled saas back to 1\.0\.0/);
    expect(await run(['uninstall', 'saas'], { tenant: 'acme_saas' })).toBe(0);
    expect(out.pop()).toMatch(/Nothing applied/);
    await expect(run(['upgrade', v2], { tenant: 'acme_saas', resolve: ['x=maybe'] })).rejects.toThrow(/--resolve takes/);
  });

  it('scaffolds a new template that installs', async () => {
    const fresh = join(dir, 'fresh');
    expect(await run(['new', fresh], { name: 'fresh' })).toBe(0);
    expect(await run(['install', fresh], { tenant: 'fresh_t', 'admin-email': 'me@fresh.test' })).toBe(0);
    expect(out.join('\n')).toMatch(/Created tenant "fresh_t" from template fresh 0\.1\.0/);
    await expect(run(['new', fresh])).rejects.toThrow(/already has a template.json/);
    await expect(run(['fly'])).rejects.toThrow(/unknown template command/);
  });
});
