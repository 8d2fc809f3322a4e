import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, useIssue, issueClass } from './lint.tsx';
import type { ComponentDef, ComponentType, MeasureDef, Tier } from './api.ts';

const TYPES: ComponentType[] = ['tiered', 'rate', 'bonus', 'spif', 'points'];

/** One plan component: its kind, measure and target, the rate table as an editable grid, and caps, floors, gates and SPIF rules. */
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
          <label className="field-label" htmlFor={`c${index}-label`}>{t('incentives.designer.componentLabel')}</label>
          <input id={`c${index}-label`} value={value.label?.en ?? ''} onChange={(e) => set({ label: { ...(value.label ?? {}), en: e.target.value } })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`c${index}-name`}>{t('incentives.designer.apiName')}</label>
          <CellInput id={`c${index}-name`} path={`${at}/name`} value={value.name} onChange={(e) => set({ name: e.target.value.replace(/[^a-z0-9_]/gi, '_').toLowerCase() })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`c${index}-type`}>{t('incentives.designer.type')}</label>
          <select id={`c${index}-type`} value={value.type} onChange={(e) => set({ type: e.target.value as ComponentType })}>
            {TYPES.map((ty) => <option key={ty} value={ty}>{t(`incentives.componentType.${ty}`)}</option>)}
          </select>
        </div>
        {usesMeasure && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-measure`}>{t('incentives.designer.measure')}</label>
            <select id={`c${index}-measure`} className={issueClass(measureIssue)} value={value.measure ?? ''} onChange={(e) => set({ measure: e.target.value || undefined })}>
              <option value="">—</option>
              {measures.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
            </select>
            {measureIssue && <span className="inc-cell-msg" role="alert">{measureIssue.message}</span>}
          </div>
        )}
        {usesMeasure && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-target`}>{t('incentives.designer.target')}</label>
            <CellInput id={`c${index}-target`} path={`${at}/target`} placeholder={t('incentives.designer.noTarget')} value={value.target ?? ''} onChange={(e) => set({ target: e.target.value || undefined })} />
          </div>
        )}
        {value.type === 'rate' && (
          <div className="field">
            <label className="field-label" htmlFor={`c${index}-rate`}>{t('incentives.designer.rate')}</label>
            <CellInput id={`c${index}-rate`} path={`${at}/rate`} inputMode="decimal" value={value.rate ?? ''} onChange={(e) => set({ rate: e.target.value })} />
          </div>
        )}
        {value.type === 'tiered' && (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-mode`}>{t('incentives.designer.tierMode')}</label>
              <select id={`c${index}-mode`} value={value.tierMode ?? 'marginal'} onChange={(e) => set({ tierMode: e.target.value as 'marginal' | 'step' })}>
                <option value="marginal">{t('incentives.designer.marginal')}</option>
                <option value="step">{t('incentives.designer.step')}</option>
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-basis`}>{t('incentives.designer.tierBasis')}</label>
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
              <label className="field-label" htmlFor={`c${index}-amount`}>{t('incentives.designer.bonusAmount')}</label>
              <CellInput id={`c${index}-amount`} path={`${at}/amount`} inputMode="decimal" value={value.amount ?? ''} onChange={(e) => set({ amount: e.target.value })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-max`}>{t('incentives.designer.maxScore')}</label>
              <input id={`c${index}-max`} inputMode="decimal" value={value.maxScore ?? ''} onChange={(e) => set({ maxScore: e.target.value || undefined })} />
            </div>
          </>
        )}
        {(value.type === 'spif' || value.type === 'points') && (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-per`}>{t('incentives.designer.perCredit')}</label>
              <CellInput id={`c${index}-per`} path={`${at}/perCredit`} inputMode="decimal" value={value.perCredit ?? ''} onChange={(e) => set({ perCredit: e.target.value || undefined })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-srate`}>{t('incentives.designer.spifRate')}</label>
              <CellInput id={`c${index}-srate`} path={`${at}/rate`} inputMode="decimal" value={value.rate ?? ''} onChange={(e) => set({ rate: e.target.value || undefined })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-sfrom`}>{t('incentives.designer.windowFrom')}</label>
              <input id={`c${index}-sfrom`} type="date" value={value.filter?.from ?? ''} onChange={(e) => set({ filter: { ...value.filter, from: e.target.value || undefined } as ComponentDef['filter'] })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`c${index}-sto`}>{t('incentives.designer.windowTo')}</label>
              <input id={`c${index}-sto`} type="date" value={value.filter?.to ?? ''} onChange={(e) => set({ filter: { ...value.filter, to: e.target.value || undefined } as ComponentDef['filter'] })} />
            </div>
          </>
        )}
      </div>

      {value.type === 'tiered' && <RateTable at={`${at}/tiers`} tiers={value.tiers ?? []} attainment={value.tierBasis === 'attainment'} onChange={(tiers) => set({ tiers })} />}

      {value.type !== 'points' && (
        <div className="inc-mods">
          <Modifier legend={t('incentives.designer.cap')} id={`c${index}-cap`} path={`${at}/cap/amount`} value={value.cap?.amount} onChange={(v) => set({ cap: v === undefined ? undefined : { amount: v } })} />
          <Modifier legend={t('incentives.designer.floor')} id={`c${index}-floor`} path={`${at}/floor/amount`} value={value.floor?.amount} onChange={(v) => set({ floor: v === undefined ? undefined : { amount: v } })} />
          <Modifier legend={t('incentives.designer.gate')} hint={t('incentives.designer.gateHint')} id={`c${index}-gate`} path={`${at}/gate/minAttainment`} value={value.gate?.minAttainment} onChange={(v) => set({ gate: v === undefined ? undefined : { ...value.gate, minAttainment: v } })} />
        </div>
      )}
    </div>
  );
}

