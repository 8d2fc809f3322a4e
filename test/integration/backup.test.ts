// `attain backup` / `attain restore` (issue #19, item 5): a tenant with records, a KPI's attainment
// and a calculated statement is backed up from the store of a running server (one REPEATABLE READ snapshot), restored into a fresh database
// (a new control schema and tenant prefix: nothing shared with the original), and the figures are
// compared over HTTP: record counts, the statement line by line, attainment, the revision, a login.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goalsBackground, IncentiveEngine } from '@attain/engine';
import { JobRunner, openTestStore } from '@attain/store';
import { backup } from '../../packages/cli/src/backup/dump.ts';
import { restore } from '../../packages/cli/src/backup/load.ts';
import { runCommand } from '../../packages/cli/src/commands.ts';
import { tenantModules } from '../../packages/cli/src/backup/modules.ts';
import { as, createTenant, login, testServer, type TestTenant } from '../../packages/server/test/helpers.ts';
import type { Store } from '../../packages/server/src/store-port.ts';

const saleDoc = {
  kind: 'object',
  id: 'obj_sale',
  name: 'sale',
  label: { en: 'Sale' },
  schema: {
    type: 'object',
    required: ['title', 'sold_on'],
    properties: {
      title: { type: 'string', maxLength: 100, 'x-attain': { id: 'fld_sale_title' } },
      amount: { type: 'number', 'x-attain': { id: 'fld_sale_amount', storage: 'money' } },
      sold_on: { type: 'string', format: 'date', 'x-attain': { id: 'fld_sale_sold_on' } },
    },
  },
};
const kpi = { kind: 'kpi', id: 'kpi_sales', name: 'sales', label: { en: 'Sales' }, object: 'sale', measure: { aggregate: 'sum', value: 'amount' }, dateField: 'sold_on', unit: 'money' };
const plan = {
  kind: 'incentive_plan',
  id: 'plan_rep',
  name: 'plan_rep',
  label: { en: 'Reps' },
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      currency: 'USD',
      rounding: { scale: 2, mode: 'half_up' },
      measures: [{ name: 'revenue', type: 'sum' }],
      components: [
        {
          name: 'commission',
          type: 'tiered',
          measure: 'revenue',
          tiers: [
            { from: '0', to: '10000', rate: '0.05' },
            { from: '10000', rate: '0.1' },
          ],
        },
      ],
    },
  ],
};
const tables = tenantModules();

let dir: string;
let source: { app: FastifyInstance; store: Store };
let t: TestTenant;

