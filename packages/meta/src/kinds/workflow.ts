import approvalFlowSchema from '../../schemas/approval-flow.schema.json' with { type: 'json' };
import automationSchema from '../../schemas/automation.schema.json' with { type: 'json' };
import type { MetaIssue } from '../errors.ts';
import { findField, type ApprovalFlowDoc, type ObjectDef, type WorkflowActionDoc } from '../model.ts';
import type { Registry } from '../registry.ts';
import type { MetaKindDefinition } from './kind.ts';

// Approval flows and automation rules must point at objects, fields and flows that exist;
// their formulas are type-checked by @attain/workflow, which sits above the formula package.

function checkActions(registry: Registry, issues: MetaIssue[], document: string, base: string, object: ObjectDef | undefined, actions: WorkflowActionDoc[] | undefined, hasRecord = true): void {
  const flows = registry.documentsOf('approval_flow');
  const names = new Set(flows.map((f) => f.name));
  const recordFlows = new Set(flows.filter((f) => (f.subject ?? 'record') === 'record').map((f) => f.name));
  (actions ?? []).forEach((a, i) => {
    const path = `${base}/${i}`;
    if (a.type === 'start_flow' && a.flow && !names.has(a.flow))
      issues.push({ document, path: `${path}/flow`, rule: 'unknown_reference', message: `refers to approval flow "${a.flow}", which does not exist` });
    if (a.type === 'start_flow' && a.flow && !recordFlows.has(a.flow) && names.has(a.flow))
      issues.push({ document, path: `${path}/flow`, rule: 'subject_mismatch', message: `starts approval flow "${a.flow}", which approves something other than a record` });
    if (a.type === 'start_flow' && !hasRecord) issues.push({ document, path, rule: 'needs_record', message: 'start_flow needs a triggering record' });
    if (a.type === 'update' && !hasRecord) issues.push({ document, path, rule: 'needs_record', message: 'update needs a triggering record' });
    const target = a.type === 'create' ? (a.object ? registry.object(a.object) : undefined) : object;
    if (a.type === 'create' && !target) issues.push({ document, path: `${path}/object`, rule: 'unknown_reference', message: `refers to object "${String(a.object)}", which does not exist` });
    if ((a.type === 'update' || a.type === 'create') && target) {
      for (const name of Object.keys(a.set ?? {})) {
        const f = findField(target, name);
        if (!f || f.readOnly) issues.push({ document, path: `${path}/set/${name}`, rule: 'unknown_field', message: `"${name}" is not a writable field of "${target.name}"` });
      }
    }
  });
}

// A flow on a subject owned by another module has no record: nothing in it may read one
// (step conditions, field and owner approvers), and one active flow at most gates each kind.
function checkSubjectFlow(registry: Registry, issues: MetaIssue[], document: string, flow: ApprovalFlowDoc, seen: Map<string, string>): void {
  const kind = flow.subject ?? 'record';
  if (flow.active !== false) {
    const other = seen.get(kind);
    if (other) issues.push({ document, path: '/subject', rule: 'duplicate_subject', message: `approval flow "${other}" is already the active flow of "${kind}"` });
    else seen.set(kind, flow.name);
  }
  const stepNames = new Set<string>();
  flow.steps.forEach((step, i) => {
    if (stepNames.has(step.name)) issues.push({ document, path: `/steps/${i}/name`, rule: 'duplicate_name', message: `another step is already named "${step.name}"` });
    stepNames.add(step.name);
    if (step.condition) issues.push({ document, path: `/steps/${i}/condition`, rule: 'needs_record', message: `a ${kind} flow has no record for a step condition to read` });
    step.approvers.forEach((a, j) => {
      if (a.type === 'field' || a.type === 'owner')
        issues.push({ document, path: `/steps/${i}/approvers/${j}/type`, rule: 'needs_record', message: `a ${kind} flow has no record, so "${a.type}" approvers cannot resolve` });
      if (a.type === 'role' && a.role && !registry.role(a.role))
        issues.push({ document, path: `/steps/${i}/approvers/${j}/role`, rule: 'unknown_reference', message: `refers to role "${a.role}", which does not exist` });
    });
  });
}

export const approvalFlowKind: MetaKindDefinition = {
  kind: 'approval_flow',
  schema: approvalFlowSchema,
  crossCheck(registry, issues) {
    const subjectFlows = new Map<string, string>();
    for (const flow of registry.documentsOf('approval_flow')) {
      const document = `approval_flow "${flow.name}"`;
      if (flow.subject && flow.subject !== 'record') {
        checkSubjectFlow(registry, issues, document, flow, subjectFlows);
        checkActions(registry, issues, document, '/onApprove', undefined, flow.onApprove, false);
        checkActions(registry, issues, document, '/onReject', undefined, flow.onReject, false);
        continue;
      }
      const object = flow.object ? registry.object(flow.object) : undefined;
      if (!object) {
        issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${flow.object}", which does not exist` });
        continue;
      }
      (flow.lockedFields ?? []).forEach((name, i) => {
        if (name !== '*' && !findField(object, name))
          issues.push({ document, path: `/lockedFields/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      const stepNames = new Set<string>();
      flow.steps.forEach((step, i) => {
        if (stepNames.has(step.name)) issues.push({ document, path: `/steps/${i}/name`, rule: 'duplicate_name', message: `another step is already named "${step.name}"` });
        stepNames.add(step.name);
        step.approvers.forEach((a, j) => {
          if (a.type === 'field' && a.field && findField(object, a.field)?.ref?.object !== 'user') {
            issues.push({ document, path: `/steps/${i}/approvers/${j}/field`, rule: 'unknown_field', message: `must name a reference to user on "${object.name}"` });
          }
          if (a.type === 'role' && a.role && !registry.role(a.role))
            issues.push({ document, path: `/steps/${i}/approvers/${j}/role`, rule: 'unknown_reference', message: `refers to role "${a.role}", which does not exist` });
        });
      });
      checkActions(registry, issues, document, '/onApprove', object, flow.onApprove);
      checkActions(registry, issues, document, '/onReject', object, flow.onReject);
    }
  },
};

export const automationKind: MetaKindDefinition = {
  kind: 'automation',
  schema: automationSchema,
  crossCheck(registry, issues) {
    for (const rule of registry.documentsOf('automation')) {
      const document = `automation "${rule.name}"`;
      const object = rule.object ? registry.object(rule.object) : undefined;
      if (rule.object && !object) issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${rule.object}", which does not exist` });
      if (rule.trigger.type === 'record' && !rule.object) issues.push({ document, path: '/object', rule: 'required', message: 'a record trigger needs an object' });
      (rule.trigger.changed ?? []).forEach((name, i) => {
        if (object && !findField(object, name)) issues.push({ document, path: `/trigger/changed/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      checkActions(registry, issues, document, '/actions', object, rule.actions, Boolean(rule.object) || rule.trigger.type === 'record');
    }
  },
};
