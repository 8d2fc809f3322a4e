// Subscribe to a dashboard: a PNG or PDF snapshot weekly or monthly, by email to people the caller
// may read or to a group robot (Feishu/Lark, DingTalk, WeCom or a JSON webhook), with the filters now
// set on the viewer. Lists the caller's subscriptions with their last run and error, and cancels them.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { dashboardsApi, type FilterValues, type NewSubscription, type RobotFormat, type Subscription } from './api.ts';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const HOURS = Array.from({ length: 24 }, (_, h) => h);
const ROBOTS: RobotFormat[] = ['feishu', 'dingtalk', 'wecom', 'json'];

function when(s: Subscription, t: (k: string, p?: Record<string, string | number>) => string): string {
  const hour = `${String(s.schedule.hour).padStart(2, '0')}:00`;
  return s.schedule.every === 'week'
    ? t('dashboards.subscribe.weeklyOn', { day: t(`dashboards.subscribe.weekday.${s.schedule.weekday ?? 1}`), hour })
    : t('dashboards.subscribe.monthlyOn', { day: s.schedule.day ?? 1, hour });
}

function Existing({ name, version, onChanged }: { name: string; version: number; onChanged: () => void }) {
  const { t } = useI18n();
  const list = useAsync(() => dashboardsApi.subscriptions(name), [name, version]);
  const [error, setError] = useState<unknown>(null);
  if (!list.data?.length) return null;
  const stamp = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
  return (
    <section aria-label={t('dashboards.subscribe.mine')}>
      <h3>{t('dashboards.subscribe.mine')}</h3>
      <ul className="stack" data-testid="subscriptions">
        {list.data.map((s) => (
          <li key={s.id}>
            <strong>{when(s, t)}</strong> · {s.format.toUpperCase()} · {s.channel === 'email' ? t('dashboards.subscribe.email') : t(`dashboards.subscribe.robots.${s.robot?.format ?? 'json'}`)}
            <div className="muted">
              {t('dashboards.subscribe.next')}: {stamp(s.nextRun)} · {t('dashboards.subscribe.last')}: {stamp(s.lastRun)}
            </div>
            {s.lastError && (
              <div className="field-error" role="status">
                {t('dashboards.subscribe.failed', { error: s.lastError })}
              </div>
            )}
            <button
              type="button"
              className="btn btn-sm"
              onClick={() =>
                dashboardsApi.unsubscribe(name, s.id).then(
                  () => onChanged(),
                  (e: unknown) => setError(e),
                )
              }
            >
              {t('dashboards.subscribe.cancel')}
            </button>
          </li>
        ))}
      </ul>
      <ErrorAlert error={error} />
    </section>
  );
}

/** Users the caller may read, by name, to tick as recipients. */
function Recipients({ value, onChange }: { value: string[]; onChange: (ids: string[]) => void }) {
  const { t } = useI18n();
  const users = useAsync(() => api.get<ListResponse>('/objects/user', { limit: 200, sort: 'name' }).then((r) => r.data), []);
  return (
    <fieldset className="field">
      <legend className="field-label">{t('dashboards.subscribe.recipients')}</legend>
      {(users.data ?? []).map((u) => {
        const id = String(u.id);
        return (
          <label key={id} className="checkbox-line">
            <input type="checkbox" checked={value.includes(id)} onChange={(e) => onChange(e.target.checked ? [...value, id] : value.filter((x) => x !== id))} /> {String(u.name ?? u.email ?? id)}
          </label>
        );
      })}
    </fieldset>
  );
}

