import type { Store } from '@attain/store';

type Doc = Record<string, unknown>;
export const system = { userId: null, label: 'test' };

export const orgUnitDoc: Doc = {
  kind: 'object',
  id: 'wf.org_unit',
  name: 'org_unit',
  label: { en: 'Org unit' },
  'x-attain': { owned: false, tree: { parentField: 'parent_id' }, titleField: 'name' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', 'x-attain': { id: 'wf.ou.name' } },
      parent_id: { type: 'string', 'x-attain': { id: 'wf.ou.parent', storage: 'ref', ref: { object: 'org_unit', inverse: 'children' } } },
      head_id: { type: 'string', 'x-attain': { id: 'wf.ou.head', storage: 'ref', ref: { object: 'user', inverse: 'headed_units' } } },
    },
  },
};

export const userDoc: Doc = {
  kind: 'object',
  id: 'wf.user',
  name: 'user',
  label: { en: 'User', 'zh-CN': '用户' },
  'x-attain': { owned: false, titleField: 'name' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', 'x-attain': { id: 'wf.user.name' } },
      email: { type: 'string', format: 'email', 'x-attain': { id: 'wf.user.email' } },
      role: { type: 'string', 'x-attain': { id: 'wf.user.role' } },
      org_unit_id: { type: 'string', 'x-attain': { id: 'wf.user.org', storage: 'ref', ref: { object: 'org_unit', inverse: 'members' } } },
      manager_id: { type: 'string', 'x-attain': { id: 'wf.user.manager', storage: 'ref', ref: { object: 'user', inverse: 'reports' } } },
      locale: { type: 'string', enum: ['en', 'zh-CN'], 'x-attain': { id: 'wf.user.locale' } },
      active: { type: 'boolean', default: true, 'x-attain': { id: 'wf.user.active' } },
    },
  },
};

export const dealDoc: Doc = {
  kind: 'object',
  id: 'wf.deal',
  name: 'deal',
  label: { en: 'Deal', 'zh-CN': '商机' },
  'x-attain': { titleField: 'name' },
  schema: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', 'x-attain': { id: 'wf.deal.name' } },
      amount: { type: 'number', 'x-attain': { id: 'wf.deal.amount', storage: 'money' } },
      discount: { type: 'number', 'x-attain': { id: 'wf.deal.discount', storage: 'percent' } },
      stage: { type: 'string', enum: ['open', 'approved', 'rejected', 'won'], default: 'open', 'x-attain': { id: 'wf.deal.stage' } },
      reviewer_id: { type: 'string', 'x-attain': { id: 'wf.deal.reviewer', storage: 'ref', ref: { object: 'user', inverse: 'reviewed_deals' } } },
      notes: { type: 'string', 'x-attain': { id: 'wf.deal.notes', storage: 'long_text' } },
    },
  },
};

export const taskDoc: Doc = {
  kind: 'object',
  id: 'wf.followup',
  name: 'followup',
  label: { en: 'Follow-up' },
  'x-attain': { titleField: 'subject' },
  schema: {
    type: 'object',
    required: ['subject'],
    properties: {
      subject: { type: 'string', 'x-attain': { id: 'wf.followup.subject' } },
      deal_id: { type: 'string', 'x-attain': { id: 'wf.followup.deal', storage: 'ref', ref: { object: 'deal', inverse: 'followups' } } },
    },
  },
};

export const roleDocs: Doc[] = [
  { kind: 'role', id: 'wf.role.admin', name: 'admin', label: { en: 'Admin' }, admin: true, permissions: [] },
  {
    kind: 'role',
    id: 'wf.role.manager',
    name: 'manager',
    label: { en: 'Manager' },
    permissions: [
      { object: 'deal', actions: ['read', 'update', 'approve'], scope: 'team' },
      { object: 'user', actions: ['read'], scope: 'all' },
    ],
  },
  {
    kind: 'role',
    id: 'wf.role.rep',
    name: 'rep',
    label: { en: 'Rep' },
    permissions: [
      { object: 'deal', actions: ['read', 'create', 'update'], scope: 'own' },
      { object: 'user', actions: ['read'], scope: 'all' },
    ],
  },
  { kind: 'role', id: 'wf.role.finance', name: 'finance', label: { en: 'Finance' }, permissions: [{ object: '*', actions: ['read'], scope: 'all' }] },
];

