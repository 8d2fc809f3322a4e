import { describe, expect, it } from 'vitest';
import { Registry, validateAgainstMetaSchema, METADATA_KINDS } from '../src/index.ts';

const user = {
  kind: 'object',
  id: 'o.user',
  name: 'user',
  label: { en: 'User' },
  'x-attain': { owned: false },
  schema: { type: 'object', properties: { name: { type: 'string', 'x-attain': { id: 'f.user.name' } } } },
};
const deal = {
  kind: 'object',
  id: 'o.deal',
  name: 'deal',
  label: { en: 'Deal' },
  schema: {
    type: 'object',
    properties: {
      name: { type: 'string', 'x-attain': { id: 'f.deal.name' } },
      amount: { type: 'number', 'x-attain': { id: 'f.deal.amount', storage: 'money' } },
      reviewer_id: { type: 'string', 'x-attain': { id: 'f.deal.reviewer', storage: 'ref', ref: { object: 'user' } } },
    },
  },
};
const role = { kind: 'role', id: 'r.fin', name: 'finance', label: { en: 'Finance' }, permissions: [] };
const flow = {
  kind: 'approval_flow',
  id: 'fl.discount',
  name: 'discount',
  label: { en: 'Discount' },
  object: 'deal',
  entryCondition: 'amount > 0',
  lockedFields: ['amount'],
  steps: [
    { name: 'mgr', approvers: [{ type: 'manager', levels: 2 }], sla: { hours: 24, remindEveryHours: 4, escalateTo: [{ type: 'role', role: 'finance' }] } },
    {
      name: 'fin',
      mode: 'all',
      condition: 'amount > 1000',
      approvers: [
        { type: 'role', role: 'finance' },
        { type: 'field', field: 'reviewer_id' },
      ],
    },
  ],
  onApprove: [
    { type: 'update', set: { name: '=name & " (approved)"' } },
    { type: 'webhook', url: 'https://example.test/hook', format: 'dingtalk', secret: 'ding' },
  ],
};
const rule = {
  kind: 'automation',
  id: 'au.big',
  name: 'big',
  label: { en: 'Big' },
  object: 'deal',
  trigger: { type: 'record', on: ['update'], changed: ['amount'], previous: 'amount <= 1000' },
  condition: 'amount > 1000',
  actions: [
    { type: 'start_flow', flow: 'discount' },
    { type: 'notify', to: [{ type: 'owner' }], template: { title: { en: 'Big deal {{record.name}}' } } },
  ],
};

const issues = (docs: unknown[]) => {
  const r = Registry.tryFromDocuments(docs);
  return r.ok ? [] : r.issues.map((i) => `${i.document} ${i.path} ${i.rule}`);
};

