// The message a resolved dispute sends to the payee (and whoever raised it for them): the
// decision, the resolution and the amount booked, in each reader's language. Delivered through the
// workflow's notifications by whoever wires the engine (the engine does not depend on workflow).
import type { Label } from '@attain/meta';

export interface DisputeNotice {
  to: string[];
  template: { title: Label; body: Label };
  vars: Record<string, string>;
  kind: 'incentive_dispute';
  key: string;
}

export type DisputeResolvedHook = (tenant: string, notice: DisputeNotice) => Promise<void>;

// One hook per store (every engine over that store, whichever door resolved the dispute: the API or
// an approval flow's final decision). Set by whoever wires notifications, e.g. the server.
const hooks = new WeakMap<object, DisputeResolvedHook>();

export function onDisputeResolved(store: object, hook: DisputeResolvedHook): void {
  hooks.set(store, hook);
}

export function disputeHook(store: object): DisputeResolvedHook | undefined {
  return hooks.get(store);
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function disputeResolvedNotice(row: Record<string, unknown>): DisputeNotice {
  const to = [...new Set([text(row.payee_id), text(row.created_by)].filter((id) => /^[0-9a-f-]{36}$/i.test(id)))];
  const adjustment = row.adjustment as { period: string; amount: string } | null | undefined;
  const accepted = row.status === 'accepted';
  return {
    to,
    kind: 'incentive_dispute',
    key: `dispute:${text(row.id)}:${text(row.status)}`,
    template: {
      title: {
        en: accepted ? 'Dispute accepted: {{period}} {{line}}' : 'Dispute rejected: {{period}} {{line}}',
        'zh-CN': accepted ? '申诉已接受：{{period}} {{line}}' : '申诉已驳回：{{period}} {{line}}',
      },
      body: {
        en: adjustment
          ? 'Your dispute was accepted: {{resolution}}. An adjustment of {{amount}} is on your {{posted}} statement.'
          : accepted
            ? 'Your dispute was accepted: {{resolution}}. Your statement was recalculated.'
            : 'Your dispute was rejected: {{resolution}}.',
        'zh-CN': adjustment
          ? '您的申诉已接受：{{resolution}}。{{posted}} 的对账单上已加入 {{amount}} 的调整。'
          : accepted
            ? '您的申诉已接受：{{resolution}}。对账单已重新计算。'
            : '您的申诉被驳回：{{resolution}}。',
      },
    },
    vars: { period: text(row.period), line: text(row.component || row.line_key), resolution: text(row.resolution), amount: adjustment?.amount ?? '', posted: adjustment?.period ?? '' },
  };
}
