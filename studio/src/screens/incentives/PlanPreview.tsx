import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { incentivesApi, type PlanVersion, type PreviewCurve, type PreviewSampleResult } from './api.ts';
import { useMoney } from './parts.tsx';

const Chart = lazy(() => import('../../components/Charts.tsx'));

interface Sample {
  name: string;
  values: Record<string, string>;
}

/** Inputs a sample needs: sum/count/input measures, targets named by components, SPIF/points counts. */
function inputNames(v: PlanVersion): string[] {
  const names = v.measures.filter((m) => m.type === 'sum' || m.type === 'count' || m.type === 'input').map((m) => m.name);
  for (const c of v.components) {
    if (c.target) names.push(c.target);
    if (c.type === 'spif' || c.type === 'points') names.push(c.name);
  }
  return [...new Set(names)];
}

const DEFAULT_SAMPLES: Sample[] = [
  { name: 'A', values: { revenue: '6000' } },
  { name: 'B', values: { revenue: '18000' } },
  { name: 'C', values: { revenue: '60000' } },
];

/** The live preview: payout curve per component (payout vs attainment, or vs the measure) and the plan on sample payees. */
export function PlanPreview({ version }: { version: PlanVersion }) {
  const { t, label } = useI18n();
  const f = useMoney();
  const [samples, setSamples] = useState<Sample[]>(DEFAULT_SAMPLES);
  const [result, setResult] = useState<{ curves: PreviewCurve[]; samples: PreviewSampleResult[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const names = inputNames(version);
  useEffect(() => {
    const timer = setTimeout(() => {
      incentivesApi.preview(version, samples).then((r) => {
        setResult(r);
        setError(null);
      }, setError);
    }, 250);
    return () => clearTimeout(timer);
  }, [version, samples]);
  const componentLabel = (name: string) => label(version.components.find((c) => c.name === name)?.label, name);
  // A sample's input is a measure, a quota or a SPIF/points component: each by its label where it has one.
  const targets = [...new Set(version.components.flatMap((c) => (c.target ? [c.target] : [])))];
  const inputLabel = (name: string) => {
    const named = version.measures.find((m) => m.name === name)?.label ?? version.components.find((c) => c.name === name)?.label;
    if (named) return label(named, name);
    // A target has no label of its own: "Target", with its name only when the plan has several.
    if (targets.includes(name)) return targets.length > 1 ? `${t('incentives.trace.target')} (${name})` : t('incentives.trace.target');
    return name;
  };
  const option = useMemo(() => {
    const curves = result?.curves ?? [];
    const byAtt = curves.some((c) => c.basis === 'attainment');
    return {
      grid: { left: 8, right: 16, top: 40, bottom: 30, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, right: 0, type: 'scroll' },
      xAxis: {
        type: 'value',
        name: byAtt ? t('incentives.preview.attainment') : t('incentives.preview.measure'),
        nameLocation: 'middle',
        nameGap: 26,
        axisLabel: byAtt ? { formatter: (v: number) => `${Math.round(v * 100)}%` } : {},
      },
      yAxis: { type: 'value', name: t('incentives.preview.payout') },
      series: curves.map((c) => ({ type: 'line', name: componentLabel(c.component), showSymbol: false, smooth: false, data: c.points.map((p) => [Number(p.x), Number(p.amount)]) })),
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- labels follow the result
  }, [result, t]);
  const setValue = (i: number, name: string, value: string) => setSamples(samples.map((s, k) => (k === i ? { ...s, values: { ...s.values, [name]: value } } : s)));
  return (
    <div className="card" data-testid="plan-preview">
      <div className="inc-section-h">
        <h2>{t('incentives.preview.title')}</h2>
      </div>
      <ErrorAlert error={error} />
      {result && result.curves.length > 0 ? (
        <Suspense fallback={<div style={{ height: 260 }} />}>
          <Chart option={option} height={260} title={t('incentives.preview.curve')} />
        </Suspense>
      ) : (
        <p className="muted small">{t('incentives.preview.noCurve')}</p>
      )}
      <h3 className="inc-trace-h">{t('incentives.preview.samples')}</h3>
      <div className="table-wrap">
        <table className="data inc-samples" data-testid="preview-samples">
          <thead>
            <tr>
              <th>{t('incentives.preview.rep')}</th>
              {names.map((n) => (
                <th key={n} className="num">
                  {inputLabel(n)}
                </th>
              ))}
              <th className="num">{t('incentives.payout')}</th>
            </tr>
          </thead>
          <tbody>
            {samples.map((s, i) => {
              const r = result?.samples[i];
              return (
                <tr key={i}>
                  <td>{s.name}</td>
                  {names.map((n) => (
                    <td key={n}>
                      <input
                        aria-label={t('incentives.preview.sampleValue', { rep: s.name, name: n })}
                        inputMode="decimal"
                        value={s.values[n] ?? ''}
                        onChange={(e) => setValue(i, n, e.target.value)}
                      />
                    </td>
                  ))}
                  <td className="num" data-testid="sample-total" title={r?.lines.map((l) => `${componentLabel(l.component)}: ${l.amount}`).join('\n')}>
                    {r?.error ? (
                      <span className="badge badge-danger" title={r.error.message}>
                        {t('incentives.preview.error')}
                      </span>
                    ) : (
                      f.money(r?.total ?? null, version.currency)
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