export function discountFlow(extra: Doc = {}): Doc {
  return {
    kind: 'approval_flow',
    id: 'wf.flow.discount',
    name: 'discount',
    label: { en: 'Discount approval', 'zh-CN': '折扣审批' },
    object: 'deal',
    entryCondition: 'amount > 0',
    lockedFields: ['amount', 'discount'],
    steps: [
      { name: 'manager', label: { en: 'Manager' }, approvers: [{ type: 'manager', levels: 1 }], sla: { hours: 24, remindEveryHours: 4 } },
      {
        name: 'finance',
        condition: 'discount > 20%',
        mode: 'all',
        approvers: [
          { type: 'role', role: 'finance' },
          { type: 'org_head', levelsUp: 1 },
        ],
      },
    ],
    fallback: [{ type: 'role', role: 'admin' }],
    onApprove: [{ type: 'update', set: { stage: 'approved' } }],
    onReject: [{ type: 'update', set: { stage: 'rejected', notes: '="rejected at " & TEXT(amount)' } }],
    ...extra,
  };
}

export function chainFlow(levels: number): Doc {
  return {
    kind: 'approval_flow',
    id: `wf.flow.chain${levels}`,
    name: `chain${levels}`,
    label: { en: `Chain ${levels}` },
    object: 'deal',
    steps: [{ name: 'top', approvers: [{ type: 'manager', levels }] }],
    fallback: [{ type: 'role', role: 'admin' }],
  };
}

export const baseDocs = (): Doc[] => structuredClone([orgUnitDoc, userDoc, dealDoc, taskDoc, ...roleDocs, discountFlow(), chainFlow(3), chainFlow(4)]);

export interface Org {
  tenant: string;
  users: Record<'ceo' | 'vp' | 'mgr' | 'rep' | 'rep2' | 'fin1' | 'fin2' | 'admin', string>;
  units: Record<'root' | 'sales' | 'east', string>;
}

let n = 0;

/**
 * root (head ceo) → sales (head vp) → east (head mgr); rep → mgr → vp → ceo; two finance
 * users and an admin.
 */
export async function makeOrg(store: Store, docs: Doc[] = baseDocs(), prefix = 'wf'): Promise<Org> {
  const tenant = `${prefix}${process.pid}n${++n}`;
  await store.tenants.create(tenant);
  await store.metadata.apply(tenant, docs, { actor: system });
  const r = await store.records(tenant);
  const root = await r.create('org_unit', { name: 'Company' }, system);
  const sales = await r.create('org_unit', { name: 'Sales', parent_id: root.id }, system);
  const east = await r.create('org_unit', { name: 'East', parent_id: sales.id }, system);
  const u = async (name: string, role: string, org: string, manager?: string, locale = 'en') =>
    (await r.create('user', { name, email: `${name.toLowerCase()}@${tenant}.test`, role, org_unit_id: org, locale, ...(manager ? { manager_id: manager } : {}) }, system)).id;
  const ceo = await u('Ceo', 'manager', root.id);
  const vp = await u('Vp', 'manager', sales.id, ceo);
  const mgr = await u('Mgr', 'manager', east.id, vp, 'zh-CN');
  const rep = await u('Rep', 'rep', east.id, mgr);
  const rep2 = await u('Rep2', 'rep', east.id, mgr);
  const fin1 = await u('Fin1', 'finance', root.id, ceo);
  const fin2 = await u('Fin2', 'finance', root.id, ceo);
  const admin = await u('Admin', 'admin', root.id);
  await r.update('org_unit', root.id, { head_id: ceo }, system);
  await r.update('org_unit', sales.id, { head_id: vp }, system);
  await r.update('org_unit', east.id, { head_id: mgr }, system);
  return { tenant, users: { ceo, vp, mgr, rep, rep2, fin1, fin2, admin }, units: { root: root.id, sales: sales.id, east: east.id } };
}

export async function deal(store: Store, org: Org, data: Record<string, unknown>, owner = org.users.rep): Promise<string> {
  const r = await store.records(org.tenant);
  return (await r.create('deal', { name: 'Deal', amount: 1000, discount: 0.1, owner_id: owner, ...data }, { userId: owner })).id;
}

export function clock(start = Date.now()) {
  let t = start;
  return {
    now: () => new Date(t),
    advance: (ms: number) => void (t += ms),
    set: (ms: number) => void (t = ms),
  };
}

export const HOUR = 3_600_000;
