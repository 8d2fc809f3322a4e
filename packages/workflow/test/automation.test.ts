import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createStore, JobRunner, openTestStore, sharedTestDatabase, type Store } from '@attain/store';
import { listRuns, RUN_QUEUE, signBody, Workflow } from '../src/index.ts';
import { baseDocs, clock, deal, makeOrg, system, type Org } from './fixtures.ts';
import { httpReceiver } from './receivers.ts';

// The receivers listen on 127.0.0.1; the SSRF guard refuses it unless allowed explicitly.
const LOCAL = ['127.0.0.1'];
let storeA: Store;
let storeB: Store;
let wfA: Workflow;
let wfB: Workflow;
let receiver: Awaited<ReturnType<typeof httpReceiver>>;
let failing: Awaited<ReturnType<typeof httpReceiver>>;

function runnerFor(store: Store, wf: Workflow, now = () => new Date()) {
  const m = wf.background();
  for (const s of m.subscriptions ?? []) store.events.subscribe(s);
  return new JobRunner(store.jobs, { handlers: m.handlers, now, backoffMs: () => 1, batch: 5 });
}

async function drainAll(...runners: JobRunner[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const n = await Promise.all(runners.map((r) => r.drain(20)));
    if (n.every((x) => x === 0)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  storeA = await openTestStore();
  // A second "server node": its own store over the same database and control schema.
  storeB = await createStore(await sharedTestDatabase(), { controlSchema: storeA.controlSchema, tenantSchemaPrefix: 'tb_', ownsDatabase: false });
  wfA = new Workflow(storeA, { maxAttempts: 3, webhookAllowHosts: LOCAL });
  wfB = new Workflow(storeB, { maxAttempts: 3, webhookAllowHosts: LOCAL });
  receiver = await httpReceiver();
  failing = await httpReceiver(() => ({ status: 500, body: { error: 'down' } }));
});

afterAll(async () => {
  await receiver.close();
  await failing.close();
});

const wonRule = (url: string) => ({
  kind: 'automation',
  id: 'wf.rule.won',
  name: 'deal_won',
  label: { en: 'Deal won' },
  object: 'deal',
  trigger: { type: 'record', on: ['update'], changed: ['stage'], previous: 'stage <> "won"' },
  condition: 'stage = "won"',
  actions: [
    { type: 'create', object: 'followup', set: { subject: '="Thank " & name', deal_id: '=id' } },
    { type: 'webhook', url, secret: 'hook' },
  ],
});

describe('automation rules', () => {
  it('fires an update trigger exactly once per event with two nodes sharing one database', async () => {
    const org = await makeOrg(storeA, [...baseDocs(), wonRule(receiver.url('/won'))], 'auto');
    await wfA.core.saveSettings(await wfA.tenant(org.tenant), { secrets: { hook: 'k3y' } });
    const a = runnerFor(storeA, wfA);
    const b = runnerFor(storeB, wfB);
    const ra = await storeA.records(org.tenant);
    const rb = await storeB.records(org.tenant);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await deal(storeA, org, { name: `D${i}` }));
    for (const [i, id] of ids.entries()) {
      const r = i % 2 ? ra : rb;
      await r.update('deal', id, { name: `Deal ${i}` }, system);
      await r.update('deal', id, { stage: 'won' }, system);
      await r.update('deal', id, { notes: 'after' }, system);
    }
    await drainAll(a, b);
    const followups = await ra.list('followup', { limit: 100 });
    expect(followups.data).toHaveLength(10);
    expect(new Set(followups.data.map((f) => f.deal_id))).toEqual(new Set(ids));
    expect(followups.data.map((f) => f.subject)).toContain('Thank Deal 3');
    const hits = receiver.hits.filter((h) => h.url === '/won');
    expect(hits).toHaveLength(10);
    expect(new Set(hits.map((h) => h.headers['x-attain-delivery'])).size).toBe(10);
    const h = hits[0]!;
    expect(h.headers['x-attain-signature']).toBe(signBody('k3y', String(h.headers['x-attain-timestamp']), h.body));
    expect(JSON.parse(h.body)).toMatchObject({ rule: 'deal_won', object: 'deal', op: 'update', record: { stage: 'won' }, previous: { stage: 'open' } });
    // a second delivery of the same event job creates no second run
    const t = await wfA.tenant(org.tenant);
    const { handleEvent } = await import('../src/automation.ts');
    const job = (await storeA.jobs.list({ queue: 'event:workflow', status: 'done', limit: 200 })).find((j) => (j.result as { matched?: string[] } | null)?.matched?.length);
    expect(job).toBeDefined();
    await handleEvent(wfA.core, { ...job!, attempts: 2 });
    await drainAll(a, b);
    expect((await ra.list('followup', { limit: 100 })).data).toHaveLength(10);
    const runs = await (await import('../src/index.ts')).listRuns(wfA.core, t, { rule: 'deal_won' });
    expect(runs.every((r) => r.status === 'done')).toBe(true);
    expect(runs).toHaveLength(10);
  });

  it('retries a failing webhook with backoff, then reports it, without blocking other rules', async () => {
    const rules = [
      {
        kind: 'automation',
        id: 'wf.rule.hook',
        name: 'bad_hook',
        label: { en: 'Bad hook' },
        object: 'deal',
        trigger: { type: 'record', on: ['create'] },
        actions: [{ type: 'webhook', url: failing.url('/x') }],
      },
      {
        kind: 'automation',
        id: 'wf.rule.mark',
        name: 'mark',
        label: { en: 'Mark' },
        object: 'deal',
        trigger: { type: 'record', on: ['create'] },
        condition: 'amount >= 100',
        actions: [{ type: 'update', set: { notes: '="big: " & TEXT(amount)' } }],
      },
      {
        kind: 'automation',
        id: 'wf.rule.gone',
        name: 'gone',
        label: { en: 'Gone' },
        object: 'deal',
        trigger: { type: 'record', on: ['delete'] },
        condition: 'amount >= 100',
        actions: [{ type: 'notify', to: [{ type: 'role', role: 'admin' }], channels: ['inbox'], template: { title: { en: 'Deleted {{record.name}}' } } }],
      },
    ];
    const org = await makeOrg(storeA, [...baseDocs(), ...rules], 'fail');
    const a = runnerFor(storeA, wfA);
    const id = await deal(storeA, org, { name: 'Hooked', amount: 150 });
    await drainAll(a);
    const r = await storeA.records(org.tenant);
    expect((await r.get('deal', id))?.notes).toBe('big: 150.00');
    expect(failing.hits).toHaveLength(3);
    const t = await wfA.tenant(org.tenant);
    const { listRuns } = await import('../src/index.ts');
    const [bad] = await listRuns(wfA.core, t, { rule: 'bad_hook' });
    expect(bad).toMatchObject({ status: 'failed', attempts: 3 });
    expect(bad?.last_error).toMatch(/HTTP 500/);
    const inbox = await wfA.notifications(org.tenant, org.users.admin);
    expect(inbox.data.map((n) => n.title)).toContain('Automation failed: bad_hook');
    await r.delete('deal', id, system);
    await drainAll(a);
    expect((await wfA.notifications(org.tenant, org.users.admin)).data.map((n) => n.title)).toContain('Deleted Hooked');
  });

  it('takes over a run whose node died mid-run once its lease ends, without spending the job’s attempts', async () => {
    const org = await makeOrg(storeA, [...baseDocs(), wonRule(receiver.url('/taken-over'))], 'lease');
    await wfA.core.saveSettings(await wfA.tenant(org.tenant), { secrets: { hook: 'k3y' } });
    const m = wfA.background();
    for (const s of m.subscriptions ?? []) storeA.events.subscribe(s);
    // Events only: the run is created and its job enqueued, but nothing executes it yet.
    const { [RUN_QUEUE]: runHandler, ...eventHandlers } = m.handlers;
    const events = new JobRunner(storeA.jobs, { handlers: eventHandlers, backoffMs: () => 1 });
    const id = await deal(storeA, org, { name: 'Held' });
    await (await storeA.records(org.tenant)).update('deal', id, { stage: 'won' }, system);
    await events.drain();
    const t = await wfA.tenant(org.tenant);
    const [run] = await listRuns(wfA.core, t, { rule: 'deal_won' });
    expect(run).toMatchObject({ status: 'ready' });
    // As if another node had claimed the run and died: running, its lease still ahead.
    const lease = new Date(Date.now() + 400);
    await wfA.core.table(t.knex, t, 'attain_workflow_runs').where({ id: run!.id }).update({ status: 'running', lease_until: lease });
    const runs = new JobRunner(storeA.jobs, { handlers: { [RUN_QUEUE]: runHandler! }, backoffMs: () => 1 });
    expect(await runs.runOnce()).toBe(1);
    const [job] = await storeA.jobs.list({ queue: RUN_QUEUE, tenant: org.tenant });
    // Deferred to the lease's end, not failed, and the claim not counted.
    expect(job).toMatchObject({ status: 'ready', attempts: 0, lastError: null });
    expect(Date.parse(job!.runAt)).toBe(lease.getTime());
    expect(await runs.runOnce()).toBe(0);
    await new Promise((r) => setTimeout(r, 450));
    expect(await runs.drain()).toBe(1);
    expect(await storeA.jobs.get(job!.id)).toMatchObject({ status: 'done', attempts: 1 });
    expect((await listRuns(wfA.core, t, { rule: 'deal_won' }))[0]).toMatchObject({ status: 'done', attempts: 1 });
    expect(receiver.hits.filter((h) => h.url === '/taken-over')).toHaveLength(1);
  });

  it('fires a scheduled rule at the right local time in the tenant time zone', async () => {
    const rule = {
      kind: 'automation',
      id: 'wf.rule.daily',
      name: 'daily',
      label: { en: 'Daily' },
      object: 'deal',
      trigger: { type: 'schedule', cron: '0 9 * * *' },
      condition: 'stage = "open"',
      actions: [{ type: 'notify', to: [{ type: 'owner' }], channels: ['inbox'], template: { title: { en: 'Still open: {{record.name}}', 'zh-CN': '仍未关闭：{{record.name}}' } } }],
    };
    const c = clock(Date.parse('2026-03-01T00:30:00Z'));
    const wf = new Workflow(storeA, { now: c.now });
    const org = await makeOrg(storeA, [...baseDocs(), rule], 'sched');
    await wf.core.saveSettings(await wf.tenant(org.tenant), { timezone: 'Asia/Shanghai' });
    await deal(storeA, org, { name: 'Open one' });
    await deal(storeA, org, { name: 'Won one', stage: 'won' });
    expect((await wf.tick(org.tenant)).fired).toEqual([]);
    c.set(Date.parse('2026-03-01T00:59:59Z'));
    expect((await wf.tick(org.tenant)).fired).toEqual([]);
    c.set(Date.parse('2026-03-01T01:00:05Z'));
    expect((await wf.tick(org.tenant)).fired).toEqual(['daily@2026-03-01T01:00:00.000Z']);
    expect((await wf.tick(org.tenant)).fired).toEqual([]);
    const a = runnerFor(storeA, wf);
    await drainAll(a);
    expect((await wf.notifications(org.tenant, org.users.rep)).data.map((n) => n.title)).toEqual(['Still open: Open one']);
    c.set(Date.parse('2026-03-03T02:00:00Z'));
    expect((await wf.tick(org.tenant)).fired).toEqual(['daily@2026-03-02T01:00:00.000Z', 'daily@2026-03-03T01:00:00.000Z']);
  });

  it('starts an approval flow from a rule and checks rule formulas', async () => {
    const rule = {
      kind: 'automation',
      id: 'wf.rule.start',
      name: 'auto_submit',
      label: { en: 'Auto submit' },
      object: 'deal',
      trigger: { type: 'record', on: ['create'] },
      condition: 'discount > 25%',
      actions: [{ type: 'start_flow', flow: 'discount' }],
    };
    const org: Org = await makeOrg(storeA, [...baseDocs(), rule], 'start');
    const a = runnerFor(storeA, wfA);
    const big = await deal(storeA, org, { discount: 0.3 });
    const small = await deal(storeA, org, { discount: 0.1 });
    await drainAll(a);
    const t = await wfA.tenant(org.tenant);
    expect((await wfA.approvals.instancesFor(t, 'deal', big)).map((i) => [i.status, i.submitter_id])).toEqual([['pending', org.users.rep]]);
    expect(await wfA.approvals.instancesFor(t, 'deal', small)).toEqual([]);
    const { checkWorkflowDocs } = await import('../src/index.ts');
    const { Registry } = await import('@attain/meta');
    const bad = Registry.fromDocuments([...baseDocs(), { ...rule, condition: 'nosuch > 1', trigger: { type: 'schedule', cron: 'not a cron' }, actions: [{ type: 'update', set: { notes: '=1 +' } }] }]);
    expect(checkWorkflowDocs(bad).map((p) => p.rule)).toEqual(expect.arrayContaining(['cron']));
    expect(checkWorkflowDocs(bad).length).toBe(3);
    expect(createHmac).toBeDefined();
  });
});
