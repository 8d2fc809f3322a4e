import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { localDay } from '../field/api.ts';
import { dailyApi } from './api.ts';

const BADGE = { submitted: 'badge badge-success', draft: 'badge badge-accent', missing: 'badge badge-danger' } as const;

/** Who has reported: every person of a role that keeps daily reports, in the manager's team. */
export default function TeamStatus() {
  const { t, locale } = useI18n();
  const [date, setDate] = useState(localDay());
  const team = useAsync(() => dailyApi.team(date), [date]);
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const counts = team.data?.counts;
  return (
    <section>
      <PageHeader title={t('daily.team')} />
      <label className="field" htmlFor="daily-date">
        <span>{t('field.date')}</span>
        <input id="daily-date" type="date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
      </label>
      <ErrorAlert error={team.error} />
      {counts && <p data-testid="daily-counts">{t('daily.counts', { submitted: counts.submitted, draft: counts.draft, missing: counts.missing })}</p>}
      <div className="table-wrap">
        <table className="data" data-testid="daily-team">
          <thead>
            <tr>
              <th scope="col">{t('field.person')}</th>
              <th scope="col">{t('daily.state')}</th>
              <th scope="col">{t('daily.visits')}</th>
              <th scope="col">{t('daily.calls')}</th>
              <th scope="col">{t('daily.deals')}</th>
            </tr>
          </thead>
          <tbody>
            {(team.data?.data ?? []).map((row) => (
              <tr key={row.userId}>
                <td>{row.reportId ? <Link to={`/o/daily_report/${row.reportId}`}>{row.name}</Link> : row.name}</td>
                <td>
                  <span className={BADGE[row.status]}>{t(`daily.status.${row.status}`)}</span>
                  {row.submittedAt ? ` ${time.format(new Date(row.submittedAt))}` : ''}
                </td>
                <td>{row.visits ?? '—'}</td>
                <td>{row.calls ?? '—'}</td>
                <td>{row.dealsMoved ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
