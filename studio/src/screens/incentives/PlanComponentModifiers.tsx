import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, CellSelect, CellIssue } from './lint.tsx';
import { RateTable } from './PlanRateTable.tsx';
import type { ComponentDef, MeasureDef } from './api.ts';

type Patch = (patch: Partial<ComponentDef>) => void;

/** A factor from a second KPI: the factor of the band the other measure's value falls in. */
export function MultiplierEditor({ index, value, measures, set }: { index: number; value: ComponentDef; measures: MeasureDef[]; set: Patch }) {
  const { t } = useI18n();
  const at = `/components/${index}/multiplier`;
  const m = value.multiplier;
  const second = measures.find((x) => x.name !== value.measure)?.name ?? measures[0]?.name ?? '';
  return (
    <fieldset className="inc-wide-mod" data-testid="multiplier">
      <legend>{t('incentives.multiplier.title')}</legend>
      <label className="checkbox-line">
        <input
          type="checkbox"
          checked={Boolean(m)}
          onChange={(e) =>
            set({
              multiplier: e.target.checked
                ? {
                    measure: second,
                    table: [
                      { from: '0', to: '1', rate: '1' },
                      { from: '1', rate: '1.25' },
                    ],
                  }
                : undefined,
            })
          }
        />{' '}
        {t('incentives.designer.enabled')}
      </label>
      {m && (
        <>
          <p className="muted small">{t('incentives.multiplier.hint')}</p>
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-mult-measure`}>
              {t('incentives.multiplier.measure')}
            </label>
            <CellSelect id={`c${index}-mult-measure`} path={`${at}/measure`} value={m.measure} onChange={(e) => set({ multiplier: { ...m, measure: e.target.value } })}>
              {!measures.some((x) => x.name === m.measure) && <option value={m.measure}>{m.measure || '—'}</option>}
              {measures.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </CellSelect>
          </div>
          <RateTable
            at={`${at}/table`}
            tiers={m.table}
            attainment={false}
            title={t('incentives.multiplier.table')}
            rateHeader={t('incentives.multiplier.factor')}
            cellKey="incentives.multiplier.cellLabel"
            removeKey="incentives.multiplier.removeRow"
            testId="multiplier-table"
            onChange={(table) => set({ multiplier: { ...m, table } })}
          />
        </>
      )}
    </fieldset>
  );
}

/** No pay below a minimum attainment, of this component's measure or of another measure and target. */
export function GateEditor({ index, value, measures, set }: { index: number; value: ComponentDef; measures: MeasureDef[]; set: Patch }) {
  const { t } = useI18n();
  const at = `/components/${index}/gate`;
  const g = value.gate;
  const patch = (p: Partial<NonNullable<ComponentDef['gate']>>) => {
    if (!g) return;
    const next: Record<string, unknown> = { ...g, ...p };
    for (const [k, v] of Object.entries(next)) if (v === undefined || v === '') delete next[k];
    set({ gate: next as NonNullable<ComponentDef['gate']> });
  };
  return (
    <fieldset>
      <legend>{t('incentives.designer.gate')}</legend>
      <label className="checkbox-line">
        <input type="checkbox" checked={Boolean(g)} onChange={(e) => set({ gate: e.target.checked ? { minAttainment: '0' } : undefined })} /> {t('incentives.designer.enabled')}
      </label>
      <CellIssue path={at} />
      {g && (
        <>
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-gate`}>
              {t('incentives.designer.gateHint')}
            </label>
            <CellInput id={`c${index}-gate`} path={`${at}/minAttainment`} inputMode="decimal" value={g.minAttainment} onChange={(e) => patch({ minAttainment: e.target.value })} />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-gate-measure`}>
              {t('incentives.gate.measure')}
            </label>
            <CellSelect id={`c${index}-gate-measure`} path={`${at}/measure`} value={g.measure ?? ''} onChange={(e) => patch({ measure: e.target.value || undefined })}>
              <option value="">{t('incentives.gate.sameMeasure')}</option>
              {measures.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </CellSelect>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-gate-target`}>
              {t('incentives.gate.target')}
            </label>
            <CellInput
              id={`c${index}-gate-target`}
              path={`${at}/target`}
              placeholder={t('incentives.gate.sameTarget')}
              value={g.target ?? ''}
              onChange={(e) => patch({ target: e.target.value || undefined })}
            />
          </div>
        </>
      )}
    </fieldset>
  );
}

/** SPIF and points: so much for every so much of a qualifying sale's amount. */
export function PerAmountEditor({ index, value, set }: { index: number; value: ComponentDef; set: Patch }) {
  const { t } = useI18n();
  const at = `/components/${index}/perAmount`;
  const p = value.perAmount;
  return (
    <fieldset>
      <legend>{t('incentives.perAmount.title')}</legend>
      <label className="checkbox-line">
        <input type="checkbox" checked={Boolean(p)} onChange={(e) => set({ perAmount: e.target.checked ? { every: '1000', value: '1' } : undefined })} /> {t('incentives.designer.enabled')}
      </label>
      {p && (
        <div className="inc-grid-2">
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-every`}>
              {t('incentives.perAmount.every')}
            </label>
            <CellInput id={`c${index}-every`} path={`${at}/every`} inputMode="decimal" value={p.every} onChange={(e) => set({ perAmount: { ...p, every: e.target.value } })} />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-every-value`}>
              {t('incentives.perAmount.value')}
            </label>
            <CellInput id={`c${index}-every-value`} path={`${at}/value`} inputMode="decimal" value={p.value} onChange={(e) => set({ perAmount: { ...p, value: e.target.value } })} />
          </div>
        </div>
      )}
    </fieldset>
  );
}
