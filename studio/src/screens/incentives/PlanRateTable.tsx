import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput, CellIssue } from './lint.tsx';
import type { Tier } from './api.ts';

/**
 * A rate table: one row per band (from, to, rate), edited like a spreadsheet; the linter marks
 * overlapping or gapped cells. Used for tiers and for a multiplier's factor table.
 */
export function RateTable({
  at,
  tiers,
  attainment,
  onChange,
  title,
  cellKey = 'incentives.designer.cellLabel',
  removeKey = 'incentives.designer.removeTier',
  rateHeader,
  testId = 'rate-table',
}: {
  at: string;
  tiers: Tier[];
  attainment: boolean;
  onChange: (tiers: Tier[]) => void;
  title?: string;
  /** Message keys naming a cell ("Tier {row} {col}") and a row's delete button ("Remove tier {row}"). */
  cellKey?: string;
  removeKey?: string;
  rateHeader?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const heading = title ?? t('incentives.designer.rateTable');
  const rateCol = rateHeader ?? t('incentives.designer.rate');
  const cell = (row: number, col: string) => t(cellKey, { row, col });
  const setCell = (i: number, key: keyof Tier, v: string) =>
    onChange(
      tiers.map((tier, k) => {
        if (k !== i) return tier;
        const next = { ...tier, [key]: v };
        if (key === 'to' && v === '') delete next.to;
        return next;
      }),
    );
  const add = () => {
    const last = tiers.at(-1);
    const from = last?.to ?? (last ? '' : '0');
    onChange([...tiers.slice(0, -1), ...(last ? [{ ...last, to: last.to ?? from }] : []), { from: last ? (last.to ?? '') : '0', rate: last?.rate ?? '0' }]);
  };
  return (
    <div className="inc-rate-wrap">
      <div className="inc-section-h" style={{ marginTop: 14 }}>
        <h3>{heading}</h3>
        <button type="button" className="btn btn-sm" onClick={add}>
          + {t('incentives.designer.addTier')}
        </button>
      </div>
      <table className="inc-rate-table" aria-label={heading} data-testid={testId}>
        <thead>
          <tr>
            <th>#</th>
            <th>{attainment ? t('incentives.designer.fromAtt') : t('incentives.designer.from')}</th>
            <th>{attainment ? t('incentives.designer.toAtt') : t('incentives.designer.to')}</th>
            <th>{rateCol}</th>
            <th aria-label={t('common.delete')} />
          </tr>
        </thead>
        <tbody>
          {tiers.map((tier, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                <CellInput
                  className="inc-cell"
                  path={`${at}/${i}/from`}
                  aria-label={cell(i + 1, t('incentives.designer.from'))}
                  inputMode="decimal"
                  value={tier.from}
                  onChange={(e) => setCell(i, 'from', e.target.value)}
                />
              </td>
              <td>
                <CellInput
                  className="inc-cell"
                  path={`${at}/${i}/to`}
                  aria-label={cell(i + 1, t('incentives.designer.to'))}
                  inputMode="decimal"
                  placeholder="∞"
                  value={tier.to ?? ''}
                  onChange={(e) => setCell(i, 'to', e.target.value)}
                />
              </td>
              <td>
                <CellInput className="inc-cell" path={`${at}/${i}/rate`} aria-label={cell(i + 1, rateCol)} inputMode="decimal" value={tier.rate} onChange={(e) => setCell(i, 'rate', e.target.value)} />
              </td>
              <td>
                <button type="button" className="inc-row-del" aria-label={t(removeKey, { row: i + 1 })} onClick={() => onChange(tiers.filter((_, k) => k !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CellIssue path={at} />
    </div>
  );
}
