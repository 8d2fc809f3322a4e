// The approval engine: submit, approve/reject/send back, withdraw, resubmit, comment; steps in
// sequence, each parallel (any/all) and optionally conditional; SLA reminders and escalation.
import type { ApprovalFlowDoc, ApprovalStep, ApproverSpec } from '@attain/meta';
import { calendar, uuidv7, type Actor } from '@attain/store';
import { delegateOf, resolveApprovers, resolveUsers, type ResolveContext } from './approvers.ts';
import { evaluateOnRecord, truthy } from './conditions.ts';
import type { Core, Q, TenantCtx } from './core.ts';
import { WorkflowError } from './errors.ts';
import { T } from './module.ts';
import { notify } from './notify/notifier.ts';
import { BUILTIN } from './notify/template.ts';
import { createRun, executeRun } from './runs.ts';
import { ensureVersion, versionById } from './versions.ts';
import { flowSubject, isRecordFlow, isRecordSubject, subjectRecordId, type Subject } from './subjects.ts';

export type InstanceStatus = 'pending' | 'returned' | 'approved' | 'rejected' | 'withdrawn';

export interface InstanceRow {
  id: string;
  flow_id: string;
  flow_name: string;
  version: number;
  version_id: string;
  object: string;
  record_id: string;
  status: InstanceStatus;
  submitter_id: string | null;
  round: number;
  step_index: number;
  locked_fields: string[];
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
  /** Set for approvals on something other than a record (then `object` is the subject kind). */
  subject?: Subject | null;
}

export interface TaskRow {
  id: string;
  instance_id: string;
  round: number;
  step_index: number;
  approver_id: string;
  original_approver_id: string | null;
  status: 'open' | 'approved' | 'rejected' | 'returned' | 'cancelled' | 'escalated';
  due_at: Date | string | null;
  remind_at: Date | string | null;
  reminders: number;
  escalated: boolean;
  decided_by: string | null;
  decided_at: Date | string | null;
  comment: string | null;
  created_at: Date | string;
}

export type Decision = 'approve' | 'reject' | 'send_back';

const HOUR = 3_600_000;
/** Delegations are for real calendars: the same year range the API accepts for any date. */
const DELEGATION_YEARS = { min: 1900, max: 2999 } as const;

/** The object of a record flow; a flow on another subject is submitted through its subject. */
function recordObject(flow: ApprovalFlowDoc): string {
  if (!isRecordFlow(flow) || !flow.object)
    throw new WorkflowError('invalid_state', `The approval flow "${flow.name}" approves a ${flowSubject(flow)}, not a record; submit the ${flowSubject(flow)} instead`);
  return flow.object;
}

/** What a transaction decided that must happen after it commits. */
interface After {
  runKey?: string;
}

export class Approvals {
  private readonly core: Core;

  constructor(core: Core) {
    this.core = core;
    core.startFlow = async (t, flow, recordId, submitterId, actor) => {
      const active = await this.activeInstance(t.knex, t, t.registry.documentsOf('approval_flow').find((f) => f.name === flow)?.object ?? '', recordId);
      if (active) return;
      try {
        await this.submit(t, flow, recordId, { userId: submitterId, label: actor.label ?? 'automation' }, { trusted: true });
      } catch (error) {
        // A record outside the flow's entry condition is simply not submitted.
        if (error instanceof WorkflowError && error.code === 'entry_condition') return;
        throw error;
      }
    };
  }

  /** The record an instance is about; none for other subjects. */
  private async recordOf(q: Q, t: TenantCtx, inst: InstanceRow): Promise<Record<string, unknown> | null> {
    if (!isRecordSubject(inst.subject) || !t.registry.object(inst.object)) return null;
    return (await this.core.record(q, t, inst.object, inst.record_id)) ?? null;
  }

  private titleOf(t: TenantCtx, inst: Pick<InstanceRow, 'object' | 'subject'>, record: Record<string, unknown> | null): string {
    if (!isRecordSubject(inst.subject)) return inst.subject?.label ?? inst.subject?.id ?? '';
    return this.core.titleOf(t, inst.object, record ?? undefined);
  }

  /**
   * The active flow that gates a subject kind: the one the tenant chose in the workflow settings
   * (`subjectFlows`, an override), else the active flow declaring `subject: <kind>` (the registry
   * allows one at most).
   */
  async flowForSubject(t: TenantCtx, kind: string): Promise<string | undefined> {
    const flows = t.registry.documentsOf('approval_flow').filter((f) => f.active !== false);
    const name = (await this.core.settings(t.knex, t)).subjectFlows?.[kind];
    if (name) return flows.some((f) => f.name === name && (isRecordFlow(f) || flowSubject(f) === kind)) ? name : undefined;
    return kind === 'record' ? undefined : flows.find((f) => flowSubject(f) === kind)?.name;
  }

