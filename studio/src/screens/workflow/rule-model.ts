import type { Label } from '../../api/types.ts';

// The automation rule document as the editor handles it (meta-schema `automation`); the server
// checks it again on save, so the form only keeps its shape sensible.

export interface Recipient {
  type: 'user' | 'role' | 'manager' | 'org_head' | 'field' | 'owner' | 'submitter';
  userId?: string;
  role?: string;
  levels?: number;
  field?: string;
}

export type ActionType = 'update' | 'create' | 'start_flow' | 'notify' | 'webhook';

export interface RuleAction {
  type: ActionType;
  set?: Record<string, string | number | boolean | null>;
  object?: string;
  flow?: string;
  to?: Recipient[];
  /** Notification channel names (inbox, email, or a module's); the editor offers inbox and email. */
  channels?: string[];
  template?: { title: Label; body?: Label };
  url?: string;
  format?: 'json' | 'dingtalk' | 'wecom' | 'feishu';
  secret?: string;
}

export interface RuleDoc {
  kind: 'automation';
  id: string;
  name: string;
  label: Label;
  description?: string;
  object?: string;
  active?: boolean;
  trigger: { type: 'record' | 'schedule'; on?: Array<'create' | 'update' | 'delete'>; changed?: string[]; previous?: string; cron?: string; timezone?: string };
  condition?: string;
  actions: RuleAction[];
}

export const ACTION_TYPES: ActionType[] = ['update', 'create', 'start_flow', 'notify', 'webhook'];

/** An API name from a label: lower case, words joined by `_`, starting with a letter ("" when none). */
export function apiNameOf(label: string): string {
  const name = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 63);
  return name;
}

/** A new rule: no name until the admin labels it (its API name follows the label). */
export function newRule(object: string): RuleDoc {
  return {
    kind: 'automation',
    id: '',
    name: '',
    label: { en: '' },
    object,
    active: true,
    trigger: { type: 'record', on: ['update'] },
    actions: [newAction('notify')],
  };
}

export function newAction(type: ActionType): RuleAction {
  switch (type) {
    case 'update':
      return { type, set: {} };
    case 'create':
      return { type, object: '', set: {} };
    case 'start_flow':
      return { type, flow: '' };
    case 'notify':
      return { type, to: [{ type: 'owner' }], channels: ['inbox'], template: { title: { en: '' } } };
    case 'webhook':
      return { type, url: 'https://', format: 'json' };
  }
}

/** Drops what the form left empty (optional texts, empty lists) so the document stays minimal. */
export function cleanRule(doc: RuleDoc): RuleDoc {
  const trigger = { ...doc.trigger };
  if (trigger.type === 'record') {
    delete trigger.cron;
    delete trigger.timezone;
    if (!trigger.changed?.length || !trigger.on?.includes('update')) delete trigger.changed;
    if (!trigger.previous?.trim() || !trigger.on?.includes('update')) delete trigger.previous;
  } else {
    delete trigger.on;
    delete trigger.changed;
    delete trigger.previous;
    if (!trigger.timezone) delete trigger.timezone;
  }
  const out: RuleDoc = { ...doc, trigger, actions: doc.actions.map(cleanAction) };
  if (!out.condition?.trim()) delete out.condition;
  if (!out.description?.trim()) delete out.description;
  if (!out.object) delete out.object;
  return out;
}

function cleanAction(a: RuleAction): RuleAction {
  const out: RuleAction = { ...a };
  if (out.template && !out.template.body?.en && !out.template.body?.['zh-CN']) out.template = { title: out.template.title };
  if (out.type === 'webhook' && !out.secret) delete out.secret;
  return out;
}

/** A number when the text is one, `true`/`false`/`null` as such, else the text (formulas start with =). */
export function parseValue(text: string): string | number | boolean | null {
  const s = text.trim();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null') return null;
  if (s !== '' && /^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return text;
}
