import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { checkNewVersionDate, frozenPeriodOf, frozenUntil, latestIndex, nextMonthStart, type NewVersionProblem } from './plan-versions.ts';
import type { PeriodRow, PeriodStatus, PlanDoc } from './api.ts';

type Periods = ReadonlyArray<PeriodRow>;

/**
 * The plan's versions with their effective dates: which one is being edited, which is the
 * latest, which are read-only because a period they cover is approved, and a new version.
 */
export function PlanVersions({
  plan,
  stored,
  periods,
  current,
  onSelect,
  onCreate,
}: {
  plan: PlanDoc;
  stored: PlanDoc | undefined;
  periods: Periods;
  current: number;
  onSelect: (index: number) => void;
  onCreate: (effectiveFrom: string) => void;
}) {
  const { t, formatDate } = useI18n();
  const [creating, setCreating] = useState(false);
  const latest = latestIndex(plan);
  const order = plan.versions.map((v, i) => ({ v, i })).sort((a, b) => a.v.effectiveFrom.localeCompare(b.v.effectiveFrom));
  return (
    <div className="card" data-testid="plan-versions">
      <div className="inc-section-h">
        <h2>{t('incentives.versions.title')}</h2>
        <button type="button" className="btn btn-sm" onClick={() => setCreating(true)} data-opens-form>
          + {t('incentives.versions.new')}
        </button>
      </div>
      <div className="table-wrap">
        <table className="data inc-versions">
          <thead>
            <tr>
              <th>{t('incentives.designer.version')}</th>
              <th>{t('incentives.designer.effectiveFrom')}</th>
              <th>{t('incentives.payoutRules.effectiveTo')}</th>
              <th>{t('incentives.versions.state')}</th>
            </tr>
          </thead>
          <tbody>
            {order.map(({ v, i }) => {
              const storedVersion = stored?.versions.find((x) => x.version === v.version);
              const frozen = frozenPeriodOf(v, storedVersion, periods);
              return (
                <tr key={v.version} data-testid="version-row" aria-current={i === current ? 'true' : undefined} className={i === current ? 'is-current' : undefined}>
                  <td>
                    <button type="button" className="btn btn-sm" aria-pressed={i === current} onClick={() => onSelect(i)}>
                      {t('incentives.versions.open', { version: v.version })}
                    </button>
                  </td>
                  <td data-testid="version-from">{formatDate(v.effectiveFrom)}</td>
                  <td data-testid="version-to">{v.effectiveTo ? formatDate(v.effectiveTo) : t('incentives.versions.openEnded')}</td>
                  <td data-testid="version-state">
                    {frozen && (
                      <span className="badge" title={t('incentives.versions.lockedHint')}>
                        {t('incentives.versions.locked', { period: frozen.period, status: t(`incentives.status.${frozen.status}`) })}
                      </span>
                    )}
                    {!storedVersion && <span className="badge badge-accent">{t('incentives.versions.unsaved')}</span>}
                    {i === latest && !frozen && storedVersion && <span className="badge badge-success">{t('incentives.versions.latest')}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <NewVersionDialog
        open={creating}
        plan={plan}
        periods={periods}
        onClose={() => setCreating(false)}
        onCreate={(d) => {
          setCreating(false);
          onCreate(d);
        }}
      />
    </div>
  );
}

function NewVersionDialog({ open, plan, periods, onClose, onCreate }: { open: boolean; plan: PlanDoc; periods: Periods; onClose: () => void; onCreate: (date: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const latest = plan.versions[latestIndex(plan)];
  const suggested = () => {
    const after = [new Date().toISOString().slice(0, 10), latest?.effectiveFrom ?? '', frozenUntil(periods) ?? ''].sort().at(-1) ?? '';
    return nextMonthStart(after);
  };
  const [date, setDate] = useState('');
  const [problem, setProblem] = useState<NewVersionProblem | undefined>();
  useEffect(() => {
    if (open) {
      setDate(suggested());
      setProblem(undefined);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a fresh suggestion each time it opens
  }, [open]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = checkNewVersionDate(plan, date, periods);
    setProblem(p);
    if (!p) onCreate(date);
  };
  return (
    <Dialog open={open} title={t('incentives.versions.new')} onClose={onClose}>
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted small">{t('incentives.versions.copyHint', { version: latest?.version ?? 1 })}</p>
        <div className="field">
          <label className="field-label" htmlFor={id}>
            {t('incentives.designer.effectiveFrom')}
          </label>
          <input
            id={id}
            type="date"
            autoFocus
            value={date}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-error` : undefined}
            onChange={(e) => {
              setDate(e.target.value);
              setProblem(undefined);
            }}
          />
          {problem && (
            <span id={`${id}-error`} className="field-error" role="alert">
              {t(`incentives.versions.problem.${problem.key}`, 'date' in problem ? { date: problem.date } : {})}
            </span>
          )}
        </div>
        <div className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary">
            {t('incentives.versions.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
