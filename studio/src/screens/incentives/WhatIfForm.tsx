import { useI18n } from '../../i18n/i18n.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { WHATIF_TEXT } from './whatif-text.ts';
import { RateTable } from './PlanRateTable.tsx';
import type { ComponentDef, PlanVersion, Tier } from './api.ts';
import { targetsOf, type ComponentChange, type WhatIfChanges } from './whatif-model.ts';

type Editable = 'rate' | 'amount' | 'perCredit';

/** The fields of a component a what-if changes, by its type (tiers are a table of their own). */
function fieldsOf(c: ComponentDef): Array<{ key: Editable; labelKey: string }> {
  if (c.type === 'rate') return [{ key: 'rate', labelKey: 'incentives.designer.rate' }];
  if (c.type === 'bonus') return [{ key: 'amount', labelKey: 'incentives.designer.bonusAmount' }];
  if (c.type === 'spif' || c.type === 'points')
    return [{ key: 'perCredit', labelKey: 'incentives.designer.perCredit' }, ...(c.rate !== undefined ? [{ key: 'rate' as const, labelKey: 'incentives.designer.spifRate' }] : [])];
  return [];
}

const tiersText = (tiers: Tier[] | undefined) => (tiers ?? []).map((x) => `${x.from}–${x.to ?? '∞'}: ${x.rate}`).join('; ');

/**
 * The plan's components as the live version has them, each beside an input for the what-if
 * value (rates, tier tables, bonus amounts, amounts per sale), and each target's quota change
 * in percent. Errors (in words, by field key) are shown under the field they name.
 */
export function WhatIfForm({
  version,
  at,
  changes,
  onChange,
  errors,
}: {
  version: PlanVersion;
  /** The version's pointer in the plan (`/versions/0`): the server's plan checks name cells by it. */
  at: string;
  changes: WhatIfChanges;
  onChange: (next: WhatIfChanges) => void;
  errors: Record<string, string>;
}) {
  const { label } = useI18n();
  const t = useScreenText(WHATIF_TEXT);
  const setComponent = (name: string, patch: ComponentChange) => onChange({ ...changes, components: { ...changes.components, [name]: { ...changes.components[name], ...patch } } });
  const message = (text: string | undefined) =>
    text ? (
      <span className="inc-whatif-error" role="alert">
        {text}
      </span>
    ) : null;
  const targets = targetsOf(version);
  return (
    <div className="inc-whatif-form" data-testid="whatif-form">
      <div className="table-wrap">
        <table className="data inc-whatif-fields">
          <thead>
            <tr>
              <th>{t('incentives.whatif.component')}</th>
              <th className="num">{t('incentives.whatif.live')}</th>
              <th>{t('incentives.whatif.candidate')}</th>
            </tr>
          </thead>
          <tbody>
            {version.components.flatMap((c) =>
              fieldsOf(c).map((f) => {
                const id = `wi-${c.name}-${f.key}`;
                const live = c[f.key] ?? '';
                const name = `${label(c.label, c.name)} · ${t(f.labelKey)}`;
                return (
                  <tr key={id}>
                    <td>
                      <label htmlFor={id}>{name}</label>
                    </td>
                    <td className="num">{live || '—'}</td>
                    <td>
                      <input
                        id={id}
                        className="inc-cell"
                        inputMode="decimal"
                        aria-invalid={errors[`${c.name}/${f.key}`] ? true : undefined}
                        value={changes.components[c.name]?.[f.key] ?? live}
                        onChange={(e) => setComponent(c.name, { [f.key]: e.target.value })}
                      />
                      {message(errors[`${c.name}/${f.key}`])}
                    </td>
                  </tr>
                );
              }),
            )}
            {targets.map((target) => {
              const id = `wi-quota-${target}`;
              return (
                <tr key={id}>
                  <td>
                    <label htmlFor={id}>{t('incentives.whatif.quota', { target })}</label>
                  </td>
                  <td className="num">{t('incentives.whatif.quotaLive')}</td>
                  <td>
                    <input
                      id={id}
                      className="inc-cell"
                      inputMode="decimal"
                      placeholder="0"
                      aria-invalid={errors[`quota/${target}`] ? true : undefined}
                      value={changes.quotas[target] ?? ''}
                      onChange={(e) => onChange({ ...changes, quotas: { ...changes.quotas, [target]: e.target.value } })}
                    />
                    {message(errors[`quota/${target}`])}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {version.components
        .map((c, index) => ({ c, index }))
        .filter(({ c }) => c.type === 'tiered')
        .map(({ c, index }) => (
          <div key={c.name} className="inc-whatif-tiers">
            <p className="muted small">{t('incentives.whatif.liveTiers', { name: label(c.label, c.name), tiers: tiersText(c.tiers) })}</p>
            <RateTable
              at={`${at}/components/${index}/tiers`}
              title={t('incentives.whatif.tiersOf', { name: label(c.label, c.name) })}
              tiers={changes.components[c.name]?.tiers ?? c.tiers ?? []}
              attainment={c.tierBasis === 'attainment'}
              onChange={(tiers) => setComponent(c.name, { tiers })}
              testId={`whatif-tiers-${c.name}`}
            />
            {message(errors[`${c.name}/tiers`])}
          </div>
        ))}
    </div>
  );
}
