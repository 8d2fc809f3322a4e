import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { pct, qualityApi, type ErrorSection, type Score } from './api.ts';

const ScoreTable = ({ title, rows, head }: { title: string; rows: Score[]; head: string[] }) => (
  <>
    <h2>{title}</h2>
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={h} className={i ? 'num' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.key ?? '-'}>
              <td>{s.key ?? '—'}</td>
              <td className="num">{s.checked}</td>
              <td className="num">{s.failed}</td>
              <td className="num">{pct(s.score)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </>
);

/** Import and integration errors, one table per source (a source added on the server appears here as it is). */
function ErrorSections({ sections }: { sections: ErrorSection[] }) {
  const { t, label, locale } = useI18n();
  return (
    <>
      <h2>{t('quality.report.errors')}</h2>
      {sections.map((s) => (
        <div key={s.source} data-testid={`health-errors-${s.source}`}>
          <h3>
            {label(s.label, s.source)} ({s.total})
          </h3>
          {s.entries.length ? (
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th>{t('quality.report.what')}</th>
                    <th className="num">{t('quality.report.failures')}</th>
                    <th>{t('quality.report.lastFailure')}</th>
                  </tr>
                </thead>
                <tbody>
                  {s.entries.map((e) => (
                    <tr key={e.key}>
                      <td className="break-anywhere">{e.key}</td>
                      <td className="num">{e.count}</td>
                      <td className="break-anywhere">
                        {new Date(e.lastAt).toLocaleString(locale)} {e.lastError}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('quality.report.noErrors')}</p>
          )}
        </div>
      ))}
    </>
  );
}

/** The monthly data health report (administrators): scores and trend, worst records, latency, indexes; PDF in en/zh-CN. */
export default function HealthReport() {
  const { t, locale } = useI18n();
  const [month, setMonth] = useState(new Date().toISOString().slice(0, 7));
  const [error, setError] = useState<unknown>(null);
  const report = useAsync(() => qualityApi.report(month), [month]);
  const r = report.data?.data;
  const head = [t('quality.rule'), t('quality.checked'), t('quality.failed'), t('quality.score')];
  const pdf = (l: 'en' | 'zh-CN') => qualityApi.pdf(month, l).catch(setError);

  return (
    <section data-testid="health-report">
      <PageHeader title={t('quality.report.title')} />
      <p>
        <label>
          {t('quality.report.month')} <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} data-testid="health-month" />
        </label>{' '}
        <button type="button" className="btn" onClick={() => void pdf('en')}>
          PDF (English)
        </button>{' '}
        <button type="button" className="btn" onClick={() => void pdf('zh-CN')}>
          PDF (中文)
        </button>
      </p>
      <ErrorAlert error={report.error ?? error} />
      {r && !r.scores && <p className="muted">{t('quality.report.noRun')}</p>}
      {r?.scores && (
        <>
          <p className="kpi" data-testid="health-score">
            {t('quality.score')}: <strong>{pct(r.scores.overall.score)}</strong> ({r.scores.overall.failed} / {r.scores.overall.checked})
          </p>
          <h2>{t('quality.report.trend')}</h2>
          <div className="table-wrap">
            <table className="data" data-testid="health-trend">
              <thead>
                <tr>
                  <th>{t('quality.report.scan')}</th>
                  <th className="num">{t('quality.report.issues')}</th>
                  <th className="num">{t('quality.score')}</th>
                </tr>
              </thead>
              <tbody>
                {r.trend.map((x) => (
                  <tr key={x.runId}>
                    <td>{new Date(x.startedAt).toLocaleString(locale)}</td>
                    <td className="num">{x.issues}</td>
                    <td className="num">{pct(x.score)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ScoreTable title={t('quality.report.byRule')} rows={r.scores.byRule} head={head} />
          <ScoreTable title={t('quality.report.byObject')} rows={r.scores.byObject} head={[t('quality.object'), ...head.slice(1)]} />
          <h2>{t('quality.report.worst')}</h2>
          <div className="table-wrap">
            <table className="data" data-testid="health-worst">
              <tbody>
                {r.worstRecords.map((w) => (
                  <tr key={w.recordId}>
                    <td>
                      <Link to={w.url}>{w.title ?? w.recordId}</Link>
                    </td>
                    <td>{w.object}</td>
                    <td>{w.rules.join(', ')}</td>
                    <td className="num">{w.issues}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {r && (
        <>
          <ErrorSections sections={r.errors} />
          <h2>{t('quality.report.latency')}</h2>
          {r.latency.length ? (
            <div className="table-wrap">
              <table className="data" data-testid="health-latency">
                <thead>
                  <tr>
                    <th>{t('quality.report.route')}</th>
                    <th className="num">{t('quality.report.requests')}</th>
                    <th className="num">{t('quality.report.errorsCol')}</th>
                    <th className="num">p50</th>
                    <th className="num">p95</th>
                    <th className="num">p99</th>
                  </tr>
                </thead>
                <tbody>
                  {r.latency.slice(0, 30).map((l) => (
                    <tr key={`${l.method} ${l.route}`}>
                      <td className="break-anywhere">
                        {l.method} {l.route}
                      </td>
                      <td className="num">{l.count}</td>
                      <td className="num">
                        {l.errors4xx} / {l.errors5xx}
                      </td>
                      <td className="num">{l.p50 ?? '—'}</td>
                      <td className="num">{l.p95 ?? '—'}</td>
                      <td className="num">{l.p99 ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('quality.report.noRequests')}</p>
          )}
          <h2>{t('quality.report.database')}</h2>
          {r.database.available ? (
            <ul data-testid="health-database" className="break-anywhere">
              {r.database.largestTables.map((x) => (
                <li key={x.table}>{t('quality.report.table', { table: x.table, rows: x.rows, seq: x.seqScans, idx: x.indexScans })}</li>
              ))}
              {r.database.unusedIndexes.map((x) => (
                <li key={x.index}>{t('quality.report.unused', { index: x.index, table: x.table })}</li>
              ))}
              {r.database.missingIndexes.map((x) => (
                <li key={`m-${x.table}`}>{t('quality.report.missing', { table: x.table })}</li>
              ))}
            </ul>
          ) : (
            <p className="muted" data-testid="health-database">
              {t(`quality.report.unavailable.${r.database.code}`)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
