// Action runs: the durable unit of automation and of an approval's final actions. A run row
// keeps its progress, so a retry after a failure resumes at the action that failed and the
// actions before it are not repeated; its key makes a run exist at most once per cause.
import type { ApproverSpec, WorkflowActionDoc } from '@attain/meta';
import { JobDeferred, uuidv7, type Actor } from '@attain/store';
import { resolveUsers } from './approvers.ts';
import { evaluateOnRecord } from './conditions.ts';
import { SYSTEM, trxOf, type Core, type Q, type TenantCtx } from './core.ts';
import { WorkflowError } from './errors.ts';
import { T } from './module.ts';
import { notify } from './notify/notifier.ts';
import { BUILTIN, render } from './notify/template.ts';
import { prepareWebhook, sendWebhook, type WebhookFormat } from './notify/webhook.ts';
import type { Subject } from './subjects.ts';

export const RUN_QUEUE = 'workflow.run';

export interface RunContext {
  actor: Actor;
  submitterId?: string | null;
  op?: string;
  /** The record as the trigger saw it (a deleted record has only this). */
  image?: Record<string, unknown> | null;
  previous?: Record<string, unknown> | null;
  flow?: string;
  outcome?: string;
  reason?: string | null;
  /** A non-record approval subject, for its handler. */
  subject?: Subject | null;
  instanceId?: string;
}

export interface RunInput {
  key: string;
  source: 'automation' | 'schedule' | 'approval';
  rule: string;
  object?: string | null;
  recordId?: string | null;
  actions: readonly WorkflowActionDoc[];
  context: RunContext;
}

export interface RunRow {
  id: string;
  key: string;
  source: string;
  rule: string;
  object: string | null;
  record_id: string | null;
  actions: WorkflowActionDoc[];
  context: RunContext;
  progress: number;
  status: 'ready' | 'running' | 'retry' | 'done' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

/** Creates many runs (once per key) and their jobs with one insert, in the caller's transaction. */
export async function createRuns(core: Core, q: Q, t: TenantCtx, inputs: readonly RunInput[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const now = core.now();
  const rows = inputs.map((input) => ({
    id: uuidv7(),
    key: input.key,
    source: input.source,
    rule: input.rule,
    object: input.object ?? null,
    record_id: input.recordId ?? null,
    actions: JSON.stringify(input.actions),
    context: JSON.stringify(input.context),
    status: 'ready',
    created_at: now,
  }));
  let created = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const inserted = (await core
      .table(q, t, T.runs)
      .insert(rows.slice(i, i + 500))
      .onConflict('key')
      .ignore()
      .returning('key')) as Array<{ key: string }>;
    for (const r of inserted) {
      await core.store.jobs.enqueue({ queue: RUN_QUEUE, tenant: t.tenant, key: `${t.tenantId}:${r.key}`, payload: { tenant: t.tenant, key: r.key }, maxAttempts: core.opts.maxAttempts }, trxOf(q));
      created++;
    }
  }
  return created;
}

/** Creates the run (once per key) and its job, in the caller's transaction. */
export async function createRun(core: Core, q: Q, t: TenantCtx, input: RunInput, opts: { delayMs?: number } = {}): Promise<boolean> {
  const inserted = (await core
    .table(q, t, T.runs)
    .insert({
      id: uuidv7(),
      key: input.key,
      source: input.source,
      rule: input.rule,
      object: input.object ?? null,
      record_id: input.recordId ?? null,
      actions: JSON.stringify(input.actions),
      context: JSON.stringify(input.context),
      status: 'ready',
      created_at: core.now(),
    })
    .onConflict('key')
    .ignore()
    .returning('id')) as Array<{ id: string }>;
  if (inserted.length === 0) return false;
  await core.store.jobs.enqueue(
    {
      queue: RUN_QUEUE,
      tenant: t.tenant,
      key: `${t.tenantId}:${input.key}`,
      payload: { tenant: t.tenant, key: input.key },
      maxAttempts: core.opts.maxAttempts,
      ...(opts.delayMs ? { runAt: new Date(Date.now() + opts.delayMs) } : {}),
    },
    trxOf(q),
  );
  return true;
}

function plain(v: unknown, type?: string): unknown {
  if (v instanceof Date) return type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString();
  return v;
}

/** Field values of an update/create: literals, or `=formula` evaluated on the run's record. */
async function values(core: Core, t: TenantCtx, run: RunRow, set: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const formulas: Array<{ field: string; source: string }> = [];
  for (const [field, v] of Object.entries(set)) {
    if (typeof v === 'string' && v.startsWith('=')) formulas.push({ field, source: v.slice(1) });
    else out[field] = v;
  }
  if (formulas.length) {
    const object = run.object ? t.registry.object(run.object) : undefined;
    if (!object || !run.record_id) throw new WorkflowError('validation_failed', 'a formula value needs a triggering record');
    const vals = await evaluateOnRecord(
      t.knex,
      t.registry,
      t.schema,
      object,
      run.record_id,
      formulas.map((f) => ({ source: f.source, path: `/set/${f.field}` })),
      today(core),
    );
    if (!vals) throw new WorkflowError('not_found', `the ${object.name} is gone`);
    formulas.forEach((f, i) => (out[f.field] = plain(vals[i], t.registry.field(run.object as string, f.field)?.storage)));
  }
  return out;
}

/** The external id of the record a run's create action makes. */
export const createKey = (run: Pick<RunRow, 'id'>, index: number): string => `wf:${run.id}:${index}`;

const today = (core: Core) => core.now().toISOString().slice(0, 10);

async function recordImage(core: Core, t: TenantCtx, run: RunRow): Promise<Record<string, unknown> | null> {
  if (run.object && run.record_id) {
    const row = await core.record(t.knex, t, run.object, run.record_id);
    if (row) return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v, t.registry.field(run.object as string, k)?.storage)]));
  }
  return run.context.image ?? null;
}

