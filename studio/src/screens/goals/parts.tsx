// Small pieces the goals screens share: number formats, the pacing tone, a gauge and a period picker.
import { lazy, Suspense, useMemo } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import type { KpiDoc } from './api.ts';
import { periodsOf } from './api.ts';

const Chart = lazy(() => import('../../components/Charts.tsx'));

export type Tone = 'good' | 'warn' | 'bad' | 'none';

/** On pace at 100% or more, behind below 100%, at risk below 80% (the default alert threshold). */
export function toneOf(ratio: number | null | undefined): Tone {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'none';
  return ratio >= 1 ? 'good' : ratio >= 0.8 ? 'warn' : 'bad';
}

export function useFormat() {
  const { formatNumber } = useI18n();
  return useMemo(
    () => ({
      value: (v: number | string | null | undefined, kpi?: KpiDoc) => {
        if (v === null || v === undefined || v === '') return '—';
        if (kpi?.unit === 'percent') return formatNumber(v, { style: 'percent', maximumFractionDigits: 1 });
        return formatNumber(v, { maximumFractionDigits: kpi?.unit === 'count' ? 0 : 2, minimumFractionDigits: kpi?.unit === 'money' ? 0 : 0 });
      },
      pct: (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : formatNumber(v, { style: 'percent', maximumFractionDigits: 0 })),
    }),
    [formatNumber],
  );
}

export function PaceBadge({ ratio }: { ratio: number | null | undefined }) {
  const { t } = useI18n();
  const tone = toneOf(ratio);
  const { pct } = useFormat();
  if (tone === 'none') return <span className="badge">{t('goals.noTarget')}</span>;
  return (
    <span className={`goal-pace goal-pace-${tone}`}>
      {pct(ratio)} · {t(`goals.tone.${tone}`)}
    </span>
  );
}

const TONE_COLOR: Record<Tone, string> = { good: '#1e9e62', warn: '#d99a0b', bad: '#d64545', none: '#8a93a3' };

/** A half-circle gauge of a ratio (pacing or attainment), 0–150%. */
export function Gauge({ ratio, label }: { ratio: number | null; label: string }) {
  const { locale } = useI18n();
  const tone = toneOf(ratio);
  const value = ratio === null || !Number.isFinite(ratio) ? 0 : Math.round(Math.min(ratio, 1.5) * 1000) / 10;
  const option = useMemo(
    () => ({
      series: [
        {
          type: 'gauge',
          startAngle: 200,
          endAngle: -20,
          min: 0,
          max: 150,
          radius: '100%',
          center: ['50%', '62%'],
          progress: { show: true, width: 14, roundCap: true, itemStyle: { color: TONE_COLOR[tone] } },
          axisLine: { roundCap: true, lineStyle: { width: 14, color: [[1, 'rgba(138,147,163,0.22)']] } },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          pointer: { show: false },
          anchor: { show: false },
          title: { show: false },
          detail: { valueAnimation: false, offsetCenter: [0, '-8%'], fontSize: 26, fontWeight: 650, color: TONE_COLOR[tone], formatter: ratio === null ? '—' : `${Math.round((ratio ?? 0) * 100)}%` },
          data: [{ value }],
        },
      ],
    }),
    [value, tone, ratio],
  );
  return (
    <Suspense fallback={<div className="goal-gauge" />}>
      <div className="goal-gauge" key={locale}>
        <Chart option={option} height={150} title={label} />
      </div>
    </Suspense>
  );
}

/** Month, quarter or year of the day being looked at. */
export function PeriodPicker({ day, value, onChange, id }: { day: string; value: string; onChange: (v: string) => void; id: string }) {
  const { t } = useI18n();
  const p = periodsOf(day);
  return (
    <div className="field goal-field">
      <label className="field-label" htmlFor={id}>
        {t('goals.period')}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value={p.month}>{t('goals.periodMonth', { period: p.month })}</option>
        <option value={p.quarter}>{t('goals.periodQuarter', { period: p.quarter })}</option>
        <option value={p.year}>{t('goals.periodYear', { period: p.year })}</option>
      </select>
    </div>
  );
}

export function LockIcon({ size = 12 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3" />
    </svg>
  );
}
