// Workflow benchmark on PostgreSQL: with 10,000 pending approvals and 100 automation rules,
// (1) the time to resolve approvers for a submission (and a whole submission), and (2) the
// throughput of rule evaluation per record change, alone and through the durable event path.
import { createDatabase, createStore, JobRunner, uuidv7, type RecordEvent } from '@attain/store';
import { matchRules, matchRulesBatch, Workflow } from '@attain/workflow';
import { baseDocs, makeOrg } from '../../packages/workflow/test/fixtures.ts';
import { freshDatabase } from './util.ts';

const PENDING = 10_000;
const RULES = 100;

function rules(): Array<Record<string, unknown>> {
  return Array.from({ length: RULES }, (_, i) => ({
    kind: 'automation',
    id: `bench.rule.${i}`,
    name: `rule_${i}`,
    label: { en: `Rule ${i}` },
    object: 'deal',
    trigger: { type: 'record', on: ['update'], ...(i % 3 === 0 ? { changed: ['stage'] } : {}), ...(i % 5 === 0 ? { previous: `amount <= ${i * 100}` } : {}) },
    // Only rule_7 matches the benchmark's changes, so the rest is evaluation cost.
    condition: i === 7 ? 'amount > 0' : `amount > ${1_000_000 + i} AND discount >= ${(i % 50) / 100}`,
    actions: [{ type: 'update', set: { notes: `="rule ${i}"` } }],
  }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;
const round = (n: number) => Math.round(n * 100) / 100;

export async function benchWorkflow(): Promise<Record<string, unknown>> {
  const url = await freshDatabase('attain_bench_workflow');
  const db = await createDatabase({ databaseUrl: url });
  const store = await createStore(db);
  try {
    const wf = new Workflow(store);
    const org = await makeOrg(store, [...baseDocs(), ...rules()], 'bench');
    const t = await wf.tenant(org.tenant);
    const records = await store.records(org.tenant);
    const sys = { userId: null, label: 'bench' };

    // 10,000 deals, each with a pending approval and an open task (bulk-loaded), plus 500 more to submit.
    for (let b = 0; b < (PENDING + 500) / 1000; b++) {
      const rows = Array.from({ length: Math.min(1000, PENDING + 500 - b * 1000) }, (_, i) => ({
        external_id: `d${b}_${i}`,
        name: `Deal ${b}-${i}`,
        amount: 1000 + i,
        discount: 0.1,
        owner_id: org.users.rep,
      }));
      await records.upsert('deal', rows, sys);
    }
    const first = await wf.approvals.submit(t, 'discount', (await records.list('deal', { limit: 1 })).data[0]!.id, { userId: org.users.rep });
    await t.knex.raw(
      `insert into ${wf.core.qualified(t, 'attain_workflow_instances')} (id, flow_id, flow_name, version, version_id, object, record_id, status, submitter_id, round, step_index, locked_fields, created_at, updated_at)
       select gen_random_uuid(), 'wf.flow.discount', 'discount', 1, ?, 'deal', d.id, 'pending', ?, 1, 0, '["amount","discount"]', now(), now()
       from ${wf.core.qualified(t, 'deal')} d where d.id <> ? order by d.id limit ${PENDING - 1}`,
      [first.version_id, org.users.rep, first.record_id],
    );
    await t.knex.raw(
      `insert into ${wf.core.qualified(t, 'attain_workflow_tasks')} (id, instance_id, round, step_index, approver_id, status, created_at, due_at)
       select gen_random_uuid(), i.id, 1, 0, ?, 'open', now(), now() + interval '1 day' from ${wf.core.qualified(t, 'attain_workflow_instances')} i where i.id <> ?`,
      [org.users.mgr, first.id],
    );
    await t.knex.raw(`analyze ${wf.core.qualified(t, 'attain_workflow_instances')}`);
    await t.knex.raw(`analyze ${wf.core.qualified(t, 'attain_workflow_tasks')}`);
    const pending = Number(
      ((await t.knex.raw(`select count(*) as c from ${wf.core.qualified(t, 'attain_workflow_instances')} where status = 'pending'`)) as { rows: Array<{ c: string }> }).rows[0]?.c,
    );

    const free = (
      (await t.knex.raw(
        `select d.id from ${wf.core.qualified(t, 'deal')} d where not exists (select 1 from ${wf.core.qualified(t, 'attain_workflow_instances')} i where i.record_id = d.id) limit 300`,
      )) as { rows: Array<{ id: string }> }
    ).rows.map((r) => r.id);
    const resolveMs: number[] = [];
    for (const id of free.slice(0, 200)) {
      const t0 = performance.now();
      await wf.approvals.preview(t, 'discount', id, org.users.rep);
      resolveMs.push(performance.now() - t0);
    }
    const submitMs: number[] = [];
    for (const id of free.slice(200, 300)) {
      const t0 = performance.now();
      await wf.approvals.submit(t, 'discount', id, { userId: org.users.rep });
      submitMs.push(performance.now() - t0);
    }
    const inboxT0 = performance.now();
    const inbox = await wf.approvals.inbox(t, org.users.mgr, { limit: 50 });
    const inboxMs = performance.now() - inboxT0;

    // Rule evaluation per record change: one statement evaluates all 100 rules on old and new images.
    const sample = (await records.list('deal', { limit: 200 })).data;
    const events: RecordEvent[] = Array.from({ length: 6000 }, (_, i) => {
      const before = sample[i % sample.length]!;
      return {
        tenant: org.tenant,
        object: 'deal',
        recordId: before.id,
        op: 'update',
        before,
        after: { ...before, amount: String(2000 + (i % 500)), stage: i % 2 ? 'won' : 'open' },
        actor: sys,
        revision: null,
        at: new Date().toISOString(),
      };
    });
    await Promise.all(events.slice(0, 200).map((e) => matchRules(wf.core, t, e)));
    // (a) one statement per change, as many in flight as the pool allows
    const concurrency = 8;
    let next = 0;
    let matchedSingle = 0;
    const s0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const e = events[next++];
          if (!e) return;
          const n = (await matchRules(wf.core, t, e)).length;
          matchedSingle += n;
        }
      }),
    );
    const singleSeconds = (performance.now() - s0) / 1000;
    // (b) batches of 50 changes per statement, as the event handler evaluates them
    const batch = 50;
    let matchedBatch = 0;
    const e0 = performance.now();
    for (let i = 0; i < events.length; i += batch) matchedBatch += (await matchRulesBatch(wf.core, t, events.slice(i, i + batch))).reduce((a, m) => a + m.length, 0);
    const evalSeconds = (performance.now() - e0) / 1000;

    // The durable path: real updates → outbox jobs → two runners claiming and evaluating.
    const m = wf.background();
    for (const s of m.subscriptions ?? []) store.events.subscribe(s);
    const eventOnly = { [`event:workflow`]: m.handlers['event:workflow']! };
    const changes = 2000;
    for (let i = 0; i < changes; i++) await records.update('deal', sample[i % sample.length]!.id, { name: `Renamed ${i}` }, sys);
    const runners = [new JobRunner(store.jobs, { handlers: eventOnly, batch: 1 }), new JobRunner(store.jobs, { handlers: eventOnly, batch: 1 })];
    const doneEvents = async () =>
      Number(
        (
          (await t.knex.raw(`select count(*) as c from ${wf.core.qualified({ ...t, schema: store.controlSchema }, 'jobs')} where queue = 'event:workflow' and status = 'done'`)) as {
            rows: Array<{ c: string }>;
          }
        ).rows[0]?.c,
      );
    const before = await doneEvents();
    const d0 = performance.now();
    for (;;) {
      const n = (await Promise.all(runners.map((r) => r.runOnce()))).reduce((a, b) => a + b, 0);
      if (n === 0) break;
    }
    const durableSeconds = (performance.now() - d0) / 1000;
    const handled = (await doneEvents()) - before;
    const runsCreated = Number(((await t.knex.raw(`select count(*) as c from ${wf.core.qualified(t, 'attain_workflow_runs')}`)) as { rows: Array<{ c: string }> }).rows[0]?.c);

    return {
      database: 'postgres',
      pendingApprovals: pending,
      rules: RULES,
      resolveApproversMs: { p50: round(pct(resolveMs, 50)), p95: round(pct(resolveMs, 95)), n: resolveMs.length },
      submitMs: { p50: round(pct(submitMs, 50)), p95: round(pct(submitMs, 95)), n: submitMs.length },
      inboxMs: round(inboxMs),
      inboxRows: inbox.length,
      ruleEvaluation: {
        changes: events.length,
        perChangeStatement: { concurrency, changesPerSecond: Math.round(events.length / singleSeconds), matchedRules: matchedSingle },
        batched: { batch, changesPerSecond: Math.round(events.length / evalSeconds), matchedRules: matchedBatch },
      },
      durableEvents: { changes: handled, runners: runners.length, runsCreated, changesPerSecond: Math.round(handled / durableSeconds) },
    };
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchWorkflow(), null, 2));
