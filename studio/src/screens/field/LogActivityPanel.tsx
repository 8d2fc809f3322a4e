// "Log a call" on the customer's page: choose call or message (and, for a call, how long), then
// one tap on how it went logs it — an activity on the customer, in the user's words. Each tap
// carries its own Idempotency-Key, so a retry after a lost answer logs it once.
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

const KINDS = ['call', 'message'] as const;
const DURATIONS = [1, 5, 15, 30] as const;
const OUTCOMES = ['reached', 'no_answer', 'left_message', 'follow_up', 'not_interested'] as const;

type Kind = (typeof KINDS)[number];
type Outcome = (typeof OUTCOMES)[number];

export default function LogActivityPanel({ customerId, onLogged }: { customerId: string; onLogged: () => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>('call');
  const [minutes, setMinutes] = useState<number | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [logged, setLogged] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const log = async (outcome: Outcome) => {
    const duration = kind === 'call' ? minutes : undefined;
    const subject = `${t(`field.log.kinds.${kind}`)}${duration !== undefined ? `, ${t('field.minutes', { n: duration })}` : ''}: ${t(`field.log.outcomes.${outcome}`)}`;
    setBusy(true);
    setError(null);
    try {
      await api.post(
        '/field/activities',
        { customerId, kind, outcome, subject, ...(duration !== undefined ? { durationMinutes: duration } : {}), at: new Date().toISOString() },
        { 'idempotency-key': crypto.randomUUID() },
      );
      setLogged(subject);
      setMinutes(undefined);
      onLogged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="log-activity" data-testid="log-activity">
      <h2 id="log-activity" style={{ marginTop: 0 }}>
        {t('field.log.title')}
      </h2>
      <div role="group" aria-label={t('field.log.kind')} style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 8 }}>
        {KINDS.map((k) => (
          <button key={k} type="button" className={`btn btn-sm${kind === k ? ' btn-primary' : ''}`} aria-pressed={kind === k} onClick={() => setKind(k)}>
            {t(`field.log.kinds.${k}`)}
          </button>
        ))}
      </div>
      {kind === 'call' && (
        <div role="group" aria-label={t('field.log.duration')} style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginBottom: 8 }}>
          {DURATIONS.map((m) => (
            <button key={m} type="button" className={`btn btn-sm${minutes === m ? ' btn-primary' : ''}`} aria-pressed={minutes === m} onClick={() => setMinutes(minutes === m ? undefined : m)}>
              {t('field.minutes', { n: m })}
            </button>
          ))}
        </div>
      )}
      <p className="muted" style={{ margin: '4px 0' }}>
        {t('field.log.tapOutcome')}
      </p>
      <div role="group" aria-label={t('field.log.outcome')} style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
        {OUTCOMES.map((o) => (
          <button key={o} type="button" className="btn" disabled={busy} onClick={() => void log(o)}>
            {t(`field.log.outcomes.${o}`)}
          </button>
        ))}
      </div>
      {logged && (
        <p role="status" style={{ marginBottom: 0 }}>
          {t('field.log.logged', { what: logged })}
        </p>
      )}
      <ErrorAlert error={error} />
    </section>
  );
}