function Modifier({ legend, hint, id, path, value, onChange }: { legend: string; hint?: string; id: string; path: string; value: string | undefined; onChange: (v: string | undefined) => void }) {
  const { t } = useI18n();
  const on = value !== undefined;
  return (
    <fieldset>
      <legend>{legend}</legend>
      <label className="checkbox-line"><input type="checkbox" checked={on} onChange={(e) => onChange(e.target.checked ? '0' : undefined)} /> {t('incentives.designer.enabled')}</label>
      {on && (
        <div className="field">
          <label className="field-label" htmlFor={id}>{hint ?? t('incentives.designer.amount')}</label>
          <CellInput id={id} path={path} inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} />
        </div>
      )}
    </fieldset>
  );
}

/** The rate table: one row per tier (from, to, rate), edited like a spreadsheet; the linter marks overlapping or gapped cells. */
export function RateTable({ at, tiers, attainment, onChange }: { at: string; tiers: Tier[]; attainment: boolean; onChange: (tiers: Tier[]) => void }) {
  const { t } = useI18n();
  const setCell = (i: number, key: keyof Tier, v: string) => onChange(tiers.map((tier, k) => {
    if (k !== i) return tier;
    const next = { ...tier, [key]: v };
    if (key === 'to' && v === '') delete next.to;
    return next;
  }));
  const add = () => {
    const last = tiers.at(-1);
    const from = last?.to ?? (last ? '' : '0');
    onChange([...tiers.slice(0, -1), ...(last ? [{ ...last, to: last.to ?? from }] : []), { from: last ? (last.to ?? '') : '0', rate: last?.rate ?? '0' }]);
  };
  return (
    <div className="inc-rate-wrap">
      <div className="inc-section-h" style={{ marginTop: 14 }}>
        <h3>{t('incentives.designer.rateTable')}</h3>
        <button type="button" className="btn btn-sm" onClick={add}>+ {t('incentives.designer.addTier')}</button>
      </div>
      <table className="inc-rate-table" aria-label={t('incentives.designer.rateTable')} data-testid="rate-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{attainment ? t('incentives.designer.fromAtt') : t('incentives.designer.from')}</th>
            <th>{attainment ? t('incentives.designer.toAtt') : t('incentives.designer.to')}</th>
            <th>{t('incentives.designer.rate')}</th>
            <th aria-label={t('common.delete')} />
          </tr>
        </thead>
        <tbody>
          {tiers.map((tier, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td><CellInput className="inc-cell" path={`${at}/${i}/from`} aria-label={t('incentives.designer.cellLabel', { row: i + 1, col: t('incentives.designer.from') })} inputMode="decimal" value={tier.from} onChange={(e) => setCell(i, 'from', e.target.value)} /></td>
              <td><CellInput className="inc-cell" path={`${at}/${i}/to`} aria-label={t('incentives.designer.cellLabel', { row: i + 1, col: t('incentives.designer.to') })} inputMode="decimal" placeholder="∞" value={tier.to ?? ''} onChange={(e) => setCell(i, 'to', e.target.value)} /></td>
              <td><CellInput className="inc-cell" path={`${at}/${i}/rate`} aria-label={t('incentives.designer.cellLabel', { row: i + 1, col: t('incentives.designer.rate') })} inputMode="decimal" value={tier.rate} onChange={(e) => setCell(i, 'rate', e.target.value)} /></td>
              <td><button type="button" className="inc-row-del" aria-label={t('incentives.designer.removeTier', { row: i + 1 })} onClick={() => onChange(tiers.filter((_, k) => k !== i))}>×</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
