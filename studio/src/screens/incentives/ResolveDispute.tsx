import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import type { Dispute } from './api.ts';

export interface DisputeDecision {
  status: 'accepted' | 'rejected';
  resolution: string;
  amount?: string;
  recalculate?: boolean;
}

const DECIMAL = /^-?\d{1,15}(\.\d{1,2})?$/;

/**
 * Finance decides a dispute. Accepting moves money: an adjustment amount booked on the rep's
 * statement (the amount the rep claimed, pre-filled), or a recalculation after the data behind the
 * line was corrected. Rejecting books nothing. Either way the rep is notified with the note.
 */
export function ResolveDispute({
  dispute,
  status,
  onSubmit,
  onClose,
}: {
  dispute: Dispute | null;
  status: 'accepted' | 'rejected';
  onSubmit: (d: DisputeDecision) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [resolution, setResolution] = useState('');
  const [mode, setMode] = useState<'amount' | 'recalculate'>('amount');
  const [amount, setAmount] = useState('');
  const [problem, setProblem] = useState<{ field: 'resolution' | 'amount'; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setResolution('');
    setMode('amount');
    setAmount(dispute?.claimed_amount ?? '');
    setProblem(null);
  }, [dispute]);
  const accepting = status === 'accepted';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!resolution.trim()) return setProblem({ field: 'resolution', message: t('dialog.required') });
    if (accepting && mode === 'amount' && !DECIMAL.test(amount.trim())) return setProblem({ field: 'amount', message: t('incentives.close.amountFormat') });
    setBusy(true);
    try {
      await onSubmit({ status, resolution: resolution.trim(), ...(accepting ? (mode === 'amount' ? { amount: amount.trim() } : { recalculate: true }) : {}) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={dispute !== null} title={t(accepting ? 'incentives.close.accept' : 'incentives.close.reject')} onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        {dispute && <p className="muted">{dispute.reason}</p>}
        {accepting && (
          <fieldset className="field">
            <legend className="field-label">{t('incentives.close.acceptHow')}</legend>
            <label>
              <input type="radio" name={`${id}-mode`} checked={mode === 'amount'} onChange={() => setMode('amount')} /> {t('incentives.close.bookAmount')}
            </label>
            <label>
              <input type="radio" name={`${id}-mode`} checked={mode === 'recalculate'} onChange={() => setMode('recalculate')} /> {t('incentives.close.recalculate')}
            </label>
          </fieldset>
        )}
        {accepting && mode === 'amount' && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-amount`}>
              {t('incentives.close.amount')}
            </label>
            <input id={`${id}-amount`} inputMode="decimal" value={amount} aria-invalid={problem?.field === 'amount' ? true : undefined} onChange={(e) => setAmount(e.target.value)} />
            {problem?.field === 'amount' && (
              <span className="field-error" role="alert">
                {problem.message}
              </span>
            )}
          </div>
        )}
        <div className="field">
          <label className="field-label" htmlFor={`${id}-note`}>
            {t('incentives.close.resolution')}
          </label>
          <input id={`${id}-note`} autoFocus value={resolution} aria-invalid={problem?.field === 'resolution' ? true : undefined} onChange={(e) => setResolution(e.target.value)} />
          {problem?.field === 'resolution' && (
            <span className="field-error" role="alert">
              {problem.message}
            </span>
          )}
        </div>
        <div className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
