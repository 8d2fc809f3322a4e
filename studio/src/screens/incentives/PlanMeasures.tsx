import { useMemo } from 'react';
import { useAsync } from '../../lib/useAsync.ts';
import { goalsApi } from '../goals/api.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { CellInput, CellSelect, CellIssue } from './lint.tsx';
import { PlanCreditFilter } from './PlanCreditFilter.tsx';
import { PlanRecordSource } from './PlanRecordSource.tsx';
import { measuresObject } from './templates.ts';
import type { MeasureDef } from './api.ts';

const TYPES: MeasureDef['type'][] = ['sum', 'count', 'kpi', 'input', 'ratio', 'formula'];

/** A version's measures: sums and counts over credits (which count) or over an object's records, inputs, ratios and formulas. */
export function PlanMeasures({ measures, onChange }: { measures: MeasureDef[]; onChange: (measures: MeasureDef[]) => void }) {
  const { t } = useI18n();
  const formulaObjects = useMemo(() => [measuresObject(measures)], [measures]);
  // A measure may be a goals KPI: the statement then shows the very number My goals shows.
  const kpis = useAsync(
    () => (measures.some((m) => m.type === 'kpi') ? goalsApi.kpis().then((r) => r.data.map((k) => k.name)) : Promise.resolve([] as string[])),
    [measures.some((m) => m.type === 'kpi')],
  );
  const setMeasure = (i: number, m: MeasureDef) => {
    const next: Record<string, unknown> = { ...m };
    for (const [k, v] of Object.entries(next)) if (v === undefined || v === '') delete next[k];
    onChange(measures.map((x, k) => (k === i ? (next as unknown as MeasureDef) : x)));
  };
  return (
    <div className="card" data-testid="plan-measures">
      <div className="inc-section-h">
        <h2>{t('incentives.designer.measures')}</h2>
        <button type="button" className="btn btn-sm" onClick={() => onChange([...measures, { name: `measure_${measures.length + 1}`, type: 'sum', field: 'amount' }])}>
          + {t('incentives.designer.addMeasure')}
        </button>
      </div>
      {measures.map((m, i) => (
        <div key={i} className="inc-measure">
          <div className="inc-grid-2">
            <div className="field">
              <label className="field-label" htmlFor={`m${i}-name`}>
                {t('incentives.designer.apiName')}
              </label>
              <CellInput id={`m${i}-name`} path={`/measures/${i}/name`} value={m.name} onChange={(e) => setMeasure(i, { ...m, name: e.target.value.replace(/[^a-z0-9_]/gi, '_').toLowerCase() })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`m${i}-label`}>
                {t('incentives.designer.componentLabel')}
              </label>
              <input id={`m${i}-label`} value={m.label?.en ?? ''} onChange={(e) => setMeasure(i, { ...m, label: e.target.value ? { ...(m.label ?? {}), en: e.target.value } : undefined })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`m${i}-type`}>
                {t('incentives.designer.type')}
              </label>
              <select id={`m${i}-type`} value={m.type} onChange={(e) => setMeasure(i, { ...m, type: e.target.value as MeasureDef['type'] })}>
                {TYPES.map((x) => (
                  <option key={x} value={x}>
                    {t(`incentives.measureType.${x}`)}
                  </option>
                ))}
              </select>
            </div>
            {m.type === 'sum' && (
              <div className="field">
                <label className="field-label" htmlFor={`m${i}-field`}>
                  {t('incentives.designer.field')}
                </label>
                <select id={`m${i}-field`} value={m.field ?? 'amount'} onChange={(e) => setMeasure(i, { ...m, field: e.target.value as MeasureDef['field'] })}>
                  {(['amount', 'margin', 'quantity'] as const).map((x) => (
                    <option key={x} value={x}>
                      {t(`incentives.creditField.${x}`)}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {m.type === 'kpi' && (
              <div className="field">
                <label className="field-label" htmlFor={`m${i}-kpi`}>
                  {t('incentives.measure.kpi')}
                </label>
                <CellSelect
                  id={`m${i}-kpi`}
                  path={`/measures/${i}/kpi`}
                  value={m.kpi ?? ''}
                  onChange={(e) => setMeasure(i, { name: m.name, ...(m.label ? { label: m.label } : {}), type: 'kpi', kpi: e.target.value || undefined })}
                >
                  <option value="">—</option>
                  {(kpis.data ?? []).map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </CellSelect>
              </div>
            )}
            {m.type === 'ratio' &&
              (['numerator', 'denominator'] as const).map((key) => (
                <div className="field" key={key}>
                  <label className="field-label" htmlFor={`m${i}-${key}`}>
                    {t(`incentives.measure.${key}`)}
                  </label>
                  <CellSelect id={`m${i}-${key}`} path={`/measures/${i}/${key}`} value={m[key] ?? ''} onChange={(e) => setMeasure(i, { ...m, [key]: e.target.value || undefined })}>
                    <option value="">—</option>
                    {measures
                      .filter((x) => x.name !== m.name)
                      .map((x) => (
                        <option key={x.name} value={x.name}>
                          {x.name}
                        </option>
                      ))}
                  </CellSelect>
                </div>
              ))}
            {m.type === 'formula' && (
              <div className="field" style={{ gridColumn: '1 / -1' }}>
                <label className="field-label" htmlFor={`m${i}-expr`}>
                  {t('incentives.designer.formula')}
                </label>
                <FormulaEditor id={`m${i}-expr`} value={m.expression ?? ''} onChange={(expression) => setMeasure(i, { ...m, expression })} objects={formulaObjects} root="measures" />
                <CellIssue path={`/measures/${i}/expression`} />
              </div>
            )}
          </div>
          {(m.type === 'sum' || m.type === 'count') && (
            <details className="inc-details" open={Boolean(m.filter || m.source)}>
              <summary>{t('incentives.measure.filter')}</summary>
              <PlanRecordSource id={`m${i}-source`} path={`/measures/${i}/source`} value={m.source} onChange={(source) => setMeasure(i, { ...m, source })} />
              {!m.source && <PlanCreditFilter id={`m${i}-filter`} path={`/measures/${i}/filter`} value={m.filter} onChange={(filter) => setMeasure(i, { ...m, filter })} />}
            </details>
          )}
          <div className="inc-comp-actions">
            <button type="button" className="btn btn-ghost btn-sm" aria-label={t('incentives.measure.remove', { name: m.name })} onClick={() => onChange(measures.filter((_, k) => k !== i))}>
              {t('common.delete')}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
