// The module contract (issue #13 item 1): a toy module in one folder — a metadata kind with its own
// tables, a route, a job, a document check and a notification channel — is served by passing it to the server. Its documents
// plan and apply through the metadata API, invalid ones are refused with their rules, its route and
// job work, and no file outside its folder names it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, openTestStore } from '@attain/store';
import { metaKinds } from '@attain/meta';
import { notifyUsers, workflowFor } from '@attain/workflow';
import { attainModules, defineModule, installModules, moduleJobs, orderModules } from '../src/index.ts';
import type { Store } from '../src/store-port.ts';
import { as, createTenant, login, testServer, type TestTenant } from './helpers.ts';
import { toyModule } from './fixtures/toy-module/index.ts';
import { datasets } from '../src/modules/datasets.ts';

const byIdOf = (id: string) => attainModules.find((m) => m.id === id);

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const widget = (name: string, extra: Record<string, unknown> = {}) => ({ kind: 'toy.widget', id: `w.${name}`, name, label: { en: name }, object: 'deal', size: 3, ...extra });

let store: Store;
let t: TestTenant;

beforeAll(async () => {
  store = (await openTestStore()) as unknown as Store;
  t = await createTenant(store, 'mod');
});
afterAll(async () => {
  await store.close();
});

describe('a module is one folder, registered through the contract', () => {
  it('without the toy module, a toy document is an unknown kind', async () => {
    const { app } = await testServer(store);
    try {
      const admin = as(app, await login(app, t.name, t.users.admin.email));
      const res = await admin.post('/api/v1/metadata/plan', { documents: [widget('gauge')] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: '/kind', rule: 'enum' }));
      expect((await admin.get('/api/v1/toy/widgets')).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('with it: plan, apply, refusals, its route, its job, its OpenAPI entry and its channel', async () => {
    const modules = [...attainModules, toyModule];
    const { app } = await testServer(store, { modules });
    try {
      // The worker side: the toy module's metadata event handler, subscribed like every node does.
      const jobs = moduleJobs(store, [toyModule]);
      for (const m of jobs) for (const sub of m.subscriptions ?? []) store.events.subscribe(sub);
      const worker = new JobRunner(store.jobs, { handlers: Object.assign({}, ...jobs.map((m) => m.handlers)) });
      const admin = as(app, await login(app, t.name, t.users.admin.email));

      const plan = await admin.post('/api/v1/metadata/plan', { documents: [widget('gauge')] });
      expect(plan.statusCode).toBe(200);
      expect(plan.json().steps).toContainEqual(expect.objectContaining({ kind: 'metadata_only', sentence: 'Add toy.widget "gauge"' }));
      const applied = await admin.post('/api/v1/metadata/apply', { documents: [widget('gauge')] });
      expect(applied.statusCode).toBe(200);

      // Refused by its meta-schema, its cross-check and its document check, each naming the rule.
      const tooBig = await admin.post('/api/v1/metadata/plan', { documents: [widget('big', { size: 99 })] });
      expect(tooBig.statusCode).toBe(422);
      expect(tooBig.json().error.details).toContainEqual(expect.objectContaining({ document: 'toy.widget "big"', path: '/size', rule: 'maximum' }));
      const dangling = await admin.post('/api/v1/metadata/apply', { documents: [widget('lost', { object: 'nowhere' })] });
      expect(dangling.statusCode).toBe(422);
      expect(dangling.json().error.details).toContainEqual(expect.objectContaining({ document: 'toy.widget "lost"', path: '/object', rule: 'unknown_reference' }));
      const crowded = await admin.post('/api/v1/metadata/apply', { documents: ['a', 'b', 'c'].map((n) => widget(n)) });
      expect(crowded.statusCode).toBe(422);
      expect(crowded.json().error.details).toContainEqual(expect.objectContaining({ document: 'toy.widget "c"', rule: 'too_many_widgets' }));

      // Its route reads the registry (the normalised document) and its own table; its job fills the table.
      const before = await admin.get('/api/v1/toy/widgets');
      expect(before.statusCode).toBe(200);
      expect(before.json().data).toEqual([{ name: 'gauge', object: 'deal', size: 3, colour: 'blue', seenAt: null }]);
      await admin.post('/api/v1/metadata/apply', { documents: [widget('dial', { colour: 'red' })] });
      await worker.drain();
      const after = (await admin.get('/api/v1/toy/widgets')).json().data as Array<{ name: string; colour: string; seenAt: number | null }>;
      expect(after.map((w) => [w.name, w.colour, w.seenAt !== null])).toEqual([
        ['gauge', 'blue', true],
        ['dial', 'red', true],
      ]);

      // Its route is in the OpenAPI document, with its schema.
      const doc = (await admin.get('/api/v1/openapi.json')).json() as { paths: Record<string, { get?: { summary?: string; responses?: Record<string, unknown> } }> };
      expect(doc.paths['/api/v1/toy/widgets']?.get?.summary).toBe('List toy widgets');
      expect(JSON.stringify(doc.paths['/api/v1/toy/widgets']?.get?.responses)).toContain('seenAt');

      // Its notification channel: a preference like the others, named by flows and rules (an
      // unregistered one is refused at plan time), and messages reach it.
      expect((await admin.get('/api/v1/workflow/preferences')).json().channels).toEqual({ inbox: true, email: true, toy_pager: true });
      const rule = (channels: string[]) => ({
        kind: 'automation',
        id: 'a.page',
        name: 'page',
        label: { en: 'Page' },
        object: 'deal',
        trigger: { type: 'record', on: ['create'] },
        actions: [{ type: 'notify', to: [{ type: 'owner' }], channels, template: { title: { en: 'New deal {{record.name}}' } } }],
      });
      const paged = await admin.post('/api/v1/metadata/plan', { documents: [rule(['toy_pager', 'inbox'])] });
      expect(paged.statusCode, paged.body).toBe(200);
      const sms = await admin.post('/api/v1/metadata/plan', { documents: [rule(['sms'])] });
      expect(sms.statusCode).toBe(422);
      expect(sms.json().error.details).toContainEqual(expect.objectContaining({ document: 'automation "page"', path: '/actions/0/channels/0', rule: 'unknown_channel' }));
      expect(await notifyUsers(workflowFor(store), t.name, { to: [t.users.admin.id], template: { title: { en: 'Hello' } }, kind: 'toy', channels: ['toy_pager'] })).toBe(1);
      expect((await admin.get('/api/v1/toy/pages')).json().data).toEqual(['Hello']);
    } finally {
      await app.close();
    }
    // Closing the server releases the kind it brought.
    expect(metaKinds.get('toy.widget')).toBeUndefined();
  });

  it('no file outside the toy folder names it', () => {
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|tsx|json)$/.test(name) && /toy\.widget|toy-module|toyModule/.test(readFileSync(path, 'utf8'))) hits.push(path.slice(ROOT.length));
      }
    };
    for (const dir of ['packages', 'studio/src', 'sandbox', 'metadata']) walk(join(ROOT, dir));
    expect(hits.sort()).toEqual(
      [
        'packages/server/test/fixtures/toy-module/index.ts',
        'packages/server/test/fixtures/toy-module/kind.ts',
        'packages/server/test/fixtures/toy-module/routes.ts',
        'packages/server/test/fixtures/toy-module/jobs.ts',
        'packages/server/test/fixtures/toy-module/widget.schema.json',
        'packages/server/test/module-contract.test.ts',
      ].sort(),
    );
  });
});

