import { useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { fieldApi, localDay, type CheckIn } from './api.ts';

const W = 640;
const H = 360;
const PAD = 24;

/** The day's check-ins on a plain map: positions scaled to the box (no tiles, nothing fetched elsewhere), flagged ones in red. */
function DayMap({ visits, names }: { visits: CheckIn[]; names: Map<string, string> }) {
  const { t } = useI18n();
  const points = visits.filter((v) => v.lat !== null && v.lng !== null);
  if (points.length === 0) return null;
  const lats = points.flatMap((v) => [v.lat as number, ...(v.customerLat != null ? [v.customerLat] : [])]);
  const lngs = points.flatMap((v) => [v.lng as number, ...(v.customerLng != null ? [v.customerLng] : [])]);
  const [minLat, maxLat, minLng, maxLng] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const spanLat = Math.max(maxLat - minLat, 0.002);
  const spanLng = Math.max(maxLng - minLng, 0.002);
  const x = (lng: number) => PAD + ((lng - minLng) / spanLng) * (W - 2 * PAD);
  const y = (lat: number) => H - PAD - ((lat - minLat) / spanLat) * (H - 2 * PAD);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="field-map" role="img" aria-label={t('field.map')} data-testid="field-map">
      <rect x="0" y="0" width={W} height={H} rx="8" className="field-map-bg" />
      {points.map((v) => (
        <g key={v.visitId}>
          {v.customerLat != null && v.customerLng != null && <line x1={x(v.customerLng)} y1={y(v.customerLat)} x2={x(v.lng as number)} y2={y(v.lat as number)} className="field-map-line" />}
          {v.customerLat != null && v.customerLng != null && <rect x={x(v.customerLng) - 4} y={y(v.customerLat) - 4} width="8" height="8" className="field-map-customer" />}
          <circle cx={x(v.lng as number)} cy={y(v.lat as number)} r="6" className={v.flagged ? 'field-map-flagged' : 'field-map-point'}>
            <title>{`${names.get(v.userId) ?? ''} · ${v.customerName ?? ''}`}</title>
          </circle>
        </g>
      ))}
    </svg>
  );
}

/** A manager's view of the team's day: every check-in in their scope, as a list and on a map. */
export default function Team() {
  const { t, locale } = useI18n();
  const [date, setDate] = useState(localDay());
  const visits = useAsync(() => fieldApi.day(date), [date]);
  const users = useAsync(() => api.get<ListResponse>('/objects/user', { limit: 500 }).then((r) => r.data), []);
  const names = useMemo(() => new Map((users.data ?? []).map((u) => [String(u.id), String(u.name ?? u.email ?? u.id)])), [users.data]);
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  return (
    <section>
      <PageHeader title={t('field.teamDay')} />
      <label className="field" htmlFor="field-date">
        <span>{t('field.date')}</span>
        <input id="field-date" type="date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
      </label>
      <ErrorAlert error={visits.error ?? users.error} />
      {visits.data && visits.data.length === 0 && <p className="muted">{t('field.noVisits')}</p>}
      {visits.data && <DayMap visits={visits.data} names={names} />}
      <div className="table-wrap">
        <table className="data" data-testid="field-team">
          <thead>
            <tr>
              <th scope="col">{t('field.person')}</th>
              <th scope="col">{t('field.customer')}</th>
              <th scope="col">{t('field.time')}</th>
              <th scope="col">{t('field.distanceHeader')}</th>
              <th scope="col">{t('field.flag')}</th>
            </tr>
          </thead>
          <tbody>
            {(visits.data ?? []).map((v) => (
              <tr key={v.visitId}>
                <td>{names.get(v.userId) ?? '—'}</td>
                <td>
                  <Link to={`/o/visit/${v.visitId}`}>{v.customerName ?? '—'}</Link>
                </td>
                <td>
                  {time.format(new Date(v.checkInAt))}
                  {v.checkOutAt ? `–${time.format(new Date(v.checkOutAt))} (${t('field.minutes', { n: v.durationMinutes ?? 0 })})` : ''}
                </td>
                <td>{v.distanceMeters === null ? '—' : `${Math.round(v.distanceMeters)} m`}</td>
                <td>{v.flagged ? <span className="badge badge-warn">{t(`field.flags.${v.flagReason ?? 'outside_radius'}`)}</span> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
