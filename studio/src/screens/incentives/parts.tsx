// Pieces the incentives screens share: money formatting, component labels, status badges.
import { useMemo } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import type { PeriodStatus, PlanDoc } from './api.ts';
import { moneyDecimals, moneyText } from '../../lib/decimal.ts';

export function useMoney() {
  const { formatNumber } = useI18n();
  return useMemo(
    () => ({
      money: (v: string | number | null | undefined, currency?: string) => {
        if (v === null || v === undefined || v === '') return '—';
        // At the currency's minor unit (JPY 0, KWD 3), rounded exactly before the locale formats it.
        const digits = moneyDecimals(currency);
        const text = moneyText(v, currency) ?? String(v);
        return formatNumber(
          text,
          currency ? { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits } : { minimumFractionDigits: digits, maximumFractionDigits: digits },
        );
      },
      num: (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '—' : formatNumber(v, { maximumFractionDigits: 4 })),
      pct: (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '—' : formatNumber(v, { style: 'percent', maximumFractionDigits: 1 })),
    }),
    [formatNumber],
  );
}

/** Component name → its label from the plan documents, else the name. */
export function useComponentLabel(plans: readonly PlanDoc[] | undefined) {
  const { label } = useI18n();
  return (planId: string, component: string | null): string => {
    if (!component) return '';
    const plan = plans?.find((p) => p.id === planId);
    for (const v of plan?.versions ?? []) {
      const c = v.components.find((x) => x.name === component);
      if (c?.label) return label(c.label, component);
    }
    return component;
  };
}

export function StatusBadge({ status }: { status: PeriodStatus | null | undefined }) {
  const { t } = useI18n();
  if (!status) return null;
  return (
    <span className={`badge inc-status inc-status-${status}`} data-testid="period-status">
      {t(`incentives.status.${status}`)}
    </span>
  );
}