  /**
   * Submits a subject that is not a record (a target plan version, an incentive period, a
   * dispute) to a flow: the one named, else the tenant's flow for the kind. Its steps run as for
   * a record, but formulas (entry and step conditions) and record-bound approvers (`field`,
   * `owner`) have no record to look at: conditions are not evaluated (the step runs) and those
   * approvers resolve to the fallback. On the decision the kind's handler is called.
   */
  async submitSubject(t: TenantCtx, subject: Subject, actor: Actor, opts: { flow?: string; comment?: string | null } = {}): Promise<InstanceRow> {
    if (isRecordSubject(subject)) {
      if (!opts.flow) throw new WorkflowError('validation_failed', 'a record is submitted to a named flow', [{ path: '/flow', rule: 'required', message: 'required' }]);
      return this.submit(t, opts.flow, subject.id, actor, { comment: opts.comment ?? null });
    }
    const handler = this.core.subjects.get(subject.kind);
    if (!handler) throw new WorkflowError('invalid_state', `Nothing handles approvals of "${String(subject.kind).slice(0, 64)}"`);
    const name = opts.flow ?? (await this.flowForSubject(t, subject.kind));
    if (!name) throw new WorkflowError('not_found', `No approval flow is configured for "${String(subject.kind).slice(0, 64)}"`);
    const flow = this.core.flow(t, name);
    if (flow.active === false) throw new WorkflowError('invalid_state', `The approval flow "${flow.name}" is not active`);
    if (!isRecordFlow(flow) && flowSubject(flow) !== subject.kind)
      throw new WorkflowError('invalid_state', `The approval flow "${flow.name}" approves ${flowSubject(flow)}, not ${String(subject.kind).slice(0, 64)}`);
    await handler.check?.(t.tenant, subject);
    const recordId = subjectRecordId(subject.kind, subject.id);
    const existing = await this.activeInstance(t.knex, t, subject.kind, recordId);
    if (existing?.status === 'returned' && existing.flow_id === flow.id) return this.resubmit(t, existing.id, actor, opts.comment ?? null, { admin: true });
    if (existing) throw new WorkflowError('conflict', `This ${subject.kind} already has an approval in progress ("${existing.flow_name}")`);
    const clean: Subject = { kind: subject.kind, id: String(subject.id).slice(0, 200), ...(subject.label ? { label: String(subject.label).slice(0, 300) } : {}) };
    return this.start(t, flow, subject.kind, recordId, clean, actor, opts.comment ?? null);
  }

  /** The approvals of a subject, newest first, with its history. */
  async forSubject(t: TenantCtx, kind: string, id: string): Promise<{ instances: InstanceRow[]; history: Array<Record<string, unknown>> }> {
    const recordId = kind === 'record' ? id : subjectRecordId(kind, id);
    const object = kind === 'record' ? undefined : kind;
    const instances = object ? await this.instancesFor(t, object, recordId) : [];
    return { instances, history: object ? await this.historyFor(t, object, recordId) : [] };
  }

  /** Today in the tenant's time zone (conditions' TODAY()). */
  private today(t: TenantCtx): string {
    return calendar.localToday(t.timeZone, this.core.now());
  }

  async activeInstance(q: Q, t: TenantCtx, object: string, recordId: string, lock = false): Promise<InstanceRow | undefined> {
    const qb = this.core.table(q, t, T.instances).where({ object, record_id: recordId }).whereIn('status', ['pending', 'returned']).first();
    if (lock) qb.forUpdate();
    return (await qb) as InstanceRow | undefined;
  }

  private async history(q: Q, t: TenantCtx, inst: InstanceRow, actor: Actor, action: string, extra: { step?: number | null; comment?: string | null; details?: unknown } = {}): Promise<void> {
    const step = extra.step ?? null;
    await this.core.table(q, t, T.history).insert({
      instance_id: inst.id,
      object: inst.object,
      record_id: inst.record_id,
      at: this.core.now(),
      actor_id: actor.userId,
      actor_label: actor.label ?? null,
      action,
      step_index: step,
      round: inst.round,
      comment: extra.comment ?? null,
      details: extra.details === undefined ? null : JSON.stringify(extra.details),
    });
    await this.core.audit(q, t, {
      actor,
      action: `approval.${action}`,
      object: inst.object,
      recordId: inst.record_id,
      after: { instance: inst.id, flow: inst.flow_name, version: inst.version, round: inst.round, step, comment: extra.comment ?? null, details: extra.details ?? null },
    });
  }

  private async checkEntry(q: Q, t: TenantCtx, def: ApprovalFlowDoc, recordId: string, subject?: Subject | null): Promise<void> {
    if (!def.entryCondition || !isRecordSubject(subject) || !def.object) return;
    const object = t.registry.object(def.object);
    if (!object) throw new WorkflowError('not_found', `There is no object named "${def.object}"`);
    const [v] = (await evaluateOnRecord(q, t.registry, t.schema, object, recordId, [{ source: def.entryCondition, path: '/entryCondition' }], this.today(t))) ?? [];
    if (!truthy(v)) {
      throw new WorkflowError('entry_condition', `This ${object.name} does not meet the entry condition of "${def.name}" (${def.entryCondition})`, [
        { path: '/entryCondition', rule: 'entry_condition', message: def.entryCondition },
      ]);
    }
  }

