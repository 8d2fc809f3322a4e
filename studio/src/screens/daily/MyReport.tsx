import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { dailyApi, type DailyReport } from './api.ts';

/** The day's figures the server counted (never typed in: they are what a points plan counts). */
function Figures({ r }: { r: DailyReport }) {
  const { t } = useI18n();
  const items: Array<[string, number]> = [
    ['daily.visits', r.visits],
    ['daily.inRadius', r.checkinsInRadius],
    ['daily.photos', r.photos],
    ['daily.calls', r.calls],
    ['daily.deals', r.dealsMoved],
  ];
  return (
    <dl className="daily-figures" data-testid="daily-figures">
      {items.map(([key, n]) => (
        <div key={key}>
          <dt>{t(key)}</dt>
          <dd>{n}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * A rep's daily report on the phone: the day prefilled by the server (visits, check-ins inside the
 * radius, photos, calls, deals moved), the day's text and tomorrow's plan to edit, then submit.
 */
export default function MyReport() {
  const { t } = useI18n();
  const report = useAsync(() => dailyApi.mine(), []);
  const [summary, setSummary] = useState('');
  const [plan, setPlan] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [current, setCurrent] = useState<DailyReport | undefined>(undefined);
  useEffect(() => {
    if (!report.data) return;
    setCurrent(report.data);
    setSummary(report.data.summary);
    setPlan(report.data.tomorrowPlan);
  }, [report.data]);
  const r = current;
  const done = r?.status === 'submitted';
  const act = async (fn: typeof dailyApi.save) => {
    if (!r) return;
    setBusy(true);
    setError(null);
    try {
      setCurrent(await fn({ date: r.date, summary, tomorrowPlan: plan }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="daily-report">
      <PageHeader title={t('daily.mine')} />
      <ErrorAlert error={report.error ?? error} />
      {r && (
        <>
          <p className="muted">
            {r.date} · <span data-testid="daily-status">{t(`daily.status.${r.status}`)}</span>
          </p>
          <Figures r={r} />
          <label className="field" htmlFor="daily-summary">
            <span>{t('daily.summary')}</span>
            <textarea id="daily-summary" rows={6} value={summary} readOnly={done} onChange={(e) => setSummary(e.target.value)} />
          </label>
          <label className="field" htmlFor="daily-plan">
            <span>{t('daily.tomorrow')}</span>
            <textarea id="daily-plan" rows={4} value={plan} readOnly={done} onChange={(e) => setPlan(e.target.value)} />
          </label>
          {!done && (
            <div className="actions">
              <button type="button" className="btn" disabled={busy} onClick={() => act(dailyApi.save)}>
                {t('daily.save')}
              </button>
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => act(dailyApi.submit)}>
                {t('daily.submit')}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
