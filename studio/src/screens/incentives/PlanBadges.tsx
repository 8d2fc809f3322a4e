import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput } from './lint.tsx';
import type { BadgeDef } from './api.ts';

/** Badges a payee earns when their points in a period reach a threshold, as an editable grid. */
export function PlanBadges({ badges, onChange }: { badges: BadgeDef[]; onChange: (badges: BadgeDef[] | undefined) => void }) {
  const { t } = useI18n();
  const set = (i: number, b: BadgeDef) => onChange(badges.map((x, k) => (k === i ? b : x)));
  return (
    <div className="card" data-testid="plan-badges">
      <div className="inc-section-h">
        <h2>{t('incentives.badges.title')}</h2>
        <button type="button" className="btn btn-sm" onClick={() => onChange([...badges, { id: `badge_${badges.length + 1}`, label: { en: '' }, minPoints: '100' }])}>
          + {t('incentives.badges.add')}
        </button>
      </div>
      {badges.length === 0 ? (
        <p className="muted small">{t('incentives.badges.none')}</p>
      ) : (
        <table className="inc-rate-table inc-text-grid" aria-label={t('incentives.badges.title')}>
          <thead>
            <tr>
              <th>#</th>
              <th>{t('incentives.badges.label')}</th>
              <th>{t('incentives.designer.apiName')}</th>
              <th>{t('incentives.badges.minPoints')}</th>
              <th aria-label={t('common.delete')} />
            </tr>
          </thead>
          <tbody>
            {badges.map((b, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>
                  <CellInput
                    className="inc-cell"
                    path={`/badges/${i}/label`}
                    aria-label={t('incentives.badges.cell', { row: i + 1, col: t('incentives.badges.label') })}
                    value={b.label.en}
                    onChange={(e) => set(i, { ...b, label: { ...b.label, en: e.target.value } })}
                  />
                </td>
                <td>
                  <CellInput
                    className="inc-cell"
                    path={`/badges/${i}/id`}
                    aria-label={t('incentives.badges.cell', { row: i + 1, col: t('incentives.designer.apiName') })}
                    value={b.id}
                    onChange={(e) => set(i, { ...b, id: e.target.value.replace(/[^a-z0-9_]/gi, '_').toLowerCase() })}
                  />
                </td>
                <td>
                  <CellInput
                    className="inc-cell"
                    path={`/badges/${i}/minPoints`}
                    aria-label={t('incentives.badges.cell', { row: i + 1, col: t('incentives.badges.minPoints') })}
                    inputMode="decimal"
                    value={b.minPoints}
                    onChange={(e) => set(i, { ...b, minPoints: e.target.value })}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="inc-row-del"
                    aria-label={t('incentives.badges.remove', { row: i + 1 })}
                    onClick={() => {
                      const next = badges.filter((_, k) => k !== i);
                      onChange(next.length ? next : undefined);
                    }}
                  >
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
