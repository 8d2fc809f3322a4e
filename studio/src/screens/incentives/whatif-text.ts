// The what-if form's strings (loaded with the screen, not with the first screen).
import type { ScreenCatalog } from '../../i18n/screen-text.ts';

export const WHATIF_TEXT: ScreenCatalog = {
  en: {
    incentives: {
      whatif: {
        reset: 'Undo changes',
        formHint: "Change the plan's rates, tiers, bonus amounts or quotas below; Compare runs the copy over the period's real data beside the live plan. Nothing is saved.",
        quota: 'Quota “{target}”: change in %',
        quotaLive: 'as entered',
        liveTiers: 'Live tiers of {name}: {tiers}',
        tiersOf: 'What-if tiers of {name}',
        byPayee: 'Payouts by payee',
        byComponent: 'By payee and component',
        errors: {
          number: 'Enter a number, e.g. 0.08 or 1500.',
          tier: 'Tier {row}: from, to and rate must be numbers (leave To empty for no upper bound).',
          quota: 'Enter a change in percent above -100 and up to 9900, e.g. 10 or -5.',
        },
      },
    },
  },
  'zh-CN': {
    incentives: {
      whatif: {
        reset: '撤销更改',
        formHint: '在下方修改方案的费率、阶梯、奖金额或指标；“比较”会用期间的真实数据运行副本，并与现行方案并列显示。不会保存任何内容。',
        quota: '指标“{target}”：变化（%）',
        quotaLive: '按已录入',
        liveTiers: '{name} 的现行阶梯：{tiers}',
        tiersOf: '{name} 的假设阶梯',
        byPayee: '按收款人的支付',
        byComponent: '按收款人和组成部分',
        errors: {
          number: '请输入数字，例如 0.08 或 1500。',
          tier: '第 {row} 档：起点、终点和费率须为数字（无上限时终点留空）。',
          quota: '请输入大于 -100 且不超过 9900 的百分比变化，例如 10 或 -5。',
        },
      },
    },
  },
};
