import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, CellSelect } from './lint.tsx';
import { periodOf } from './plan-versions.ts';
import type { DrawDef, DrawType, PlanVersion } from './api.ts';

const TYPES: DrawType[] = ['recoverable', 'non_recoverable', 'guarantee'];

/**
 * A draw or guarantee for the version's first months: a recoverable draw is an advance paid back
 * from later earnings, a non-recoverable one is kept, a guarantee tops earnings up to the amount.
 */
export function PlanDraw({
  version,
  firstMonth = 1,
  onChange,
}: {
  version: PlanVersion /** The tenant's fiscal year start: draw windows name its quarters and years. */;
  firstMonth?: number;
  onChange: (draw: DrawDef | undefined) => void;
}) {
  const { t } = useI18n();
  const d = version.draw;
  const frequency = version.frequency ?? 'monthly';
  const start = periodOf(version.effectiveFrom, frequency, { firstMonth });
  // A month picker for monthly plans; quarters (YYYY-Qn, FYYYYY-Qn on a fiscal year) and years are typed.
  const periodInput = frequency === 'monthly' ? { type: 'month' } : { placeholder: frequency === 'quarterly' ? 'YYYY-Qn' : 'YYYY', maxLength: 9 };
  return (
    <div className="card" data-testid="plan-draw">
      <div className="inc-section-h">
        <h2>{t('incentives.draw.title')}</h2>
      </div>
      <label className="checkbox-line">
        <input type="checkbox" checked={Boolean(d)} onChange={(e) => onChange(e.target.checked ? { type: 'recoverable', amount: '0', from: start, to: start } : undefined)} /> {t('incentives.draw.on')}
      </label>
      {d && (
        <>
          <p className="muted small">{t(`incentives.draw.hint.${d.type}`)}</p>
          <div className="inc-grid-2">
            <div className="field">
              <label className="field-label" htmlFor="inc-draw-type">
                {t('incentives.draw.type')}
              </label>
              <CellSelect id="inc-draw-type" path="/draw/type" value={d.type} onChange={(e) => onChange({ ...d, type: e.target.value as DrawType })}>
                {TYPES.map((x) => (
                  <option key={x} value={x}>
                    {t(`incentives.draw.types.${x}`)}
                  </option>
                ))}
              </CellSelect>
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-draw-amount">
                {t('incentives.draw.amount')}
              </label>
              <CellInput id="inc-draw-amount" path="/draw/amount" inputMode="decimal" value={d.amount} onChange={(e) => onChange({ ...d, amount: e.target.value })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-draw-from">
                {t('incentives.draw.from')}
              </label>
              <CellInput id="inc-draw-from" path="/draw/from" {...periodInput} value={d.from} onChange={(e) => onChange({ ...d, from: e.target.value })} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="inc-draw-to">
                {t('incentives.draw.to')}
              </label>
              <CellInput id="inc-draw-to" path="/draw/to" {...periodInput} value={d.to} onChange={(e) => onChange({ ...d, to: e.target.value })} />
            </div>
          </div>
        </>
      )}
    </div>
  );
}
