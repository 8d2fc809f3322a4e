import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { integrationsApi } from './api.ts';
import { DeadLetters } from './DeadLetters.tsx';
import { Subscriptions } from './Subscriptions.tsx';
import { INTEGRATIONS_TEXT } from './text.ts';

const STATUSES = ['', 'failed', 'processed', 'processing'] as const;

/** ERP and finance integrations (administrators): the inbound secret and events, subscriptions, dead letters. */
export default function Integrations() {
  const t = useScreenText(INTEGRATIONS_TEXT);
  const { locale } = useI18n();
  const inbound = useAsync(() => integrationsApi.inbound(), []);
  const [status, setStatus] = useState<string>('');
  const events = useAsync(() => integrationsApi.events(status || undefined), [status]);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const info = inbound.data?.data;

  const rotate = async () => {
    if (!window.confirm(t('integrations.rotateConfirm'))) return;
    setError(null);
    try {
      setSecret((await integrationsApi.rotate()).data.secret);
      inbound.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section data-testid="integrations">
      <PageHeader title={t('integrations.title')} />
      <h2>{t('integrations.inbound')}</h2>
      <ErrorAlert error={inbound.error ?? error} />
      {info && (
        <dl className="facts">
          <dt>{t('integrations.endpoint')}</dt>
          <dd>
            <code style={{ wordBreak: 'break-all' }}>POST {info.path}</code>
          </dd>
          <dt>{t('integrations.header')}</dt>
          <dd>
            <code>{info.signatureHeader}: t=…,v1=…</code>
          </dd>
          <dt>{t('integrations.secret')}</dt>
          <dd>
            {info.hasSecret ? <code>{info.secretHint}</code> : <span className="muted">{t('integrations.noSecret')}</span>}{' '}
            <button type="button" className="btn" onClick={() => void rotate()} data-testid="rotate-secret">
              {t('integrations.rotate')}
            </button>
          </dd>
        </dl>
      )}
      {secret && (
        <p className="alert" role="status" data-testid="new-secret">
          <code style={{ wordBreak: 'break-all' }}>{secret}</code>
          <br />
          {t('integrations.shownOnce')}
        </p>
      )}
      <h2>{t('integrations.events')}</h2>
      <p>
        <label>
          {t('integrations.status')}{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="event-status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`integrations.${s || 'all'}`)}
              </option>
            ))}
          </select>
        </label>
      </p>
      <ErrorAlert error={events.error} />
      {events.data?.data.length === 0 && <p className="muted">{t('integrations.none')}</p>}
      {events.data && events.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="data" data-testid="events">
            <thead>
              <tr>
                <th>{t('integrations.id')}</th>
                <th>{t('integrations.type')}</th>
                <th>{t('integrations.status')}</th>
                <th>{t('integrations.error')}</th>
                <th>{t('integrations.when')}</th>
              </tr>
            </thead>
            <tbody>
              {events.data.data.map((e) => (
                <tr key={e.id}>
                  <td style={{ wordBreak: 'break-all' }}>{e.id}</td>
                  <td>{e.type}</td>
                  <td>{t(`integrations.${e.status}`)}</td>
                  <td>{e.error ? String((e.error as { message?: unknown }).message ?? '') : ''}</td>
                  <td>{new Date(e.updatedAt ?? e.receivedAt).toLocaleString(locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Subscriptions />
      <DeadLetters />
    </section>
  );
}
