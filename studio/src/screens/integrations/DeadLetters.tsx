import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { useScreenText } from '../../i18n/screen-text.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { integrationsApi } from './api.ts';
import { INTEGRATIONS_TEXT } from './text.ts';

/** Deliveries that used up their attempts, with their error; replay one, or the ones selected. */
export function DeadLetters() {
  const t = useScreenText(INTEGRATIONS_TEXT);
  const { locale } = useI18n();
  const list = useAsync(() => integrationsApi.deadLetters(), []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<number | null>(null);
  const rows = list.data?.data ?? [];

  const run = async (ids: string[]) => {
    setError(null);
    setDone(null);
    try {
      const res = ids.length === 1 ? await integrationsApi.replay(ids[0] as string) : await integrationsApi.replayMany(ids);
      setDone(res.data.replayed.length);
      setSelected(new Set());
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section data-testid="dead-letters">
      <h2>{t('integrations.deadLetters')}</h2>
      <p className="muted">{t('integrations.deadHint')}</p>
      <ErrorAlert error={list.error ?? error} />
      {done !== null && (
        <p className="alert" role="status">
          {t('integrations.replayed', { n: done })}
        </p>
      )}
      {rows.length === 0 && !list.loading && <p className="muted">{t('integrations.none')}</p>}
      {rows.length > 0 && (
        <>
          <p>
            <button type="button" className="btn" disabled={selected.size === 0} onClick={() => void run([...selected])} data-testid="replay-selected">
              {t('integrations.replaySelected', { n: selected.size })}
            </button>
          </p>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>{t('integrations.select')}</th>
                  <th>{t('integrations.event')}</th>
                  <th>{t('integrations.url')}</th>
                  <th className="num">{t('integrations.attempts')}</th>
                  <th>{t('integrations.error')}</th>
                  <th>{t('integrations.when')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.id} data-testid="dead-letter">
                    <td>
                      <input type="checkbox" aria-label={`${t('integrations.select')} ${d.id}`} checked={selected.has(d.id)} onChange={() => toggle(d.id)} />
                    </td>
                    <td>
                      {d.eventType}
                      <br />
                      <code className="muted">{d.id}</code>
                    </td>
                    <td style={{ wordBreak: 'break-all' }}>{d.url ?? '—'}</td>
                    <td className="num">{d.attempts}</td>
                    <td>{d.error}</td>
                    <td>{d.deadAt ? new Date(d.deadAt).toLocaleString(locale) : ''}</td>
                    <td>
                      <button type="button" className="btn" onClick={() => void run([d.id])}>
                        {t('integrations.replay')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