/** What a user sees, over HTTP: the figures a restore must give back unchanged. */
async function figures(app: FastifyInstance, store: Store, tenant: TestTenant) {
  const admin = as(app, await login(app, tenant.name, tenant.users.admin.email));
  const rep = as(app, await login(app, tenant.name, tenant.users.repEast.email));
  const count = async (object: string) => (await admin.get(`/api/v1/objects/${object}?count=true&limit=1`)).json().total as number;
  const statement = (await rep.get(`/api/v1/incentives/statements/${tenant.users.repEast.id}/2026-01`)).json().data as { status: string; lines: Array<{ component: string; amount: string }> };
  const attainment = (await admin.get(`/api/v1/goals/attainment?kpi=sales&period=2026-01&person=${tenant.users.repEast.id}`)).json().data[0];
  const sales = (await admin.get('/api/v1/objects/sale?sort=title&limit=50')).json().data.map((s: { title: string; amount: string; sold_on: string }) => [s.title, s.amount, s.sold_on]);
  return {
    revision: (await store.tenants.get(tenant.name))?.revision,
    counts: { sale: await count('sale'), user: await count('user'), org_unit: await count('org_unit') },
    sales,
    statement: { status: statement.status, lines: statement.lines.map((l) => [l.component, l.amount]) },
    attainment: { actual: attainment?.actual, target: attainment?.target },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-backup-'));
  source = await testServer();
  const { app, store } = source;
  const bg = goalsBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs, { handlers: bg.handlers, batch: 200 });
  t = await createTenant(store, 'bak');
  const admin = as(app, await login(app, t.name, t.users.admin.email));
  expect((await admin.post('/api/v1/metadata/apply', { documents: [saleDoc] })).statusCode).toBe(200);
  expect((await admin.put('/api/v1/goals/kpis/sales', kpi)).statusCode).toBe(200);
  for (const [title, amount, day] of [
    ['a', '1200.10', '05'],
    ['b', '800.05', '12'],
    ['c', '-50.00', '20'],
  ] as const) {
    expect((await admin.post('/api/v1/objects/sale', { title, amount, sold_on: `2026-01-${day}`, owner_id: t.users.repEast.id })).statusCode).toBe(201);
  }
  await runner.drain();
  const e = new IncentiveEngine(store as never, t.name);
  await e.saveRules([{ kind: 'crediting_rule', id: 'own', name: 'owner', label: { en: 'Owner' }, effectiveFrom: '2020-01-01', type: 'owner' }]);
  await e.setAssignments([{ kind: 'plan' as const, payeeId: t.users.repEast.id, key: 'plan_rep', from: '2026-01-01' }]);
  await e.openPeriod('2026-01');
  await e.upsertTransactions([{ id: 'o1', object: 'order', ownerId: t.users.repEast.id, date: '2026-01-05', amount: '12345.67', currency: 'USD' }]);
  expect((await admin.put('/api/v1/incentives/plans/plan_rep', plan)).statusCode).toBe(200);
  const finance = as(app, await login(app, t.name, t.users.finance.email));
  expect((await finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
}, 240_000);

afterAll(async () => {
  await source.app.close();
  await source.store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('restores every tenant into a fresh database with the same figures and metadata revision', async () => {
    const before = await figures(source.app, source.store, t);
    expect(before.statement.lines).toEqual([['commission', '734.57']]);
    expect(before.attainment.actual).toBe(1950.15);
    const file = join(dir, 'all.ndjson.gz');
    const report = await backup(source.store, file);
    expect(report.tenants).toEqual([expect.objectContaining({ name: t.name, revision: before.revision })]);
    expect(report.tenants[0]?.counts.sale).toBe(3);

    const fresh = await testServer();
    try {
      const restored = await restore(fresh.store, file, tables);
      expect(restored.tenants.map((x) => x.name)).toEqual([t.name]);
      expect(await figures(fresh.app, fresh.store, t)).toEqual(before);
      // The metadata history came along: the same documents at the same revision.
      const docs = async (s: Store) => {
        const { id } = (await s.db.knex.withSchema(s.controlSchema).from('tenants').where({ name: t.name }).first('id')) as { id: string };
        return s.db.knex.withSchema(s.controlSchema).from('metadata_revisions').where({ tenant_id: id }).orderBy('revision').select('revision', 'hash');
      };
      expect(await docs(fresh.store)).toEqual(await docs(source.store));
      // A second restore of the same tenant is refused, naming it; nothing is overwritten.
      await expect(restore(fresh.store, file, tables)).rejects.toThrow(`tenant "${t.name}" exists in this database`);
    } finally {
      await fresh.app.close();
      await fresh.store.close();
    }
  });

  it('takes one instant while writes go on: as many sales as audited sale creates', async () => {
    const records = await source.store.records(t.name);
    const table = (await source.store.registry(t.name)).object('sale')?.table;
    const file = join(dir, 'busy.ndjson.gz');
    let done = false;
    let written = 0;
    const writer = (async () => {
      // Each create writes the row and its audit entry in one transaction.
      while (!done && written < 300) {
        await records.create('sale', { title: `busy ${written}`, amount: '1.00', sold_on: '2026-02-01' }, { userId: null, label: 'test' });
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await backup(source.store, file, { tenant: t.name });
    done = true;
    await writer;
    const lines = gunzipSync(await readFile(file))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rowsOf = (scope: string, name: string) => {
      const at = lines.findIndex((l) => l.type === 'rows' && l.scope === scope && l.table === name);
      const end = lines.findIndex((l, k) => k > at && !('r' in l));
      return { columns: lines[at].columns as string[], rows: lines.slice(at + 1, end).map((l) => l.r as Array<string | null>) };
    };
    const audit = rowsOf('control', 'audit_log');
    const [action, object] = [audit.columns.indexOf('action'), audit.columns.indexOf('object')];
    const created = audit.rows.filter((r) => r[action] === 'create' && r[object] === 'sale').length;
    expect(rowsOf('data', table ?? '').rows.length).toBe(created);
    expect(created).toBeGreaterThanOrEqual(3);
  });

  it('backs up one tenant, refuses a file that is not a backup or is truncated', async () => {
    const other = await createTenant(source.store, 'other');
    const file = join(dir, 'one.ndjson.gz');
    const report = await backup(source.store, file, { tenant: other.name });
    expect(report.tenants.map((x) => x.name)).toEqual([other.name]);
    await expect(backup(source.store, join(dir, 'none.gz'), { tenant: 'nobody' })).rejects.toThrow('no tenant "nobody"');

    const store = (await openTestStore()) as unknown as Store;
    try {
      await expect(restore(store, file, tables, { tenant: 'nobody' })).rejects.toThrow('the backup has no tenant "nobody"');
      const lines = gunzipSync(await readFile(file))
        .toString('utf8')
        .trimEnd()
        .split('\n');
      const truncated = join(dir, 'truncated.gz');
      await writeFile(truncated, gzipSync(`${lines.slice(0, -1).join('\n')}\n`));
      await expect(restore(store, truncated, tables)).rejects.toThrow('truncated');
      const notBackup = join(dir, 'not.gz');
      await writeFile(notBackup, gzipSync('{"hello":1}\n'));
      await expect(restore(store, notBackup, tables)).rejects.toThrow('is not an Attain backup');
    } finally {
      await store.close();
    }
    // A column the backup has and this version does not: refused, naming it.
    const again = (await openTestStore()) as unknown as Store;
    try {
      const lines = gunzipSync(await readFile(file))
        .toString('utf8')
        .trimEnd()
        .split('\n');
      const altered = lines.map((l) => (l.includes('"scope":"data"') && l.includes('"table":"user"') ? l.replace('"columns":["', '"columns":["bogus_column","') : l));
      const rows = join(dir, 'altered.gz');
      await writeFile(rows, gzipSync(`${altered.join('\n')}\n`));
      await expect(restore(again, rows, tables)).rejects.toThrow('column(s) bogus_column');
    } finally {
      await again.close();
    }
  });

  it('is wired to the CLI: backup and restore of an empty installation, and a missing file', async () => {
    await expect(runCommand('backup', [], {}, () => {})).rejects.toThrow('missing backup file');
    await expect(runCommand('restore', [], {}, () => {})).rejects.toThrow('missing backup file');
    const id = Math.random().toString(36).slice(2, 8);
    const env = {
      ATTAIN_DATA_DIR: join(dir, 'cli-data'),
      ATTAIN_CONTROL_SCHEMA: `attain_bk${id}`,
      ATTAIN_TENANT_SCHEMA_PREFIX: `bk${id}_`,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    };
    const lines: string[] = [];
    const file = join(dir, 'cli.ndjson.gz');
    expect(await runCommand('backup', [file], {}, (l) => lines.push(l), env)).toBe(0);
    expect(await runCommand('restore', [file], {}, (l) => lines.push(l), env)).toBe(0);
    expect(lines).toEqual([`Wrote 0 tenant(s) to ${file}.`, `Restored 0 tenant(s) from ${file}.`]);
  }, 120_000);
});
