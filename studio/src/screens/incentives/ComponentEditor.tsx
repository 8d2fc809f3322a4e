import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, CellSelect, CellIssue, useIssue, issueClass } from './lint.tsx';
import { RateTable } from './PlanRateTable.tsx';
import { GateEditor, MultiplierEditor, PerAmountEditor } from './PlanComponentModifiers.tsx';
import { PlanCreditFilter } from './PlanCreditFilter.tsx';
import { PlanRecordSource } from './PlanRecordSource.tsx';
import type { ComponentDef, ComponentType, MeasureDef } from './api.ts';

const TYPES: ComponentType[] = ['tiered', 'rate', 'bonus', 'spif', 'points'];

/**
 * One plan component: its kind, measure and target, the rate table as an editable grid, caps,
 * floors, gates, a multiplier from a second KPI, and what qualifies for a SPIF or points.
 */
export function ComponentEditor({ index, value, measures, onChange }: { index: number; value: ComponentDef; measures: MeasureDef[]; onChange: (c: ComponentDef) => void }) {
  const { t } = useI18n();
  const at = `/components/${index}`;
  const set = (patch: Partial<ComponentDef>) => {
    const next: ComponentDef = { ...value, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined || v === '') delete (next as unknown as Record<string, unknown>)[k];
    onChange(next);
  };
  const measureIssue = useIssue(`${at}/measure`);
  const usesMeasure = value.type === 'rate' || value.type === 'tiered' || value.type === 'bonus';
  return (
    <div className="inc-component" data-testid="component-editor">
      <div className="inc-grid-2">
        <div className="field">
          <label className="field-label" htmlFor={`c${index}-label`}>
            {t('incentives.designer.componentLabel')}
          </label>
          <input id={`c${index}-label`} value={value.label?.en ?? ''} onChange={(e) => set({ label: { ...(value.label ?? {}), en: e.target.value } })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`c${index}-name`}>
            {t('incentives.designer.apiName')}
          </label>
          <CellInput id={`c${index}-name`} path={`${at}/name`} value={value.name} onChange={(e) => set({ name: e.target.value.replace(/[^a-z0-9_]/gi, '_').toLowerCase() })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`c${index}-type`}>
            {t('incentives.designer.type')}
          </label>
          <select id={`c${index}-type`} value={value.type} onChange={(e) => set({ type: e.target.value as ComponentType })}>
            {TYPES.map((ty) => (
              <option key={ty} value={ty}>
                {t(`incentives.componentType.${ty}`)}
              </option>
            ))}
          </select>
        </div>
        {usesMeasure && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-measure`}>
              {t('incentives.designer.measure')}
            </label>
            <select id={`c${index}-measure`} className={issueClass(measureIssue)} value={value.measure ?? ''} onChange={(e) => set({ measure: e.target.value || undefined })}>
              <option value="">—</option>
              {measures.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
            {measureIssue && (
              <span className="inc-cell-msg" role="alert">
                {measureIssue.message}
              </span>
            )}
          </div>
        )}
        {usesMeasure && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-target`}>
              {t('incentives.designer.target')}
            </label>
            <CellInput
              id={`c${index}-target`}
              path={`${at}/target`}
              placeholder={t('incentives.designer.noTarget')}
              value={value.target ?? ''}
              onChange={(e) => set({ target: e.target.value || undefined })}
            />
          </div>
        )}
        {value.type === 'rate' && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-rate`}>
              {t('incentives.designer.rate')}
            </label>
            <CellInput id={`c${index}-rate`} path={`${at}/rate`} inputMode="decimal" value={value.rate ?? ''} onChange={(e) => set({ rate: e.target.value })} />
          </div>
        )}
        {value.type === 'tiered' && (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-mode`}>
                {t('incentives.designer.tierMode')}
              </label>
              <select id={`c${index}-mode`} value={value.tierMode ?? 'marginal'} onChange={(e) => set({ tierMode: e.target.value as 'marginal' | 'step' })}>
                <option value="marginal">{t('incentives.designer.marginal')}</option>
                <option value="step">{t('incentives.designer.step')}</option>
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-basis`}>
                {t('incentives.designer.tierBasis')}
              </label>
              <select id={`c${index}-basis`} value={value.tierBasis ?? 'value'} onChange={(e) => set({ tierBasis: e.target.value as 'attainment' | 'value' })}>
                <option value="value">{t('incentives.designer.byValue')}</option>
                <option value="attainment">{t('incentives.designer.byAttainment')}</option>
              </select>
            </div>
          </>
        )}
        {value.type === 'bonus' && (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-amount`}>
                {t('incentives.designer.bonusAmount')}
              </label>
              <CellInput id={`c${index}-amount`} path={`${at}/amount`} inputMode="decimal" value={value.amount ?? ''} onChange={(e) => set({ amount: e.target.value })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-score`}>
                {t('incentives.designer.score')}
              </label>
              <CellSelect id={`c${index}-score`} path={`${at}/score`} value={value.score ?? ''} onChange={(e) => set({ score: e.target.value || undefined })}>
                <option value="">{t('incentives.designer.byAttainmentScore')}</option>
                {measures.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </CellSelect>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-max`}>
                {t('incentives.designer.maxScore')}
              </label>
              <CellInput id={`c${index}-max`} path={`${at}/maxScore`} inputMode="decimal" value={value.maxScore ?? ''} onChange={(e) => set({ maxScore: e.target.value || undefined })} />
            </div>
          </>
        )}
        {(value.type === 'spif' || value.type === 'points') && (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-per`}>
                {t('incentives.designer.perCredit')}
              </label>
              <CellInput id={`c${index}-per`} path={`${at}/perCredit`} inputMode="decimal" value={value.perCredit ?? ''} onChange={(e) => set({ perCredit: e.target.value || undefined })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-srate`}>
                {t('incentives.designer.spifRate')}
              </label>
              <CellInput id={`c${index}-srate`} path={`${at}/rate`} inputMode="decimal" value={value.rate ?? ''} onChange={(e) => set({ rate: e.target.value || undefined })} />
            </div>
          </>
        )}
      </div>

      <CellIssue path={at} />

      {value.type === 'tiered' && <RateTable at={`${at}/tiers`} tiers={value.tiers ?? []} attainment={value.tierBasis === 'attainment'} onChange={(tiers) => set({ tiers })} />}

      {(value.type === 'spif' || value.type === 'points') && (
        <div className="inc-mods">
          <PerAmountEditor index={index} value={value} set={set} />
          <fieldset className="inc-wide-mod" data-testid="spif-conditions">
            <legend>{t('incentives.designer.qualifying')}</legend>
            <PlanRecordSource id={`c${index}-source`} path={`${at}/source`} value={value.source} onChange={(source) => set({ source })} />
            {!value.source && <PlanCreditFilter id={`c${index}-filter`} path={`${at}/filter`} value={value.filter} onChange={(filter) => set({ filter })} />}
          </fieldset>
        </div>
      )}

      {value.type !== 'points' && (
        <div className="inc-mods">
          <Modifier
            legend={t('incentives.designer.cap')}
            id={`c${index}-cap`}
            path={`${at}/cap/amount`}
            value={value.cap?.amount}
            onChange={(v) => set({ cap: v === undefined ? undefined : { ...value.cap, amount: v } })}
          />
          <Modifier
            legend={t('incentives.designer.floor')}
            id={`c${index}-floor`}
            path={`${at}/floor/amount`}
            value={value.floor?.amount}
            onChange={(v) => set({ floor: v === undefined ? undefined : { ...value.floor, amount: v } })}
          />
          <GateEditor index={index} value={value} measures={measures} set={set} />
          {usesMeasure && <MultiplierEditor index={index} value={value} measures={measures} set={set} />}
        </div>
      )}
    </div>
  );
}

function Modifier({ legend, id, path, value, onChange }: { legend: string; id: string; path: string; value: string | undefined; onChange: (v: string | undefined) => void }) {
  const { t } = useI18n();
  const on = value !== undefined;
  return (
    <fieldset>
      <legend>{legend}</legend>
      <label className="checkbox-line">
        <input type="checkbox" checked={on} onChange={(e) => onChange(e.target.checked ? '0' : undefined)} /> {t('incentives.designer.enabled')}
      </label>
      {on && (
        <div className="field">
          <label className="field-label" htmlFor={id}>
            {t('incentives.designer.amount')}
          </label>
          <CellInput id={id} path={path} inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} />
        </div>
      )}
    </fieldset>
  );
}
