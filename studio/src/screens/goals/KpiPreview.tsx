import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import type { ReportResult } from '../dashboards/api.ts';
import type { KpiAggregate } from './api.ts';

export interface PreviewInput {
  object: string;
  aggregate: KpiAggregate;
  value: string;
  filter: string;
  dateField: string;
  /** A ratio's denominator: number field ('' = count) and condition. */
  denValue?: string;
  denFilter?: string;
  /** Percent shows a share as 66.7 %, as the goals screens do. */
  unit?: string;
}

/**
 * The measure as `POST /analytics/query` asks it: the KPI's filter folds into the measured
 * formula (the question's own filter speaks a field language, not formulas), so a filtered count
 * sums 1 per matching record and a filtered average leaves the others out as NULL.
 */
export function previewQuestion(p: PreviewInput, months: readonly string[]): Record<string, unknown> {
  const f = p.filter.trim();
  const sumWhere = (cond: string, value: string) => (cond ? `IF(${cond}, ${value}, 0)` : value);
  const measures =
    p.aggregate === 'ratio'
      ? // The two sums and their quotient, as the KPI computes it (one per record on a side that counts).
        [
          { name: 'num', op: 'sum', formula: sumWhere(f, p.value || '1') },
          { name: 'den', op: 'sum', formula: sumWhere((p.denFilter ?? '').trim(), p.denValue || '1') },
          { name: 'value', op: 'ratio', of: ['num', 'den'] },
        ]
      : p.aggregate === 'count'
        ? [f ? { name: 'value', op: 'sum', formula: `IF(${f}, 1, 0)` } : { name: 'value', op: 'count' }]
        : [{ name: 'value', op: p.aggregate === 'avg' ? 'avg' : 'sum', formula: f ? `IF(${f}, ${p.value}, ${p.aggregate === 'avg' ? 'NULL' : '0'})` : p.value }];
  return {
    object: p.object,
    measures,
    groups: [{ field: p.dateField, bucket: 'month' }],
    // This month and the five before it (`last: 6` would mean the six complete months before this one).
    period: { field: p.dateField, range: { from: `${months[0]}-01`, to: lastDayOf(months[5]!) } },
  };
}

/** The last day of a YYYY-MM month as YYYY-MM-DD. */
function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${month}-${String(new Date(y, m, 0).getDate()).padStart(2, '0')}`;
}

/** The last six months of `from`'s month, oldest first, as YYYY-MM. */
function lastSixMonths(from: Date): string[] {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) {
    const d = new Date(from.getFullYear(), from.getMonth() - i, 1);
    out.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

/** Live preview of a KPI being edited: its value by month over the last six months, on the records the admin can read. */
export function KpiPreview({ input }: { input: PreviewInput | null }) {
  const { t, formatNumber } = useI18n();
  const [result, setResult] = useState<ReportResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const months = lastSixMonths(new Date());
  const key = input ? JSON.stringify(previewQuestion(input, months)) : '';
  useEffect(() => {
    if (!key) return;
    let live = true;
    const timer = setTimeout(() => {
      api.post<{ data: ReportResult }>('/analytics/query', { report: JSON.parse(key) as unknown }).then(
        (r) => live && (setResult(r.data), setProblem(null)),
        (e: unknown) => live && setProblem(e instanceof Error ? e.message : String(e)),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // The question's text is the dependency: a new object each render must not re-run it.
  }, [key]);

  const byMonth = new Map<string, number>();
  for (const row of result?.rows ?? []) {
    const k = String(row.keys[0] ?? '').slice(0, 7);
    const v = row.values.value;
    if (k && v !== null && v !== undefined) byMonth.set(k, Number(v));
  }
  const max = Math.max(1, ...months.map((m) => Math.abs(byMonth.get(m) ?? 0)));
  return (
    <div className="card goal-kpi-preview" aria-live="polite">
      <h3 className="goal-preview-title">{t('goals.kpi.preview')}</h3>
      {!input ? (
        <p className="muted small">{t('goals.kpi.previewIncomplete')}</p>
      ) : problem ? (
        <p className="goal-field-error" role="alert">
          {problem}
        </p>
      ) : (
        <table className="goal-preview-table" aria-label={t('goals.kpi.preview')}>
          <tbody>
            {months.map((m) => {
              const v = byMonth.get(m) ?? 0;
              return (
                <tr key={m} data-month={m}>
                  <th scope="row">{m}</th>
                  <td className="goal-preview-bar-cell">
                    <span className="goal-preview-bar" style={{ width: `${(Math.abs(v) / max) * 100}%` }} />
                  </td>
                  <td className="num">{result ? formatNumber(v, input.unit === 'percent' ? { style: 'percent', maximumFractionDigits: 1 } : undefined) : '…'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