export function SubscribeDialog({ name, filters, open, onClose }: { name: string; filters: FilterValues; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const ids = useId();
  const [every, setEvery] = useState<'week' | 'month'>('week');
  const [weekday, setWeekday] = useState(1);
  const [day, setDay] = useState(1);
  const [hour, setHour] = useState(8);
  const [format, setFormat] = useState<'png' | 'pdf'>('pdf');
  const [channel, setChannel] = useState<'email' | 'robot'>('email');
  const [recipients, setRecipients] = useState<string[]>([]);
  const [robot, setRobot] = useState<RobotFormat>('feishu');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);
  const [saved, setSaved] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await dashboardsApi.subscribe(name, {
        schedule: every === 'week' ? { every, weekday, hour } : { every, day, hour },
        format,
        // The filter bar's values, as the run route takes them (the same filter-value schema).
        filters: filters as NewSubscription['filters'],
        channel,
        // An empty list is the server's to refuse (400 naming /recipients), shown in the dialog.
        ...(channel === 'email' ? { recipients: recipients as NonNullable<NewSubscription['recipients']> } : { robot: { format: robot, url: url.trim(), ...(secret ? { secret } : {}) } }),
      });
      setSaved(true);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const field = (key: string, control: ReactNode) => (
    <div className="field">
      <label className="field-label" htmlFor={`${ids}-${key}`}>
        {t(`dashboards.subscribe.${key}`)}
      </label>
      {control}
    </div>
  );
  return (
    <Dialog open={open} title={t('dashboards.subscribe.title')} onClose={onClose}>
      <Existing name={name} version={version} onChanged={() => setVersion((v) => v + 1)} />
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted">{t(Object.keys(filters).length ? 'dashboards.subscribe.withFilters' : 'dashboards.subscribe.noFilters')}</p>
        {field(
          'every',
          <select id={`${ids}-every`} value={every} onChange={(e) => setEvery(e.target.value as 'week' | 'month')}>
            <option value="week">{t('dashboards.subscribe.weekly')}</option>
            <option value="month">{t('dashboards.subscribe.monthly')}</option>
          </select>,
        )}
        {every === 'week'
          ? field(
              'weekdayLabel',
              <select id={`${ids}-weekdayLabel`} value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
                {WEEKDAYS.map((d) => (
                  <option key={d} value={d}>
                    {t(`dashboards.subscribe.weekday.${d}`)}
                  </option>
                ))}
              </select>,
            )
          : field('day', <input id={`${ids}-day`} type="number" min={1} max={31} value={day} onChange={(e) => setDay(Math.min(31, Math.max(1, Number(e.target.value) || 1)))} />)}
        {field(
          'hour',
          <select id={`${ids}-hour`} value={hour} onChange={(e) => setHour(Number(e.target.value))}>
            {HOURS.map((h) => (
              <option key={h} value={h}>{`${String(h).padStart(2, '0')}:00`}</option>
            ))}
          </select>,
        )}
        {field(
          'format',
          <select id={`${ids}-format`} value={format} onChange={(e) => setFormat(e.target.value as 'png' | 'pdf')}>
            <option value="pdf">PDF</option>
            <option value="png">PNG</option>
          </select>,
        )}
        {field(
          'channel',
          <select id={`${ids}-channel`} value={channel} onChange={(e) => setChannel(e.target.value as 'email' | 'robot')}>
            <option value="email">{t('dashboards.subscribe.email')}</option>
            <option value="robot">{t('dashboards.subscribe.robot')}</option>
          </select>,
        )}
        {channel === 'email' ? (
          <Recipients value={recipients} onChange={setRecipients} />
        ) : (
          <>
            {field(
              'robotFormat',
              <select id={`${ids}-robotFormat`} value={robot} onChange={(e) => setRobot(e.target.value as RobotFormat)}>
                {ROBOTS.map((r) => (
                  <option key={r} value={r}>
                    {t(`dashboards.subscribe.robots.${r}`)}
                  </option>
                ))}
              </select>,
            )}
            {field('url', <input id={`${ids}-url`} type="url" value={url} placeholder="https://" onChange={(e) => setUrl(e.target.value)} />)}
            {field('secret', <input id={`${ids}-secret`} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />)}
          </>
        )}
        <ErrorAlert error={error} />
        {saved && <p role="status">{t('dashboards.subscribe.saved')}</p>}
        <div className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            {t('dashboards.subscribe.close')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('dashboards.subscribe.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
