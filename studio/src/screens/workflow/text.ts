import type { Label } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';

// The workflow screens' own strings, so the feature stays in its folder.
const EN = {
  inbox: 'My approvals',
  notifications: 'Notifications',
  noTasks: 'Nothing waiting for your approval.',
  noNotifications: 'No notifications.',
  approve: 'Approve',
  reject: 'Reject',
  sendBack: 'Send back',
  reason: 'Reason',
  reasonRequired: 'Give a reason first.',
  comment: 'Comment',
  addComment: 'Add comment',
  step: 'Step',
  flow: 'Flow',
  submittedBy: 'Submitted',
  due: 'Due',
  onBehalf: 'on behalf of a colleague',
  open: 'Open',
  unread: '{n} unread',
  markAllRead: 'Mark all read',
  approvals: 'Approvals',
  submit: 'Submit for approval',
  withdraw: 'Withdraw',
  resubmit: 'Resubmit',
  history: 'Approval history',
  noHistory: 'No approval history yet.',
  locked: 'Locked while the approval is pending: {fields}',
  unlocked: 'Not locked',
  status: 'Status',
  flows: 'Approval flows',
  automations: 'Automation rules',
  newFlow: 'New flow',
  save: 'Save',
  saved: 'Saved. A new flow version applies to new submissions.',
  preview: 'Preview approvers',
  recordId: 'Record id',
  steps: 'Steps',
  addStep: 'Add step',
  remove: 'Remove',
  condition: 'Condition (optional)',
  entryCondition: 'Entry condition (optional)',
  mode: 'Parallel approvers',
  modeAny: 'any may approve',
  modeAll: 'all must approve',
  approvers: 'Approvers',
  lockedFields: 'Locked fields (comma separated)',
  object: 'Object',
  name: 'Api name',
  label: 'Label',
  slaHours: 'SLA hours',
  runLog: 'Run log',
  rule: 'Rule',
  document: 'Rule document (JSON)',
  skipped: 'skipped',
  nobody: 'nobody',
  done: 'Done.',
} as const;

type Key = keyof typeof EN;

const ZH: Record<Key, string> = {
  inbox: '我的审批',
  notifications: '通知',
  noTasks: '没有待您审批的事项。',
  noNotifications: '没有通知。',
  approve: '批准',
  reject: '驳回',
  sendBack: '退回修改',
  reason: '理由',
  reasonRequired: '请先填写理由。',
  comment: '评论',
  addComment: '添加评论',
  step: '步骤',
  flow: '流程',
  submittedBy: '提交时间',
  due: '截止',
  onBehalf: '代他人审批',
  open: '打开',
  unread: '{n} 条未读',
  markAllRead: '全部标为已读',
  approvals: '审批',
  submit: '提交审批',
  withdraw: '撤回',
  resubmit: '重新提交',
  history: '审批记录',
  noHistory: '暂无审批记录。',
  locked: '审批中，以下字段已锁定：{fields}',
  unlocked: '未锁定',
  status: '状态',
  flows: '审批流程',
  automations: '自动化规则',
  newFlow: '新建流程',
  save: '保存',
  saved: '已保存。新的流程版本将用于新的提交。',
  preview: '预览审批人',
  recordId: '记录 ID',
  steps: '步骤',
  addStep: '添加步骤',
  remove: '删除',
  condition: '条件（可选）',
  entryCondition: '进入条件（可选）',
  mode: '并行审批',
  modeAny: '任一人批准即可',
  modeAll: '全部人需批准',
  approvers: '审批人',
  lockedFields: '锁定字段（逗号分隔）',
  object: '对象',
  name: 'API 名称',
  label: '名称',
  slaHours: '时限（小时）',
  runLog: '运行日志',
  rule: '规则',
  document: '规则文档（JSON）',
  skipped: '已跳过',
  nobody: '无人',
  done: '完成。',
};

export function useText(): (key: Key, params?: Record<string, string | number>) => string {
  const { locale } = useI18n();
  return (key, params) => {
    const text: string = locale === 'zh-CN' ? ZH[key] : EN[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, k: string) => String(params[k] ?? m)) : text;
  };
}

export const ACTION_TEXT: Record<string, { en: string; 'zh-CN': string }> = {
  submitted: { en: 'submitted', 'zh-CN': '提交' },
  step_started: { en: 'step started', 'zh-CN': '进入步骤' },
  step_skipped: { en: 'step skipped', 'zh-CN': '跳过步骤' },
  approved: { en: 'approved', 'zh-CN': '批准' },
  rejected: { en: 'rejected', 'zh-CN': '驳回' },
  sent_back: { en: 'sent back', 'zh-CN': '退回' },
  resubmitted: { en: 'resubmitted', 'zh-CN': '重新提交' },
  withdrawn: { en: 'withdrawn', 'zh-CN': '撤回' },
  commented: { en: 'commented', 'zh-CN': '评论' },
  escalated: { en: 'escalated', 'zh-CN': '升级' },
  escalation_failed: { en: 'escalation failed', 'zh-CN': '升级失败' },
};

export interface Task {
  id: string;
  instance_id: string;
  object: string;
  record_id: string;
  title: string;
  flow_name: string;
  flow_label: Label;
  step_name: string;
  step_label: Label | null;
  mode: string;
  due_at: string | null;
  created_at: string;
  onBehalfOf: string | null;
}

export interface HistoryEntry {
  id: string;
  at: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  step_index: number | null;
  comment: string | null;
}

export interface Instance {
  id: string;
  flow_name: string;
  version: number;
  status: string;
  submitter_id: string | null;
  round: number;
  step_index: number;
  locked_fields: string[];
  tasks: Array<{ id: string; approver_id: string; status: string; step_index: number }>;
}