describe('approval_flow and automation kinds', () => {
  it('accepts valid documents and lists them by kind', () => {
    expect(METADATA_KINDS).toEqual(expect.arrayContaining(['approval_flow', 'automation']));
    const registry = Registry.fromDocuments([user, deal, role, flow, rule]);
    expect(registry.documentsOf('approval_flow').map((f) => f.name)).toEqual(['discount']);
    expect(registry.documentsOf('automation').map((a) => a.trigger.type)).toEqual(['record']);
  });

  it('rejects shapes outside the meta-schema with a path', () => {
    const bad = validateAgainstMetaSchema({ ...flow, steps: [{ name: 'x', approvers: [{ type: 'user' }] }] });
    expect(bad.map((i) => `${i.path} ${i.rule}`)).toContain('/steps/0/approvers/0 required');
    expect(validateAgainstMetaSchema({ ...rule, actions: [{ type: 'explode' }] }).map((i) => i.path)).toContain('/actions/0/type');
    expect(validateAgainstMetaSchema({ ...rule, trigger: { type: 'schedule' } }).map((i) => `${i.path} ${i.rule}`)).toContain('/trigger required');
    expect(validateAgainstMetaSchema({ ...flow, steps: [] }).map((i) => i.rule)).toContain('minItems');
  });

  it('cross-checks objects, fields, roles and flows', () => {
    const wrong = {
      ...flow,
      lockedFields: ['nope', '*'],
      steps: [
        {
          name: 'a',
          approvers: [
            { type: 'field', field: 'name' },
            { type: 'role', role: 'ghost' },
          ],
        },
        { name: 'a', approvers: [{ type: 'owner' }] },
      ],
      onReject: [
        { type: 'start_flow', flow: 'ghost' },
        { type: 'update', set: { missing: 1 } },
        { type: 'create', object: 'ghost', set: {} },
      ],
    };
    expect(issues([user, deal, role, wrong])).toEqual([
      'approval_flow "discount" /lockedFields/0 unknown_field',
      'approval_flow "discount" /steps/0/approvers/0/field unknown_field',
      'approval_flow "discount" /steps/0/approvers/1/role unknown_reference',
      'approval_flow "discount" /steps/1/name duplicate_name',
      'approval_flow "discount" /onReject/0/flow unknown_reference',
      'approval_flow "discount" /onReject/1/set/missing unknown_field',
      'approval_flow "discount" /onReject/2/object unknown_reference',
    ]);
    expect(issues([user, deal, role, { ...flow, object: 'ghost' }])).toEqual(['approval_flow "discount" /object unknown_reference']);
    expect(issues([user, deal, role, flow, { ...rule, object: undefined }])).toEqual(['automation "big" /object required']);
    expect(issues([user, deal, role, flow, { ...rule, object: 'ghost', trigger: { ...rule.trigger, changed: ['x'] } }])).toEqual(['automation "big" /object unknown_reference']);
    expect(issues([user, deal, role, flow, { ...rule, trigger: { ...rule.trigger, changed: ['x'] } }])).toEqual(['automation "big" /trigger/changed/0 unknown_field']);
  });

  it('lets a flow declare its subject, with an object only for record flows', () => {
    const plan = {
      kind: 'approval_flow',
      id: 'fl.plan',
      name: 'plan_signoff',
      label: { en: 'Plan sign-off' },
      subject: 'target_plan_version',
      steps: [{ name: 'mgr', approvers: [{ type: 'manager', levels: 1 }] }],
      onApprove: [{ type: 'notify', to: [{ type: 'submitter' }], template: { title: { en: 'ok' } } }],
    };
    const registry = Registry.fromDocuments([user, deal, role, flow, plan, { ...rule, actions: [{ type: 'start_flow', flow: 'discount' }] }]);
    expect(registry.documentsOf('approval_flow').map((f) => [f.name, f.subject ?? 'record', f.object ?? null])).toEqual([
      ['discount', 'record', 'deal'],
      ['plan_signoff', 'target_plan_version', null],
    ]);
    // record flows (explicit or by default) need an object; other subjects may not name one
    const shape = (doc: object) => validateAgainstMetaSchema(doc).map((i) => `${i.path} ${i.rule}`);
    const missing = (doc: object) =>
      validateAgainstMetaSchema(doc)
        .filter((i) => i.rule === 'required')
        .map((i) => i.message);
    expect(missing({ ...flow, object: undefined }).join()).toMatch(/object/);
    expect(missing({ ...flow, subject: 'record', object: undefined }).join()).toMatch(/object/);
    expect(shape({ ...plan, object: 'deal', lockedFields: ['amount'] }).map((p) => p.split(' ')[0])).toEqual(expect.arrayContaining(['/object', '/lockedFields']));
    expect(shape({ ...plan, subject: 'payout' }).map((p) => p.split(' ')[0])).toContain('/subject');
    expect(shape(plan)).toEqual([]);
    for (const subject of ['incentive_period', 'dispute']) expect(shape({ ...plan, subject })).toEqual([]);
  });

  it('refuses what a subject flow cannot do without a record, and two active flows for one subject', () => {
    const plan = {
      kind: 'approval_flow',
      id: 'fl.plan',
      name: 'plan_signoff',
      label: { en: 'Plan sign-off' },
      subject: 'dispute',
      steps: [
        { name: 'mgr', condition: 'amount > 1', approvers: [{ type: 'owner' }, { type: 'field', field: 'reviewer_id' }, { type: 'role', role: 'ghost' }] },
        { name: 'mgr', approvers: [{ type: 'role', role: 'finance' }] },
      ],
      onApprove: [
        { type: 'update', set: { name: 'x' } },
        { type: 'start_flow', flow: 'discount' },
      ],
    };
    expect(issues([user, deal, role, flow, plan])).toEqual([
      'approval_flow "plan_signoff" /steps/0/condition needs_record',
      'approval_flow "plan_signoff" /steps/0/approvers/0/type needs_record',
      'approval_flow "plan_signoff" /steps/0/approvers/1/type needs_record',
      'approval_flow "plan_signoff" /steps/0/approvers/2/role unknown_reference',
      'approval_flow "plan_signoff" /steps/1/name duplicate_name',
      'approval_flow "plan_signoff" /onApprove/0 needs_record',
      'approval_flow "plan_signoff" /onApprove/1 needs_record',
    ]);
    const ok = { ...plan, steps: [{ name: 'fin', approvers: [{ type: 'role', role: 'finance' }] }], onApprove: [] };
    const twin = { ...ok, id: 'fl.plan2', name: 'plan_two' };
    expect(issues([user, deal, role, ok, twin])).toEqual(['approval_flow "plan_two" /subject duplicate_subject']);
    expect(issues([user, deal, role, ok, { ...twin, active: false }])).toEqual([]);
    // a rule can only start a record flow, and only with a record
    expect(issues([user, deal, role, ok, { ...rule, actions: [{ type: 'start_flow', flow: 'plan_signoff' }] }])).toEqual(['automation "big" /actions/0/flow subject_mismatch']);
    expect(issues([user, deal, role, flow, { ...rule, object: undefined, trigger: { type: 'schedule', cron: '0 9 * * *' }, actions: [{ type: 'update', set: { name: 'x' } }] }])).toEqual([
      'automation "big" /actions/0 needs_record',
    ]);
  });
});
