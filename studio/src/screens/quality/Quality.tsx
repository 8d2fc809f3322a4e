import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { pickLabel, useI18n } from '../../i18n/i18n.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useSession } from '../../session.tsx';
import { pct, qualityApi } from './api.ts';

/**
 * Data quality: the rules on objects the user reads with their scores in the latest scan, and the
 * issues on records the user may read, each linking to its record; administrators run a scan now.
 */
export default function Quality() {
  const { t, locale } = useI18n();
  const session = useSession();
  const [rule, setRule] = useState<string | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const rules = useAsync(() => qualityApi.rules(), []);
  const issues = useAsync(() => qualityApi.issues({ ...(rule ? { rule } : {}), offset }), [rule, offset]);
  const run = rules.data?.run;

  const runNow = async () => {
    setBusy(true);
    setError(null);
    try {
      await qualityApi.run();
      rules.reload();
      issues.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section data-testid="quality">
      <PageHeader title={t('quality.title')} />
      <p className="muted" data-testid="quality-run">
        {run ? t('quality.lastRun', { at: new Date(run.startedAt).toLocaleString(locale), issues: run.issues }) : t('quality.noRun')}
      </p>
      {session.isAdmin && (
        <p>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void runNow()} data-testid="quality-run-now">
            {t('quality.runNow')}
          </button>{' '}
          <Link to="/admin/data-health">{t('quality.report.title')}</Link>
        </p>
      )}
      <ErrorAlert error={rules.error ?? issues.error ?? error} />
      <h2>{t('quality.rules')}</h2>
      <div className="table-wrap">
        <table className="data" data-testid="quality-rules">
          <thead>
            <tr>
              <th>{t('quality.rule')}</th>
              <th>{t('quality.object')}</th>
              <th>{t('quality.check')}</th>
              <th className="num">{t('quality.checked')}</th>
              <th className="num">{t('quality.failed')}</th>
              <th className="num">{t('quality.score')}</th>
            </tr>
          </thead>
          <tbody>
            {(rules.data?.data ?? []).map((r) => (
              <tr key={r.name}>
                <td>
                  <button type="button" className="link" onClick={() => (setRule(rule === r.name ? undefined : r.name), setOffset(0))} aria-pressed={rule === r.name}>
                    {pickLabel(r.label, locale, r.name)}
                  </button>
                </td>
                <td>{r.object}</td>
                <td>{t(`quality.checks.${r.check}`)}</td>
                <td className="num">{r.checked ?? '—'}</td>
                <td className="num">{r.failed ?? '—'}</td>
                <td className="num">{pct(r.score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>
        {t('quality.issues')} ({issues.data?.total ?? 0})
      </h2>
      <div className="table-wrap">
        <table className="data" data-testid="quality-issues">
          <thead>
            <tr>
              <th>{t('quality.record')}</th>
              <th>{t('quality.rule')}</th>
              <th>{t('quality.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {(issues.data?.data ?? []).map((i) => (
              <tr key={`${i.rule}:${i.recordId}`}>
                <td>
                  <Link to={i.url}>{i.title ?? i.recordId}</Link> {i.isNew && <span className="badge">{t('quality.new')}</span>}
                </td>
                <td>{i.rule}</td>
                <td>{i.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
          {t('quality.previous')}
        </button>{' '}
        <button type="button" className="btn" disabled={offset + 50 >= (issues.data?.total ?? 0)} onClick={() => setOffset(offset + 50)}>
          {t('quality.next')}
        </button>
      </p>
    </section>
  );
}
