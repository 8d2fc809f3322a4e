import { type ReactNode, useEffect, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import type { TFunction } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { monitoringApi, type Threshold, type ThresholdInput } from './api.ts';

type Draft = { id?: string; route: string; method: string; percentile: 'p95' | 'p99'; limitMs: string; minRequests: string; windowMinutes: string };
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const draftOf = (x: Threshold): Draft => ({
  id: x.id,
  route: x.route ?? '',
  method: x.method ?? '',
  percentile: x.percentile === 'p99' ? 'p99' : 'p95',
  limitMs: String(x.limitMs),
  minRequests: String(x.minRequests),
  windowMinutes: String(x.windowMinutes),
});
// Numbers as typed: a value that is not one is sent as it is, so the server names the field and rule.
const num = (s: string): number => (/^\s*\d+\s*$/.test(s) ? Number(s) : (s as unknown as number));
const inputOf = (d: Draft): ThresholdInput => ({
  ...(d.id ? { id: d.id } : {}),
  route: d.route || null,
  method: (d.method || null) as ThresholdInput['method'],
  percentile: d.percentile,
  limitMs: num(d.limitMs),
  minRequests: num(d.minRequests),
  windowMinutes: num(d.windowMinutes),
});

/** The alert thresholds as a form: one row per threshold; saving replaces the list (audited). */
export default function ThresholdForm({ routes, t }: { routes: string[]; t: TFunction }) {
  const current = useAsync(() => monitoringApi.thresholds(), []);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (current.data) setDrafts(current.data.data.map(draftOf));
  }, [current.data]);
  const set = (i: number, patch: Partial<Draft>) => {
    setNotice(false);
    setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  };
  const errs = (i: number, field: string) => (problem instanceof ApiError ? problem.details.filter((d) => d.path === `/thresholds/${i}/${field}`).map((d) => d.message) : []);
  const save = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const out = await monitoringApi.saveThresholds(drafts.map(inputOf));
      setDrafts(out.data.map(draftOf));
      setNotice(true);
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  };
  const known = [...new Set([...routes, ...drafts.map((d) => d.route).filter(Boolean)])].sort();
  const field = (i: number, name: keyof Draft, labelKey: string, input: ReactNode) => (
    <label className="monitoring-field">
      <span className="field-label">{t(labelKey)}</span>
      {input}
      {errs(i, name).map((m) => (
        <span key={m} className="monitoring-error" role="alert">
          {m}
        </span>
      ))}
    </label>
  );
  const alerts = current.data?.alerts ?? [];

  return (
    <div className="monitoring-thresholds">
      <h2>{t('monitoring.thresholds')}</h2>
      <p className="muted small">{t('monitoring.thresholdsIntro')}</p>
      {alerts.length > 0 && (
        <div className="alert alert-error" role="status" data-testid="api-times-alerts">
          <strong>{t('monitoring.open')}</strong>
          {alerts.map((a) => (
            <div key={`${a.thresholdId} ${a.method} ${a.route}`}>
              {t('monitoring.since', { route: `${a.method} ${a.route}`, value: Math.round(a.valueMs), since: new Date(a.since).toLocaleString() })}
            </div>
          ))}
        </div>
      )}
      <ErrorAlert error={current.error ?? problem} />
      {notice && (
        <div className="alert alert-success" role="status">
          {t('monitoring.saved')}
        </div>
      )}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {current.data && !drafts.length && <p className="muted">{t('monitoring.noThresholds')}</p>}
        {drafts.map((d, i) => (
          <fieldset key={d.id ?? `new-${i}`} className="card monitoring-threshold" data-testid="threshold-row">
            {field(
              i,
              'route',
              'monitoring.route',
              <select value={d.route} onChange={(e) => set(i, { route: e.target.value })}>
                <option value="">{t('monitoring.allRoutes')}</option>
                {known.map((r) => (
                  <option key={r} value={r} translate="no">
                    {r}
                  </option>
                ))}
              </select>,
            )}
            {field(
              i,
              'method',
              'monitoring.method',
              <select value={d.method} onChange={(e) => set(i, { method: e.target.value })}>
                <option value="">{t('monitoring.anyMethod')}</option>
                {METHODS.map((m) => (
                  <option key={m} translate="no">
                    {m}
                  </option>
                ))}
              </select>,
            )}
            {field(
              i,
              'percentile',
              'monitoring.percentile',
              <select value={d.percentile} onChange={(e) => set(i, { percentile: e.target.value as Draft['percentile'] })}>
                <option>p95</option>
                <option>p99</option>
              </select>,
            )}
            {field(i, 'limitMs', 'monitoring.limitMs', <input inputMode="numeric" value={d.limitMs} onChange={(e) => set(i, { limitMs: e.target.value })} data-testid="threshold-limit" />)}
            {field(i, 'minRequests', 'monitoring.minRequests', <input inputMode="numeric" value={d.minRequests} onChange={(e) => set(i, { minRequests: e.target.value })} />)}
            {field(i, 'windowMinutes', 'monitoring.windowMinutes', <input inputMode="numeric" value={d.windowMinutes} onChange={(e) => set(i, { windowMinutes: e.target.value })} />)}
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setDrafts((ds) => ds.filter((_, j) => j !== i))}>
              {t('monitoring.remove')}
            </button>
          </fieldset>
        ))}
        <p className="row">
          <button
            type="button"
            className="btn"
            data-opens-form
            onClick={() => setDrafts((ds) => [...ds, { route: '', method: '', percentile: 'p95', limitMs: '1000', minRequests: '20', windowMinutes: '5' }])}
          >
            {t('monitoring.add')}
          </button>{' '}
          <button type="submit" className="btn btn-primary" disabled={busy || !current.data} data-testid="threshold-save">
            {t('monitoring.save')}
          </button>
        </p>
      </form>
    </div>
  );
}