  /** Submits a record to a flow (the latest version). A returned instance is resubmitted instead. */
  async submit(t: TenantCtx, flowName: string, recordId: string, actor: Actor, opts: { comment?: string | null; role?: string | null; trusted?: boolean } = {}): Promise<InstanceRow> {
    const flow = this.core.flow(t, flowName);
    if (flow.active === false) throw new WorkflowError('invalid_state', `The approval flow "${flow.name}" is not active`);
    const object = recordObject(flow);
    const record = await this.core.record(t.knex, t, object, recordId);
    if (!record) throw new WorkflowError('not_found', `No ${object} with this id`);
    if (!opts.trusted && flow.submitters) {
      const s = flow.submitters;
      const byRole = Boolean(opts.role && s.roles?.includes(opts.role));
      const byOwner = Boolean(s.owner && actor.userId && (record.owner_id ?? record.created_by) === actor.userId);
      if (!byRole && !byOwner) throw new WorkflowError('forbidden', `You may not submit to "${flow.name}"`);
    }
    const existing = await this.activeInstance(t.knex, t, object, recordId);
    if (existing?.status === 'returned' && existing.flow_id === flow.id) return this.resubmit(t, existing.id, actor, opts.comment ?? null);
    if (existing) throw new WorkflowError('conflict', `This ${object} already has an approval in progress ("${existing.flow_name}")`);
    await this.checkEntry(t.knex, t, flow, recordId);
    return this.start(t, flow, object, recordId, null, actor, opts.comment ?? null);
  }

