import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { integrationsApi } from './api.ts';
import { INTEGRATIONS_TEXT } from './text.ts';

/** Where record changes are sent: a URL and the objects; the signing secret is shown once. */
export function Subscriptions() {
  const t = useScreenText(INTEGRATIONS_TEXT);
  const list = useAsync(() => integrationsApi.subscriptions(), []);
  const [url, setUrl] = useState('');
  const [objects, setObjects] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const add = () =>
    act(async () => {
      const made = await integrationsApi.subscribe(
        url.trim(),
        objects
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      );
      setSecret(made.data.secret);
      setUrl('');
      setObjects('');
    });

  return (
    <section data-testid="subscriptions">
      <h2>{t('integrations.subscriptions')}</h2>
      <ErrorAlert error={list.error ?? error} />
      <ul>
        {(list.data?.data ?? [])
          .filter((s) => s.active)
          .map((s) => (
            <li key={s.id}>
              <code style={{ wordBreak: 'break-all' }}>{s.url}</code> — {s.objects.join(', ')}{' '}
              <button type="button" className="btn btn-danger" onClick={() => void act(() => integrationsApi.unsubscribe(s.id))}>
                {t('integrations.remove')}
              </button>
            </li>
          ))}
      </ul>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input type="url" required placeholder={t('integrations.url')} aria-label={t('integrations.url')} value={url} onChange={(e) => setUrl(e.target.value)} style={{ maxWidth: '100%' }} />
        <input required placeholder={t('integrations.objects')} aria-label={t('integrations.objects')} value={objects} onChange={(e) => setObjects(e.target.value)} style={{ maxWidth: '100%' }} />
        <button type="submit" className="btn">
          {t('integrations.add')}
        </button>
      </form>
      {secret && (
        <p className="alert" role="status">
          <code style={{ wordBreak: 'break-all' }}>{secret}</code>
          <br />
          {t('integrations.shownOnce')}
        </p>
      )}
    </section>
  );
}
