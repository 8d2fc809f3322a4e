import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, CellSelect } from './lint.tsx';
import type { Frequency, PlanVersion } from './api.ts';

const FREQUENCIES: Frequency[] = ['monthly', 'quarterly', 'annual'];
const ROUNDING: PlanVersion['rounding']['mode'][] = ['half_up', 'half_even', 'down', 'up'];

/**
 * When a version is in effect and how it pays: dates, currency, period cadence and rounding,
 * which date puts a credit into a period (credits without it are held), the clawback window and
 * proration.
 */
export function PlanPayoutRules({ version, onChange }: { version: PlanVersion; onChange: (patch: Partial<PlanVersion>) => void }) {
  const { t } = useI18n();
  const clawback = version.clawback;
  return (
    <div className="card" data-testid="plan-payout-rules">
      <div className="inc-section-h">
        <h2>{t('incentives.payoutRules.title')}</h2>
      </div>
      <div className="inc-grid-2">
        <div className="field">
          <label className="field-label" htmlFor="inc-from">
            {t('incentives.designer.effectiveFrom')}
          </label>
          <CellInput id="inc-from" path="/effectiveFrom" type="date" value={version.effectiveFrom} onChange={(e) => onChange({ effectiveFrom: e.target.value })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-to">
            {t('incentives.payoutRules.effectiveTo')}
          </label>
          <CellInput id="inc-to" path="/effectiveTo" type="date" value={version.effectiveTo ?? ''} onChange={(e) => onChange({ effectiveTo: e.target.value || undefined })} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-currency">
            {t('incentives.designer.currency')}
          </label>
          <CellInput
            id="inc-currency"
            path="/currency"
            maxLength={3}
            size={4}
            placeholder={t('incentives.payoutRules.baseCurrency')}
            value={version.currency ?? ''}
            onChange={(e) => onChange({ currency: e.target.value.toUpperCase() || undefined })}
          />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-frequency">
            {t('incentives.payoutRules.frequency')}
          </label>
          <CellSelect
            id="inc-frequency"
            path="/frequency"
            value={version.frequency ?? 'monthly'}
            onChange={(e) => {
              const frequency = e.target.value as Frequency;
              onChange({ frequency, ...(frequency === 'monthly' ? { advances: undefined } : {}) });
            }}
          >
            {FREQUENCIES.map((f) => (
              <option key={f} value={f}>
                {t(`incentives.payoutRules.frequencies.${f}`)}
              </option>
            ))}
          </CellSelect>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-scale">
            {t('incentives.payoutRules.scale')}
          </label>
          <select id="inc-scale" value={version.rounding.scale} onChange={(e) => onChange({ rounding: { ...version.rounding, scale: Number(e.target.value) } })}>
            {[0, 1, 2, 3, 4, 5, 6].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-rounding">
            {t('incentives.payoutRules.rounding')}
          </label>
          <select id="inc-rounding" value={version.rounding.mode} onChange={(e) => onChange({ rounding: { ...version.rounding, mode: e.target.value as PlanVersion['rounding']['mode'] } })}>
            {ROUNDING.map((m) => (
              <option key={m} value={m}>
                {t(`incentives.rounding.${m}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-timing">
            {t('incentives.designer.timing')}
          </label>
          <CellSelect
            id="inc-timing"
            path="/payoutTiming"
            aria-describedby="inc-timing-hint"
            value={version.payoutTiming ?? 'booking'}
            onChange={(e) => onChange({ payoutTiming: e.target.value as PlanVersion['payoutTiming'] })}
          >
            {(['booking', 'invoice', 'payment'] as const).map((x) => (
              <option key={x} value={x}>
                {t(`incentives.timing.${x}`)}
              </option>
            ))}
          </CellSelect>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-proration">
            {t('incentives.payoutRules.proration')}
          </label>
          <select id="inc-proration" value={version.proration ?? 'none'} onChange={(e) => onChange({ proration: e.target.value as PlanVersion['proration'] })}>
            <option value="none">{t('incentives.payoutRules.prorationNone')}</option>
            <option value="days">{t('incentives.payoutRules.prorationDays')}</option>
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="inc-targets">
            {t('incentives.payoutRules.targetSource')}
          </label>
          <select id="inc-targets" value={version.targetSource ?? 'inputs'} onChange={(e) => onChange({ targetSource: e.target.value as PlanVersion['targetSource'] })}>
            <option value="inputs">{t('incentives.payoutRules.targetsInputs')}</option>
            <option value="goals">{t('incentives.payoutRules.targetsGoals')}</option>
          </select>
        </div>
      </div>
      {(version.frequency ?? 'monthly') !== 'monthly' && (
        <label className="checkbox-line inc-hint">
          <input type="checkbox" checked={version.advances === 'monthly'} onChange={(e) => onChange({ advances: e.target.checked ? 'monthly' : undefined })} /> {t('incentives.payoutRules.advances')}
        </label>
      )}
      <p id="inc-timing-hint" className="field-hint inc-hint">
        {t(`incentives.payoutRules.hold.${version.payoutTiming ?? 'booking'}`)}
      </p>
      {version.targetSource === 'goals' && <TargetPlans version={version} onChange={onChange} />}
      <fieldset className="inc-plain-fieldset">
        <legend>{t('incentives.payoutRules.clawback')}</legend>
        <label className="checkbox-line">
          <input type="checkbox" checked={Boolean(clawback)} onChange={(e) => onChange({ clawback: e.target.checked ? { days: 90 } : undefined })} /> {t('incentives.payoutRules.clawbackOn')}
        </label>
        {clawback && (
          <div className="field">
            <label className="field-label" htmlFor="inc-clawback">
              {t('incentives.payoutRules.clawbackDays')}
            </label>
            <CellInput
              id="inc-clawback"
              path="/clawback/days"
              type="number"
              min={0}
              max={3660}
              step={1}
              value={String(clawback.days)}
              onChange={(e) => onChange({ clawback: { ...clawback, days: e.target.value === '' ? 0 : Number(e.target.value) } })}
            />
          </div>
        )}
      </fieldset>
    </div>
  );
}

/** With targets from goals: which goals target plan each component target reads (the same name when empty). */
function TargetPlans({ version, onChange }: { version: PlanVersion; onChange: (patch: Partial<PlanVersion>) => void }) {
  const { t } = useI18n();
  const map = version.targetPlans ?? {};
  const names = [...new Set([...version.components.flatMap((c) => [c.target, c.gate?.target]), ...Object.keys(map)].filter((x): x is string => Boolean(x)))];
  const set = (name: string, plan: string) => {
    const next = { ...map };
    if (plan) next[name] = plan;
    else delete next[name];
    onChange({ targetPlans: Object.keys(next).length ? next : undefined });
  };
  if (!names.length) return <p className="muted small">{t('incentives.payoutRules.noTargets')}</p>;
  return (
    <table className="data inc-target-plans">
      <thead>
        <tr>
          <th>{t('incentives.payoutRules.target')}</th>
          <th>{t('incentives.payoutRules.goalsPlan')}</th>
        </tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr key={n}>
            <td>
              <code>{n}</code>
            </td>
            <td>
              <CellInput
                className="inc-cell"
                path={`/targetPlans/${n}`}
                aria-label={t('incentives.payoutRules.goalsPlanFor', { name: n })}
                placeholder={n}
                value={map[n] ?? ''}
                onChange={(e) => set(n, e.target.value.trim())}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
