import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { CATEGORIES, forecastApi, quarterOf, type ForecastNumbers, type Submission } from './api.ts';
import { SubmitForm } from './SubmitForm.tsx';

const dash = (v: string | null | undefined) => v ?? '—';

/**
 * The sales forecast for a period: the caller's numbers (categories, weighted pipeline, projections),
 * their latest submission and a form to submit; for a manager the team's members, the roll-up and
 * an override with a note. Every figure is the server's, in the caller's record scope.
 */
export default function Forecast() {
  const { t } = useI18n();
  const [period, setPeriod] = useState(quarterOf(new Date()));
  const [typed, setTyped] = useState(period);
  const forecast = useAsync(() => forecastApi.get(period), [period]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const d = forecast.data?.data;

  const send = async (body: { commit: string; bestCase: string; note: string }, forUnit?: string) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await forecastApi.submit({ period, commit: body.commit, bestCase: body.bestCase, ...(body.note ? { note: body.note } : {}), ...(forUnit ? { forUnit } : {}) });
      setNotice(t(forUnit ? 'forecast.overridden' : 'forecast.submitted'));
      forecast.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const submissionText = (s: Submission | null) =>
    s ? t('forecast.submissionLine', { commit: s.commit, bestCase: s.bestCase, at: s.submittedAt.slice(0, 16).replace('T', ' ') }) : t('forecast.noSubmission');

  return (
    <section data-testid="forecast">
      <PageHeader title={t('forecast.title')} />
      <form
        className="row"
        aria-label={t('forecast.period')}
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod(typed.trim());
        }}
      >
        <label>
          {t('forecast.period')} <input name="period" size={10} value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="2026-Q2" />
        </label>
        <button type="submit" className="btn">
          {t('forecast.show')}
        </button>
      </form>
      <ErrorAlert error={forecast.error ?? error} />
      {notice && (
        <div className="alert alert-success" role="status" data-testid="forecast-notice">
          {notice}
        </div>
      )}
      {d && (
        <>
          <p className="muted">{t('forecast.range', { from: d.from, to: d.to })}</p>
          <NumbersTable numbers={d.numbers} />
          <div className="card" data-testid="forecast-mine">
            <h2>{t('forecast.mySubmission')}</h2>
            <p>{submissionText(d.submission)}</p>
            <SubmitForm label={t('forecast.submit')} busy={busy} noteRequired={false} onSubmit={(v) => send(v)} />
          </div>
          {d.team && (
            <div className="card" data-testid="forecast-team">
              <h2>{t('forecast.team')}</h2>
              <div className="table-wrap">
                <table className="data" data-testid="forecast-team-table">
                  <thead>
                    <tr>
                      <th>{t('forecast.member')}</th>
                      <th>{t('forecast.computedCommit')}</th>
                      <th>{t('forecast.computedBestCase')}</th>
                      <th>{t('forecast.submittedCommit')}</th>
                      <th>{t('forecast.submittedBestCase')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.team.members.map((m) => (
                      <tr key={m.userId}>
                        <td>{m.name ?? m.userId}</td>
                        <td className="num">{m.numbers.commit}</td>
                        <td className="num">{m.numbers.bestCase}</td>
                        <td className="num">{dash(m.submission?.commit)}</td>
                        <td className="num">{dash(m.submission?.bestCase)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p data-testid="forecast-rollup">{t('forecast.rollup', { commit: d.team.rollup.commit, bestCase: d.team.rollup.bestCase, computed: d.team.rollup.computed })}</p>
              <p data-testid="forecast-override">
                {d.team.override ? t('forecast.overrideLine', { commit: d.team.override.commit, bestCase: d.team.override.bestCase, note: d.team.override.note ?? '' }) : t('forecast.noOverride')}
              </p>
              {d.team.unitId && <SubmitForm label={t('forecast.override')} busy={busy} noteRequired onSubmit={(v) => send(v, d.team?.unitId ?? undefined)} />}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function NumbersTable({ numbers }: { numbers: ForecastNumbers }) {
  const { t } = useI18n();
  const rows: Array<[string, string | null]> = [
    ...CATEGORIES.map((c): [string, string | null] => [t(`forecast.category.${c}`), numbers.categories[c]]),
    [t('forecast.computedCommit'), numbers.commit],
    [t('forecast.computedBestCase'), numbers.bestCase],
    [t('forecast.weightedPipeline'), numbers.weightedPipeline],
    [t('forecast.winRate'), numbers.winRate],
    [t('forecast.weightedByWinRate'), numbers.weightedByWinRate],
    [t('forecast.wonToDate'), numbers.wonToDate],
    [t('forecast.runRate'), numbers.runRate],
    [t('forecast.seasonal'), numbers.seasonal],
  ];
  return (
    <div className="card card-flush table-wrap">
      <table className="data" data-testid="forecast-numbers">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{dash(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
