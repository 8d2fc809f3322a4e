import { pickLabel, type Label } from '@attain/meta';

/** Replaces `{{path}}` with values from `vars` (dotted paths); unknown names render empty. */
export function render(text: string, vars: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_.]{0,100})\s*\}\}/g, (_m, path: string) => {
    let v: unknown = vars;
    for (const part of path.split('.')) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return '';
      v = (v as Record<string, unknown>)[part];
    }
    if (v === null || v === undefined) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

export interface Template {
  title: Label;
  body?: Label;
}

export function renderTemplate(t: Template, locale: string, vars: Record<string, unknown>): { title: string; body: string } {
  return { title: render(pickLabel(t.title, locale), vars).slice(0, 500), body: render(pickLabel(t.body, locale), vars).slice(0, 10_000) };
}

/** The platform's own messages for approval events, in English and Chinese. */
export const BUILTIN: Record<string, Template> = {
  task: {
    title: { en: 'Approval needed: {{flow}} — {{title}}', 'zh-CN': '待审批：{{flow}} — {{title}}' },
    body: { en: '{{submitter}} submitted {{object}} "{{title}}" for approval (step {{step}}).', 'zh-CN': '{{submitter}} 提交了{{object}}“{{title}}”，请审批（步骤：{{step}}）。' },
  },
  reminder: {
    title: { en: 'Reminder: approval waiting — {{title}}', 'zh-CN': '提醒：待审批 — {{title}}' },
    body: { en: '"{{title}}" is waiting for your approval (step {{step}}).', 'zh-CN': '“{{title}}”正在等待您的审批（步骤：{{step}}）。' },
  },
  escalated: {
    title: { en: 'Escalated: {{flow}} — {{title}}', 'zh-CN': '已升级：{{flow}} — {{title}}' },
    body: { en: 'Step {{step}} ran past its deadline and was escalated to you.', 'zh-CN': '步骤 {{step}} 已超时，升级给您处理。' },
  },
  approved: {
    title: { en: 'Approved: {{title}}', 'zh-CN': '已批准：{{title}}' },
    body: { en: 'Your submission "{{title}}" ({{flow}}) was approved.', 'zh-CN': '您提交的“{{title}}”（{{flow}}）已批准。' },
  },
  rejected: {
    title: { en: 'Rejected: {{title}}', 'zh-CN': '已驳回：{{title}}' },
    body: { en: 'Your submission "{{title}}" ({{flow}}) was rejected: {{reason}}', 'zh-CN': '您提交的“{{title}}”（{{flow}}）被驳回：{{reason}}' },
  },
  returned: {
    title: { en: 'Sent back for changes: {{title}}', 'zh-CN': '退回修改：{{title}}' },
    body: { en: '"{{title}}" was sent back for changes: {{reason}}', 'zh-CN': '“{{title}}”被退回修改：{{reason}}' },
  },
  run_failed: {
    title: { en: 'Automation failed: {{rule}}', 'zh-CN': '自动化执行失败：{{rule}}' },
    body: { en: 'The automation "{{rule}}" gave up after {{attempts}} attempts: {{error}}', 'zh-CN': '自动化“{{rule}}”重试 {{attempts}} 次后失败：{{error}}' },
  },
};