describe('the module list', () => {
  it('orders modules by their dependencies and refuses unknown ones, cycles and duplicates', () => {
    expect(orderModules(attainModules).map((m) => m.id)).toEqual([
      'workflow',
      'goals',
      'incentives',
      'analytics',
      'scim',
      'field',
      'files',
      'daily',
      'quality',
      'monitoring',
      'integrations',
      'imports',
    ]);
    const a = defineModule({ id: 'a', dependsOn: ['b'] });
    const b = defineModule({ id: 'b', dependsOn: ['a'] });
    expect(orderModules([defineModule({ id: 'c', dependsOn: ['d'] }), defineModule({ id: 'd' })]).map((m) => m.id)).toEqual(['d', 'c']);
    expect(() => orderModules([a])).toThrow(/depends on "b"/);
    expect(() => orderModules([a, b])).toThrow(/cycle/);
    expect(() => orderModules([b, b])).toThrow(/twice/);
    expect(() => defineModule({ id: 'Bad-Id' })).toThrow(/module id/);
    expect(() => defineModule({ id: 'x', kinds: [{ kind: 'y.thing', schema: {} }] })).toThrow(/x\.<kind>/);
  });

  it('refuses a queue two modules handle, tables two modules declare, and two modules of one id on a store', () => {
    const queued = (id: string) => defineModule({ id, jobs: () => ({ name: id, handlers: { 'same.queue': async () => null } }) });
    expect(() => moduleJobs(store, [queued('a'), queued('b')])).toThrow(/both handle the queue "same.queue"/);
    const tables = { name: 'shared', migrations: [] };
    expect(() => installModules(store, [defineModule({ id: 'a', tables: [tables] }), defineModule({ id: 'b', tables: [tables] })])).toThrow(/both declare/);
    const release = installModules(store, [defineModule({ id: 'a' })]);
    expect(() => installModules(store, [defineModule({ id: 'a' })])).toThrow(/already installed/);
    release();
    release();
    installModules(store, [defineModule({ id: 'a' })])();
  });

  it("installs a module's analytics datasets with it (named <module>.<name>) and removes them with its last holder", async () => {
    const rows = async () => {
      throw new Error('not read here');
    };
    const ds = { name: 'toyds.things', label: { en: 'Things' }, fields: [{ name: 'n', storage: 'integer' as const, label: { en: 'N' } }], rows };
    expect(() => defineModule({ id: 'other', datasets: [ds] })).toThrow(/other\.<name>/);
    expect(() => datasets.register({ ...ds, name: 'no_dot' })).toThrow(/<module>\.<name>/);
    const mod = defineModule({ id: 'toyds', datasets: [ds] });
    const release = installModules(store, [mod]);
    expect(datasets.get('toyds.things')).toBe(ds);
    expect(datasets.list()).toContain(ds);
    expect(() => datasets.register({ ...ds })).toThrow(/already installed/);
    const again = datasets.register(ds);
    again();
    again();
    expect(datasets.get('toyds.things')).toBe(ds);
    release();
    expect(datasets.get('toyds.things')).toBeUndefined();
    expect(byIdOf('incentives')?.datasets.map((d) => d.name)).toEqual(['incentives.payout']);
  });

  it('goals, incentives and workflow bring their kinds, subjects, checks, channels and jobs', () => {
    const byId = new Map(attainModules.map((m) => [m.id, m]));
    expect(byId.get('goals')?.kinds.map((k) => k.kind)).toEqual(['kpi', 'target_plan']);
    expect(byId.get('incentives')?.kinds.map((k) => k.kind)).toEqual(['incentive_plan']);
    expect(byId.get('workflow')?.kinds.map((k) => k.kind)).toEqual(['approval_flow', 'automation']);
    expect(Object.keys(byId.get('goals')?.approvalSubjects ?? {})).toEqual(['target_plan_version']);
    expect(Object.keys(byId.get('incentives')?.approvalSubjects ?? {}).sort()).toEqual(['dispute', 'incentive_period']);
    expect(Object.keys(byId.get('incentives')?.documentChecks ?? {})).toEqual(['incentives.plans']);
    expect(Object.keys(byId.get('workflow')?.documentChecks ?? {})).toEqual(['workflow.channels']);
    expect(byId.get('workflow')?.channels.map((c) => c.name)).toEqual(['inbox', 'email']);
    expect(byId.get('analytics')?.kinds.map((k) => k.kind)).toEqual(['analytics.report', 'analytics.dashboard']);
    // Every kind meta ships is owned by exactly one module; a module's own kinds (`<id>.<kind>`) are not shipped by meta.
    const owned = attainModules.flatMap((m) => m.kinds.map((k) => k.kind));
    expect(new Set(owned).size).toBe(owned.length);
    expect(
      metaKinds
        .names()
        .filter((k) => !['object', 'role'].includes(k) && !k.includes('.'))
        .sort(),
    ).toEqual(owned.filter((k) => !k.includes('.')).sort());
    // Each module's screens are a studio feature folder the studio loads.
    const screens = readFileSync(join(ROOT, 'studio/src/screens/index.ts'), 'utf8');
    for (const folder of attainModules.flatMap((m) => m.screens)) expect(screens).toContain(`./${folder}/index.ts`);
  });
});