async function runAction(core: Core, t: TenantCtx, run: RunRow, action: WorkflowActionDoc, index: number): Promise<void> {
  const actor = SYSTEM(`${run.source}:${run.rule}`);
  const record = await recordImage(core, t, run);
  const title = run.object ? core.titleOf(t, run.object, record ?? undefined) : (run.context.subject?.label ?? run.rule);
  const vars = {
    record: record ?? {},
    previous: run.context.previous ?? {},
    rule: run.rule,
    title,
    flow: run.context.flow ?? '',
    outcome: run.context.outcome ?? '',
    reason: run.context.reason ?? '',
    op: run.context.op ?? '',
  };
  switch (action.type) {
    case 'update': {
      if (!run.object || !run.record_id) throw new WorkflowError('validation_failed', 'update needs a triggering record');
      const service = await core.store.records(t.tenant);
      await service.update(run.object, run.record_id, await values(core, t, run, action.set ?? {}), actor);
      return;
    }
    case 'create': {
      // Idempotent: the record carries a key of this run and action, so a retry after a crash
      // between creating it and saving the run's progress finds it instead of creating another.
      const object = t.registry.object(action.object as string);
      if (!object) throw new WorkflowError('not_found', `There is no object named "${String(action.object).slice(0, 64)}"`);
      const data = await values(core, t, run, action.set ?? {});
      const key = typeof data.external_id === 'string' && data.external_id ? data.external_id : createKey(run, index);
      const found = await t.knex.withSchema(t.schema).from(object.table).where('external_id', key).whereNull('deleted_at').first('id');
      if (found) return;
      const service = await core.store.records(t.tenant);
      try {
        await service.create(object.name, { ...data, external_id: key }, actor);
      } catch (error) {
        // Another attempt created it at the same moment: the record exists once, which is the point.
        if ((error as { code?: unknown }).code === 'conflict' && (await t.knex.withSchema(t.schema).from(object.table).where('external_id', key).whereNull('deleted_at').first('id'))) return;
        throw error;
      }
      return;
    }
    case 'subject' as WorkflowActionDoc['type']: {
      const subject = run.context.subject;
      const handler = subject ? core.subjects.get(subject.kind) : undefined;
      if (!subject || !handler) throw new WorkflowError('invalid_state', `nothing handles approvals of "${String(subject?.kind ?? '')}"`);
      await handler.decided({
        tenant: t.tenant,
        subject,
        outcome: run.context.outcome === 'approved' ? 'approved' : 'rejected',
        actor: run.context.actor,
        reason: run.context.reason ?? null,
        instanceId: run.context.instanceId ?? '',
      });
      return;
    }
    case 'start_flow': {
      if (!run.object || !run.record_id) throw new WorkflowError('validation_failed', 'start_flow needs a triggering record');
      const submitter = run.context.submitterId ?? (typeof record?.owner_id === 'string' ? record.owner_id : null);
      await core.startFlow?.(t, action.flow as string, run.record_id, submitter, actor);
      return;
    }
    case 'notify': {
      await t.knex.transaction(async (trx) => {
        const userIds = await resolveUsers(
          { q: trx, schema: t.schema, registry: t.registry, record, submitterId: run.context.submitterId ?? null, now: core.now(), timeZone: t.timeZone },
          (action.to ?? []) as ApproverSpec[],
        );
        await notify(core, trx, t, {
          userIds,
          template: action.template ?? BUILTIN.task!,
          vars,
          kind: 'automation',
          object: run.object,
          recordId: run.record_id,
          key: `run:${run.id}:${index}`,
          ...(action.channels ? { channels: action.channels } : {}),
        });
      });
      return;
    }
    case 'webhook': {
      const settings = await core.settings(t.knex, t);
      const secret = action.secret ? settings.secrets?.[action.secret] : undefined;
      if (action.secret && !secret) throw new WorkflowError('validation_failed', `no webhook secret named "${action.secret}" in the workflow settings`);
      const format = (action.format ?? 'json') as WebhookFormat;
      const text = action.template ? (action.template.body?.[settings.locale ?? 'en'] ?? action.template.body?.en ?? '') : `${run.rule}: ${title}`;
      const heading = action.template ? (action.template.title[settings.locale ?? 'en'] ?? action.template.title.en) : run.rule;
      const payload = {
        id: run.key,
        source: run.source,
        rule: run.rule,
        object: run.object,
        recordId: run.record_id,
        ...(run.context.subject ? { subject: run.context.subject } : {}),
        op: run.context.op ?? null,
        record,
        previous: run.context.previous ?? null,
        outcome: run.context.outcome ?? null,
        at: core.now().toISOString(),
      };
      const req = prepareWebhook(
        format,
        action.url as string,
        { payload, title: render(heading, vars), text: render(text, vars) },
        { ...(secret ? { secret } : {}), now: core.now(), deliveryId: `${run.key}:${index}` },
      );
      await sendWebhook(format, req, core.outbound(settings));
      return;
    }
    default:
      throw new WorkflowError('validation_failed', `unknown action ${String((action as { type: unknown }).type)}`);
  }
}