  private async start(t: TenantCtx, flow: ApprovalFlowDoc, object: string, recordId: string, subject: Subject | null, actor: Actor, comment: string | null): Promise<InstanceRow> {
    const version = await ensureVersion(this.core, t, flow);
    const now = this.core.now();
    const after: After = {};
    let inst: InstanceRow;
    try {
      inst = await t.knex.transaction(async (trx) => {
        const row: InstanceRow = {
          id: uuidv7(),
          flow_id: flow.id,
          flow_name: flow.name,
          version: version.version,
          version_id: version.id,
          object,
          record_id: recordId,
          status: 'pending',
          submitter_id: actor.userId,
          round: 1,
          step_index: -1,
          locked_fields: flow.lockedFields ?? [],
          created_at: now,
          updated_at: now,
          finished_at: null,
          subject,
        };
        await this.core.table(trx, t, T.instances).insert({ ...row, locked_fields: JSON.stringify(subject ? [] : row.locked_fields), subject: subject ? JSON.stringify(subject) : null });
        await this.history(trx, t, row, actor, 'submitted', { comment, details: { version: version.version, ...(subject ? { subject } : {}) } });
        await this.advance(trx, t, row, version.definition, 0, actor, after);
        return row;
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new WorkflowError('conflict', `This ${object} already has an approval in progress`);
      throw error;
    }
    await this.afterCommit(t, after);
    return (await this.instance(t, inst.id)) as InstanceRow;
  }

  private async afterCommit(t: TenantCtx, after: After): Promise<void> {
    if (!after.runKey) return;
    try {
      await executeRun(this.core, t, after.runKey, { final: false });
    } catch {
      // left to the durable job, which retries with backoff
    }
  }

  private resolveCtx(q: Q, t: TenantCtx, inst: InstanceRow, record: Record<string, unknown> | null): ResolveContext {
    return { q, schema: t.schema, registry: t.registry, record, submitterId: inst.submitter_id, now: this.core.now(), timeZone: t.timeZone };
  }

  /** Starts the first step at or after `from` whose condition holds; approves when none is left. */
  private async advance(trx: Q, t: TenantCtx, inst: InstanceRow, def: ApprovalFlowDoc, from: number, actor: Actor, after: After): Promise<void> {
    const onRecord = isRecordSubject(inst.subject);
    const object = onRecord && def.object ? t.registry.object(def.object) : undefined;
    const record = await this.recordOf(trx, t, inst);
    for (let i = from; i < def.steps.length; i++) {
      const step = def.steps[i] as ApprovalStep;
      if (step.condition && object) {
        const [v] = (await evaluateOnRecord(trx, t.registry, t.schema, object, inst.record_id, [{ source: step.condition, path: `/steps/${i}/condition` }], this.today(t))) ?? [];
        if (!truthy(v)) {
          await this.history(trx, t, inst, actor, 'step_skipped', { step: i, details: { step: step.name, condition: step.condition } });
          continue;
        }
      }
      const approvers = await resolveApprovers(this.resolveCtx(trx, t, inst, record), step.approvers, step.fallback, def.fallback);
      if (approvers.length === 0)
        throw new WorkflowError('no_approver', `Nobody could be found to approve step "${step.name}" of "${def.name}"; add a fallback approver`, [
          { path: `/steps/${i}/approvers`, rule: 'no_approver', message: 'no approver resolved' },
        ]);
      await this.createTasks(trx, t, inst, i, step, approvers, def);
      inst.step_index = i;
      await this.core.table(trx, t, T.instances).where({ id: inst.id }).update({ step_index: i, updated_at: this.core.now() });
      await this.history(trx, t, inst, actor, 'step_started', {
        step: i,
        details: { step: step.name, mode: step.mode ?? 'any', approvers: approvers.map((a) => a.approverId), delegatedFrom: approvers.filter((a) => a.originalId).map((a) => a.originalId) },
      });
      return;
    }
    await this.finish(trx, t, inst, def, 'approved', actor, null, after);
  }

  private async createTasks(
    trx: Q,
    t: TenantCtx,
    inst: InstanceRow,
    index: number,
    step: ApprovalStep,
    approvers: Array<{ approverId: string; originalId?: string }>,
    def: ApprovalFlowDoc,
    escalated = false,
  ): Promise<void> {
    const now = this.core.now();
    const due = step.sla ? new Date(now.getTime() + step.sla.hours * HOUR) : null;
    const remind = step.sla?.remindEveryHours ? new Date(now.getTime() + step.sla.remindEveryHours * HOUR) : null;
    const rows = approvers.map((a) => ({
      id: uuidv7(),
      instance_id: inst.id,
      round: inst.round,
      step_index: index,
      approver_id: a.approverId,
      original_approver_id: a.originalId ?? null,
      status: 'open',
      due_at: due,
      remind_at: remind,
      escalated,
      created_at: now,
    }));
    await this.core.table(trx, t, T.tasks).insert(rows);
    await notify(this.core, trx, t, {
      userIds: approvers.map((a) => a.approverId),
      template: escalated ? BUILTIN.escalated! : BUILTIN.task!,
      vars: await this.vars(trx, t, inst, def, index),
      kind: 'approval_task',
      object: inst.object,
      recordId: inst.record_id,
      key: `task:${inst.id}:${inst.round}:${index}:${escalated ? `esc:${now.getTime()}` : 'new'}`,
    });
  }

  private async vars(q: Q, t: TenantCtx, inst: InstanceRow, def: ApprovalFlowDoc, index: number, reason?: string | null): Promise<Record<string, unknown>> {
    const record = await this.recordOf(q, t, inst);
    let submitter = '';
    const user = t.registry.object('user');
    if (inst.submitter_id && user) {
      const row = (await q.withSchema(t.schema).from(user.table).where('id', inst.submitter_id).first()) as Record<string, unknown> | undefined;
      submitter = String(row?.name ?? '');
    }
    const step = def.steps[index];
    return {
      flow: def.label.en,
      title: this.titleOf(t, inst, record),
      record: record ?? {},
      subject: inst.subject ?? null,
      step: step ? (step.label?.en ?? step.name) : '',
      submitter,
      reason: reason ?? '',
    };
  }

  private async finish(trx: Q, t: TenantCtx, inst: InstanceRow, def: ApprovalFlowDoc, outcome: 'approved' | 'rejected', actor: Actor, reason: string | null, after: After): Promise<void> {
    const now = this.core.now();
    inst.status = outcome;
    await this.core.table(trx, t, T.instances).where({ id: inst.id }).update({ status: outcome, finished_at: now, updated_at: now });
    await this.core.table(trx, t, T.tasks).where({ instance_id: inst.id, status: 'open' }).update({ status: 'cancelled' });
    await this.history(trx, t, inst, actor, outcome, { comment: reason });
    const own = outcome === 'approved' ? def.onApprove : def.onReject;
    // The submitter hears the outcome once: from the flow's own notify action when it names the
    // submitter (its wording is the admin's choice), else from the built-in message. Sending both
    // gave every submitter two "Approved" notices.
    const ownNotice = (own ?? []).some((a) => a.type === 'notify' && (a.to ?? []).some((r) => r.type === 'submitter'));
    if (inst.submitter_id && !ownNotice)
      await notify(this.core, trx, t, {
        userIds: [inst.submitter_id],
        template: BUILTIN[outcome]!,
        vars: await this.vars(trx, t, inst, def, inst.step_index, reason),
        kind: `approval_${outcome}`,
        object: inst.object,
        recordId: inst.record_id,
        key: `final:${inst.id}:${inst.round}`,
      });
    const onRecord = isRecordSubject(inst.subject);
    // A subject's handler is told first, as a durable action: retried until it succeeds.
    const actions = onRecord
      ? (own ?? [])
      : [{ type: 'subject' } as unknown as NonNullable<typeof own>[number], ...(own ?? []).filter((a) => a.type !== 'update' && a.type !== 'create' && a.type !== 'start_flow')];
    if (actions.length) {
      const key = `final:${inst.id}:${inst.round}:${outcome}`;
      const context = { actor, submitterId: inst.submitter_id, flow: def.name, outcome, reason, ...(onRecord ? {} : { subject: inst.subject ?? null, instanceId: inst.id }) };
      await createRun(
        this.core,
        trx,
        t,
        { key, source: 'approval', rule: def.name, object: onRecord ? inst.object : null, recordId: onRecord ? inst.record_id : null, actions, context },
        { delayMs: 30_000 },
      );
      after.runKey = key;
    }
  }

  private async lockInstance(trx: Q, t: TenantCtx, id: string): Promise<InstanceRow> {
    const inst = (await this.core.table(trx, t, T.instances).where({ id }).forUpdate().first()) as InstanceRow | undefined;
    if (!inst) throw new WorkflowError('not_found', 'No such approval');
    return inst;
  }

  /** Approve, reject (with a reason) or send back (with a reason) one task. */
  async decide(t: TenantCtx, taskId: string, decision: Decision, actor: Actor, comment?: string | null): Promise<InstanceRow> {
    if (decision !== 'approve' && !comment?.trim()) {
      throw new WorkflowError('validation_failed', decision === 'reject' ? 'Give a reason for the rejection' : 'Say what should change', [
        { path: '/comment', rule: 'required', message: 'a reason is required' },
      ]);
    }
    const after: After = {};
    const instId = await t.knex.transaction(async (trx) => {
      const found = (await this.core.table(trx, t, T.tasks).where({ id: taskId }).first('instance_id')) as { instance_id: string } | undefined;
      if (!found) throw new WorkflowError('not_found', 'No such approval task');
      const inst = await this.lockInstance(trx, t, found.instance_id);
      const task = (await this.core.table(trx, t, T.tasks).where({ id: taskId }).first()) as TaskRow;
      if (task.status !== 'open' || inst.status !== 'pending' || Number(task.round) !== Number(inst.round) || Number(task.step_index) !== Number(inst.step_index)) {
        throw new WorkflowError('invalid_state', 'This approval task is no longer open');
      }
      // Whatever put the task in front of them (a direct approver, a delegation, a role, an admin
      // fallback, a task made before this rule), nobody decides their own request.
      if (inst.submitter_id && actor.userId && inst.submitter_id.toLowerCase() === actor.userId.toLowerCase()) {
        throw new WorkflowError('self_approval', 'You cannot decide on an approval you submitted; withdraw it instead', [
          { path: '/approver', rule: 'self_approval', message: 'the submitter may not decide their own request' },
        ]);
      }
      const onBehalf = actor.userId !== task.approver_id;
      if (onBehalf && (!actor.userId || (await delegateOf(trx, t.schema, task.approver_id, this.core.now())) !== actor.userId)) {
        throw new WorkflowError('forbidden', 'This approval task is assigned to someone else');
      }
      const def = (await versionById(this.core, trx, t, inst.version_id)).definition;
      const step = def.steps[inst.step_index] as ApprovalStep;
      const status = decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'returned';
      await this.core
        .table(trx, t, T.tasks)
        .where({ id: task.id })
        .update({ status, decided_by: actor.userId, decided_at: this.core.now(), comment: comment ?? null });
      await this.history(trx, t, inst, actor, decision === 'send_back' ? 'sent_back' : status, {
        step: inst.step_index,
        comment: comment ?? null,
        details: { task: task.id, step: step.name, ...(onBehalf ? { onBehalfOf: task.approver_id } : {}) },
      });
      if (decision === 'approve') {
        const mode = step.mode ?? 'any';
        if (mode === 'any') await this.core.table(trx, t, T.tasks).where({ instance_id: inst.id, round: inst.round, step_index: inst.step_index, status: 'open' }).update({ status: 'cancelled' });
        const open = (await this.core.table(trx, t, T.tasks).where({ instance_id: inst.id, round: inst.round, step_index: inst.step_index, status: 'open' }).count({ c: '*' }).first()) as {
          c: unknown;
        };
        if (Number(open.c) === 0) await this.advance(trx, t, inst, def, inst.step_index + 1, actor, after);
      } else if (decision === 'reject') {
        await this.finish(trx, t, inst, def, 'rejected', actor, comment ?? null, after);
      } else {
        await this.core.table(trx, t, T.instances).where({ id: inst.id }).update({ status: 'returned', updated_at: this.core.now() });
        await this.core.table(trx, t, T.tasks).where({ instance_id: inst.id, status: 'open' }).update({ status: 'cancelled' });
        inst.status = 'returned';
        if (inst.submitter_id)
          await notify(this.core, trx, t, {
            userIds: [inst.submitter_id],
            template: BUILTIN.returned!,
            vars: await this.vars(trx, t, inst, def, inst.step_index, comment),
            kind: 'approval_returned',
            object: inst.object,
            recordId: inst.record_id,
            key: `returned:${inst.id}:${inst.round}`,
          });
      }
      return inst.id;
    });
    await this.afterCommit(t, after);
    return (await this.instance(t, instId)) as InstanceRow;
  }

  private assertSubmitter(inst: InstanceRow, actor: Actor, admin: boolean): void {
    if (!admin && inst.submitter_id !== actor.userId) throw new WorkflowError('forbidden', 'Only the submitter may do this');
  }

  async withdraw(t: TenantCtx, id: string, actor: Actor, opts: { comment?: string | null; admin?: boolean } = {}): Promise<InstanceRow> {
    await t.knex.transaction(async (trx) => {
      const inst = await this.lockInstance(trx, t, id);
      this.assertSubmitter(inst, actor, opts.admin ?? false);
      if (inst.status !== 'pending' && inst.status !== 'returned') throw new WorkflowError('invalid_state', `The approval is already ${inst.status}`);
      await this.core.table(trx, t, T.instances).where({ id }).update({ status: 'withdrawn', finished_at: this.core.now(), updated_at: this.core.now() });
      await this.core.table(trx, t, T.tasks).where({ instance_id: id, status: 'open' }).update({ status: 'cancelled' });
      await this.history(trx, t, inst, actor, 'withdrawn', { comment: opts.comment ?? null });
    });
    return (await this.instance(t, id)) as InstanceRow;
  }

  /** After a send-back: the submitter resubmits; the same version starts again at its first step. */
  async resubmit(t: TenantCtx, id: string, actor: Actor, comment: string | null = null, opts: { admin?: boolean } = {}): Promise<InstanceRow> {
    const after: After = {};
    await t.knex.transaction(async (trx) => {
      const inst = await this.lockInstance(trx, t, id);
      this.assertSubmitter(inst, actor, opts.admin ?? false);
      if (inst.status !== 'returned') throw new WorkflowError('invalid_state', 'Only an approval sent back for changes can be resubmitted');
      const def = (await versionById(this.core, trx, t, inst.version_id)).definition;
      await this.checkEntry(trx, t, def, inst.record_id, inst.subject);
      inst.round = Number(inst.round) + 1;
      inst.status = 'pending';
      await this.core.table(trx, t, T.instances).where({ id }).update({ status: 'pending', round: inst.round, step_index: -1, updated_at: this.core.now() });
      await this.history(trx, t, inst, actor, 'resubmitted', { comment });
      await this.advance(trx, t, inst, def, 0, actor, after);
    });
    await this.afterCommit(t, after);
    return (await this.instance(t, id)) as InstanceRow;
  }

  async comment(t: TenantCtx, id: string, actor: Actor, text: string, opts: { admin?: boolean } = {}): Promise<void> {
    if (!text?.trim()) throw new WorkflowError('validation_failed', 'A comment cannot be empty', [{ path: '/comment', rule: 'required', message: 'required' }]);
    await t.knex.transaction(async (trx) => {
      const inst = await this.lockInstance(trx, t, id);
      const involved =
        inst.submitter_id === actor.userId ||
        Boolean(
          await this.core
            .table(trx, t, T.tasks)
            .where({ instance_id: id })
            .where((w) => w.where('approver_id', actor.userId).orWhere('original_approver_id', actor.userId))
            .first('id'),
        );
      if (!involved && !opts.admin) throw new WorkflowError('forbidden', 'Only the submitter and the approvers may comment');
      await this.history(trx, t, inst, actor, 'commented', { comment: text.slice(0, 4000) });
    });
  }

  async instance(t: TenantCtx, id: string): Promise<(InstanceRow & { tasks: TaskRow[] }) | undefined> {
    const inst = (await this.core.table(t.knex, t, T.instances).where({ id }).first()) as InstanceRow | undefined;
    if (!inst) return undefined;
    const tasks = (await this.core.table(t.knex, t, T.tasks).where({ instance_id: id }).orderBy('created_at').orderBy('id')) as TaskRow[];
    return { ...inst, version: Number(inst.version), round: Number(inst.round), step_index: Number(inst.step_index), tasks };
  }

  async instancesFor(t: TenantCtx, object: string, recordId: string): Promise<InstanceRow[]> {
    return (await this.core.table(t.knex, t, T.instances).where({ object, record_id: recordId }).orderBy('created_at', 'desc')) as InstanceRow[];
  }

  async historyFor(t: TenantCtx, object: string, recordId: string): Promise<Array<Record<string, unknown>>> {
    return (await this.core.table(t.knex, t, T.history).where({ object, record_id: recordId }).orderBy('id')) as Array<Record<string, unknown>>;
  }

  /** Open tasks of a user, and of those who delegate to them now. */
  async inbox(t: TenantCtx, userId: string, opts: { status?: 'open' | 'decided'; limit?: number } = {}): Promise<Array<Record<string, unknown>>> {
    const now = this.core.now();
    const delegators = (
      (await this.core.table(t.knex, t, T.delegations).where({ to_user: userId }).whereNull('revoked_at').where('starts_at', '<=', now).where('ends_at', '>', now).select('from_user')) as Array<{
        from_user: string;
      }>
    ).map((r) => r.from_user);
    const qb = t.knex
      .withSchema(t.schema)
      .from(`${T.tasks} as k`)
      .join(`${T.instances} as i`, 'i.id', 'k.instance_id')
      .select(
        'k.id',
        'k.status',
        'k.step_index',
        'k.round',
        'k.approver_id',
        'k.due_at',
        'k.created_at',
        'k.decided_at',
        'k.comment',
        'i.id as instance_id',
        'i.flow_name',
        'i.version_id',
        'i.object',
        'i.record_id',
        'i.submitter_id',
        'i.status as instance_status',
        'i.subject',
      )
      .orderBy('k.created_at', 'desc')
      .limit(Math.min(opts.limit ?? 100, 500));
    // A user's own requests are never in their inbox: they cannot decide them (self_approval).
    if ((opts.status ?? 'open') === 'open')
      qb.where('k.status', 'open')
        .whereIn('k.approver_id', [userId, ...delegators])
        .where((w) => w.whereNull('i.submitter_id').orWhereNot('i.submitter_id', userId));
    else qb.whereNot('k.status', 'open').where('k.decided_by', userId);
    const rows = (await qb) as Array<Record<string, unknown>>;
    for (const r of rows) {
      const def = (await versionById(this.core, t.knex, t, r.version_id as string)).definition;
      const step = def.steps[Number(r.step_index)];
      const inst = { object: r.object as string, record_id: r.record_id as string, subject: (r.subject ?? null) as Subject | null };
      const record = await this.recordOf(t.knex, t, inst as InstanceRow);
      Object.assign(r, {
        flow_label: def.label,
        step_name: step?.name,
        step_label: step?.label ?? null,
        mode: step?.mode ?? 'any',
        title: this.titleOf(t, inst, record),
        onBehalfOf: r.approver_id !== userId ? r.approver_id : null,
      });
      delete r.version_id;
    }
    return rows;
  }

  /** Who would approve each step of a flow for a record now (steps whose condition fails are marked skipped). */
  async preview(t: TenantCtx, flowName: string, recordId: string, submitterId: string | null): Promise<Array<{ step: string; skipped: boolean; approvers: string[]; delegatedFrom: string[] }>> {
    const def = this.core.flow(t, flowName);
    const name = recordObject(def);
    const object = t.registry.object(name);
    const record = (await this.core.record(t.knex, t, name, recordId)) ?? null;
    if (!record || !object) throw new WorkflowError('not_found', `No ${name} with this id`);
    const out = [];
    for (let i = 0; i < def.steps.length; i++) {
      const step = def.steps[i] as ApprovalStep;
      let skipped = false;
      if (step.condition) {
        const [v] = (await evaluateOnRecord(t.knex, t.registry, t.schema, object, recordId, [{ source: step.condition, path: `/steps/${i}/condition` }], this.today(t))) ?? [];
        skipped = !truthy(v);
      }
      const approvers = skipped
        ? []
        : await resolveApprovers({ q: t.knex, schema: t.schema, registry: t.registry, record, submitterId, now: this.core.now(), timeZone: t.timeZone }, step.approvers, step.fallback, def.fallback);
      out.push({ step: step.name, skipped, approvers: approvers.map((a) => a.approverId), delegatedFrom: approvers.flatMap((a) => (a.originalId ? [a.originalId] : [])) });
    }
    return out;
  }

  /** SLA: reminders for open tasks, then escalation of overdue ones. Returns counts. */
  async sweep(t: TenantCtx): Promise<{ reminded: number; escalated: number }> {
    const now = this.core.now();
    let reminded = 0;
    let escalated = 0;
    const due = (await this.core.table(t.knex, t, T.tasks).where('status', 'open').where('remind_at', '<=', now).limit(1000)) as TaskRow[];
    for (const task of due) {
      await t.knex.transaction(async (trx) => {
        const inst = await this.lockInstance(trx, t, task.instance_id);
        const def = (await versionById(this.core, trx, t, inst.version_id)).definition;
        const every = (def.steps[task.step_index]?.sla?.remindEveryHours ?? 24) * HOUR;
        let next = new Date(task.remind_at as Date).getTime();
        while (next <= now.getTime()) next += every;
        const n = Number(task.reminders) + 1;
        const updated = await this.core
          .table(trx, t, T.tasks)
          .where({ id: task.id, status: 'open', reminders: task.reminders })
          .update({ reminders: n, remind_at: new Date(next) });
        if (!updated) return;
        await notify(this.core, trx, t, {
          userIds: [task.approver_id],
          template: BUILTIN.reminder!,
          vars: await this.vars(trx, t, inst, def, task.step_index),
          kind: 'approval_reminder',
          object: inst.object,
          recordId: inst.record_id,
          key: `remind:${task.id}:${n}`,
        });
        reminded++;
      });
    }
    const overdue = (await this.core.table(t.knex, t, T.tasks).where({ status: 'open', escalated: false }).where('due_at', '<=', now).limit(1000)) as TaskRow[];
    for (const task of overdue) {
      await t.knex.transaction(async (trx) => {
        const inst = await this.lockInstance(trx, t, task.instance_id);
        const current = (await this.core.table(trx, t, T.tasks).where({ id: task.id }).first()) as TaskRow;
        if (current.status !== 'open' || current.escalated) return;
        const def = (await versionById(this.core, trx, t, inst.version_id)).definition;
        const step = def.steps[task.step_index] as ApprovalStep;
        const system: Actor = { userId: null, label: 'sla' };
        const record = await this.recordOf(trx, t, inst);
        const specs: ApproverSpec[] = step.sla?.escalateTo?.length ? step.sla.escalateTo : [{ type: 'manager', levels: 1 }];
        // The default target is the overdue approver's own manager.
        const ctx = { ...this.resolveCtx(trx, t, inst, record), ...(step.sla?.escalateTo?.length ? {} : { submitterId: task.approver_id }) };
        const open = new Set(
          (
            (await this.core.table(trx, t, T.tasks).where({ instance_id: inst.id, round: inst.round, step_index: inst.step_index, status: 'open' }).select('approver_id')) as Array<{
              approver_id: string;
            }>
          ).map((r) => r.approver_id),
        );
        const targets = (await resolveUsers(ctx, specs)).filter((u) => !open.has(u) || u === task.approver_id).filter((u) => u !== task.approver_id && u !== inst.submitter_id);
        if (targets.length === 0) {
          await this.core.table(trx, t, T.tasks).where({ id: task.id }).update({ escalated: true });
          await this.history(trx, t, inst, system, 'escalation_failed', { step: task.step_index, details: { task: task.id } });
          return;
        }
        await this.core.table(trx, t, T.tasks).where({ id: task.id }).update({ status: 'escalated', escalated: true, decided_at: now });
        await this.createTasks(
          trx,
          t,
          inst,
          task.step_index,
          step,
          targets.map((approverId) => ({ approverId })),
          def,
          true,
        );
        await this.history(trx, t, inst, system, 'escalated', { step: task.step_index, details: { task: task.id, from: task.approver_id, to: targets } });
        escalated++;
      });
    }
    return { reminded, escalated };
  }

  async delegate(t: TenantCtx, input: { from: string; to: string; startsAt: Date; endsAt: Date }, actor: Actor): Promise<Record<string, unknown>> {
    if (!(input.startsAt instanceof Date) || Number.isNaN(input.startsAt.getTime()) || !(input.endsAt instanceof Date) || Number.isNaN(input.endsAt.getTime()) || input.endsAt <= input.startsAt) {
      throw new WorkflowError('validation_failed', 'The delegation needs a start before its end', [{ path: '/endsAt', rule: 'range', message: 'must be after startsAt' }]);
    }
    // Years PostgreSQL cannot store (0000) or nobody means (9999) are refused before they reach it.
    for (const [path, d] of [
      ['/startsAt', input.startsAt],
      ['/endsAt', input.endsAt],
    ] as const) {
      const year = d.getUTCFullYear();
      if (year < DELEGATION_YEARS.min || year > DELEGATION_YEARS.max)
        throw new WorkflowError('invalid_date', `${path.slice(1)} must be between ${DELEGATION_YEARS.min} and ${DELEGATION_YEARS.max}`, [
          { path, rule: 'range', message: `a date between ${DELEGATION_YEARS.min} and ${DELEGATION_YEARS.max}` },
        ]);
    }
    if (input.from === input.to) throw new WorkflowError('validation_failed', 'You cannot delegate to yourself', [{ path: '/to', rule: 'different', message: 'must be someone else' }]);
    const live = await resolveUsers({ q: t.knex, schema: t.schema, registry: t.registry, record: null, submitterId: null, now: this.core.now(), timeZone: t.timeZone }, [
      { type: 'user', userId: input.to },
    ]);
    if (live.length === 0) throw new WorkflowError('validation_failed', 'The delegate is not an active user', [{ path: '/to', rule: 'ref_exists', message: 'no such active user' }]);
    const row = { id: uuidv7(), from_user: input.from, to_user: input.to, starts_at: input.startsAt, ends_at: input.endsAt, created_by: actor.userId, created_at: this.core.now() };
    await this.core.table(t.knex, t, T.delegations).insert(row);
    return row;
  }

  async delegations(t: TenantCtx, userId: string): Promise<Array<Record<string, unknown>>> {
    return (await this.core
      .table(t.knex, t, T.delegations)
      .where((w) => w.where('from_user', userId).orWhere('to_user', userId))
      .whereNull('revoked_at')
      .orderBy('starts_at', 'desc')) as Array<Record<string, unknown>>;
  }

  async revokeDelegation(t: TenantCtx, id: string, actor: Actor, admin = false): Promise<void> {
    const row = (await this.core.table(t.knex, t, T.delegations).where({ id }).first()) as { from_user: string } | undefined;
    if (!row) throw new WorkflowError('not_found', 'No such delegation');
    if (!admin && row.from_user !== actor.userId) throw new WorkflowError('forbidden', 'Only the delegating user may revoke it');
    await this.core.table(t.knex, t, T.delegations).where({ id }).update({ revoked_at: this.core.now() });
  }
}
