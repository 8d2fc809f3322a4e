// Admins' list of the emails the log address could not file (an unknown sender, no contact
// named): each can be assigned to a contact, which turns it into the activity it would have been.
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

interface InboundMail {
  id: string;
  reason: string | null;
  from: string;
  recipients: string[];
  subject: string;
  body: string;
  receivedAt: string;
}

export default function Inbound() {
  const { t, formatDate } = useI18n();
  const mails = useAsync(() => api.get<{ data: InboundMail[] }>('/field/inbound-mail').then((r) => r.data), []);
  const contacts = useAsync(() => api.get<ListResponse>('/objects/contact', { limit: 500, sort: 'last_name' }).then((r) => r.data), []);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const assign = async (id: string) => {
    setError(null);
    try {
      await api.post(`/field/inbound-mail/${id}/assign`, { contactId: chosen[id] });
      mails.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <PageHeader title={t('field.inbound.title')} />
      <p className="muted">{t('field.inbound.intro')}</p>
      <ErrorAlert error={error ?? mails.error ?? contacts.error} />
      {mails.data && mails.data.length === 0 && <p className="muted">{t('field.inbound.none')}</p>}
      <ul className="field-visits" data-testid="inbound-mail">
        {(mails.data ?? []).map((m) => (
          <li key={m.id} className="card">
            <strong>{m.subject || '—'}</strong>
            <span className="muted small">
              {m.from} · {formatDate(m.receivedAt, true)} · {t(`field.inbound.reasons.${m.reason ?? 'unknown_sender'}`)}
            </span>
            {m.body && <p style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{m.body.slice(0, 300)}</p>}
            <div className="field">
              <label htmlFor={`assign-${m.id}`}>{t('field.inbound.contact')}</label>
              <select id={`assign-${m.id}`} value={chosen[m.id] ?? ''} onChange={(e) => setChosen({ ...chosen, [m.id]: e.target.value })}>
                <option value="">{t('field.inbound.pick')}</option>
                {(contacts.data ?? []).map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {[c.first_name, c.last_name].filter(Boolean).join(' ')}
                    {c.email ? ` <${String(c.email)}>` : ''}
                  </option>
                ))}
              </select>
            </div>
            <button type="button" className="btn btn-primary" disabled={!chosen[m.id]} onClick={() => void assign(m.id)}>
              {t('field.inbound.assign')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