/** How long a node holds a run it executes without renewing (it renews every third of it). */
export const RUN_LEASE_MS = 30_000;

/**
 * Runs what is left of a run. `final` says this is the last attempt: a failure is then recorded
 * as failed and reported to the tenant's admins in their inbox.
 */
export async function executeRun(core: Core, t: TenantCtx, key: string, opts: { final: boolean }): Promise<RunRow['status']> {
  const now = core.now();
  const claimed = (await core
    .table(t.knex, t, T.runs)
    .where({ key })
    .where((w) => w.whereIn('status', ['ready', 'retry']).orWhere((r) => r.where('status', 'running').andWhere('lease_until', '<', now)))
    .update({ status: 'running', lease_until: new Date(now.getTime() + RUN_LEASE_MS), attempts: t.knex.raw('attempts + 1') })
    .returning('*')) as RunRow[];
  const run = claimed[0];
  if (!run) {
    const row = (await core.table(t.knex, t, T.runs).where({ key }).first('status', 'lease_until')) as { status: RunRow['status']; lease_until: Date | string | null } | undefined;
    if (!row) return 'done';
    // Held by another node: its job waits for the lease (a dead holder's run is taken over then) without spending an attempt.
    if (row.status === 'running') throw new JobDeferred(new Date(row.lease_until ?? now), 'the run is in progress on another node');
    return row.status;
  }
  // The lease is kept short and renewed while this node works, so a node that dies mid-run gives it up within RUN_LEASE_MS.
  const renew = setInterval(() => {
    void core
      .table(t.knex, t, T.runs)
      .where({ id: run.id, status: 'running' })
      .update({ lease_until: new Date(core.now().getTime() + RUN_LEASE_MS) })
      .catch(() => undefined);
  }, RUN_LEASE_MS / 3);
  renew.unref();
  let i = Number(run.progress);
  try {
    for (; i < run.actions.length; i++) {
      await runAction(core, t, run, run.actions[i] as WorkflowActionDoc, i);
      await core
        .table(t.knex, t, T.runs)
        .where({ id: run.id })
        .update({ progress: i + 1 });
    }
    await core.table(t.knex, t, T.runs).where({ id: run.id }).update({ status: 'done', finished_at: core.now(), lease_until: null, last_error: null });
    return 'done';
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    await t.knex.transaction(async (trx) => {
      await core
        .table(trx, t, T.runs)
        .where({ id: run.id })
        .update({ status: opts.final ? 'failed' : 'retry', last_error: `action ${i + 1}: ${message}`, lease_until: null, ...(opts.final ? { finished_at: core.now() } : {}) });
      if (opts.final) await reportFailure(core, trx, t, run, message);
    });
    throw error;
  } finally {
    clearInterval(renew);
  }
}

async function reportFailure(core: Core, q: Q, t: TenantCtx, run: RunRow, error: string): Promise<void> {
  const admins = t.registry.roles.filter((r) => r.admin).map((r): ApproverSpec => ({ type: 'role', role: r.name }));
  const userIds = await resolveUsers({ q, schema: t.schema, registry: t.registry, record: null, submitterId: null, now: core.now(), timeZone: t.timeZone }, admins);
  await notify(core, q, t, {
    userIds,
    template: BUILTIN.run_failed!,
    vars: { rule: run.rule, attempts: Number(run.attempts), error },
    kind: 'run_failed',
    object: run.object,
    recordId: run.record_id,
    key: `failed:${run.id}`,
    channels: ['inbox'],
  });
}

export async function listRuns(core: Core, t: TenantCtx, q: { rule?: string; status?: string; limit?: number }): Promise<RunRow[]> {
  const qb = core
    .table(t.knex, t, T.runs)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(q.limit ?? 100, 500));
  if (q.rule) qb.where('rule', q.rule);
  if (q.status) qb.where('status', q.status);
  return (await qb) as RunRow[];
}
