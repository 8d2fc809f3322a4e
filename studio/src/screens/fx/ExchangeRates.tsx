import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { fxApi, type FxFollowUp } from './api.ts';
import { TenantSettingsPanel } from './TenantSettingsPanel.tsx';
import './fx.css';

const EMPTY = { from: '', to: '', rate: '', effectiveFrom: '' };

/**
 * Exchange rates (admin and finance): the tenant's effective-dated rates per currency pair, entered
 * one by one or imported from a CSV or XLSX file (all rows or none). A pair entered one way also
 * answers the other (its inverse); other pairs go through the base currency.
 */
export default function ExchangeRates() {
  const { t } = useI18n();
  const session = useSession();
  const rates = useAsync(() => fxApi.rates(), []);
  const [draft, setDraft] = useState(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const base = rates.data?.baseCurrency ?? '';

  const act = async (fn: () => Promise<FxFollowUp & { message?: string }>, done: (r: FxFollowUp) => string) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await fn();
      setNotice(`${done(r)}${r.problems ? ` ${t('fx.stillMissing', { n: r.problems })}` : ''}`);
      rates.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await act(
      () => fxApi.add({ ...draft, from: draft.from.trim().toUpperCase(), to: draft.to.trim().toUpperCase(), rate: draft.rate.trim() }),
      () => t('fx.saved'),
    );
    if (ok) setDraft({ ...EMPTY, to: draft.to, effectiveFrom: draft.effectiveFrom });
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    await act(
      () => fxApi.importFile(file),
      (r) => {
        const d = (r as unknown as { data: { created: number; updated: number } }).data;
        return t('fx.imported', { created: d.created, updated: d.updated });
      },
    );
  };

  return (
    <section className="fx-rates" data-testid="fx-rates">
      <PageHeader title={t('fx.title')} />
      <p className="muted">{t('fx.intro', { base })}</p>
      <TenantSettingsPanel editable={session.isAdmin} />
      <ErrorAlert error={rates.error ?? error} />
      {notice && (
        <div className="alert alert-success" role="status" data-testid="fx-notice">
          {notice}
        </div>
      )}

      <form className="fx-add" onSubmit={(e) => void add(e)} aria-label={t('fx.add')}>
        <label>
          {t('fx.from')} <input name="from" required maxLength={3} size={4} placeholder="USD" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t('fx.to')} <input name="to" required maxLength={3} size={4} placeholder={base || 'CNY'} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <label>
          {t('fx.rate')} <input name="rate" required inputMode="decimal" size={14} placeholder="7.1234" value={draft.rate} onChange={(e) => setDraft({ ...draft, rate: e.target.value })} />
        </label>
        <label>
          {t('fx.effectiveFrom')} <input name="effectiveFrom" required type="date" value={draft.effectiveFrom} onChange={(e) => setDraft({ ...draft, effectiveFrom: e.target.value })} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('fx.add')}
        </button>
        <label className="btn">
          {t('fx.import')}
          <input
            type="file"
            hidden
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            data-testid="fx-file"
            disabled={busy}
            onChange={(e) => {
              void onFile(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
      </form>
      <p className="muted">{t('fx.importHint')}</p>

      <table className="data" data-testid="fx-table">
        <thead>
          <tr>
            <th>{t('fx.from')}</th>
            <th>{t('fx.to')}</th>
            <th>{t('fx.rate')}</th>
            <th>{t('fx.effectiveFrom')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rates.data?.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.from}</td>
              <td>{r.to}</td>
              <td className="num">{r.rate}</td>
              <td>{r.effectiveFrom}</td>
              <td>
                <button
                  type="button"
                  className="btn btn-sm"
                  disabled={busy}
                  aria-label={t('fx.deleteRate', { pair: `${r.from}→${r.to}`, date: r.effectiveFrom })}
                  onClick={() => {
                    if (window.confirm(t('fx.confirmDelete')))
                      void act(
                        () => fxApi.remove(r.id),
                        () => t('fx.deleted'),
                      );
                  }}
                >
                  {t('fx.delete')}
                </button>
              </td>
            </tr>
          ))}
          {rates.data && rates.data.data.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                {t('fx.empty')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
