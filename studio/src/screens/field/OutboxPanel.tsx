// What the field screen queued without a connection: the count waiting, each draft, and a
// refused one with the server's reason and a "discard" button (never dropped silently).
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { draftOwner, useSession } from '../../session.tsx';
import { discard, drafts as readDrafts, flush, onOutboxChange, queue, type Draft } from './outbox.ts';

export interface Outbox {
  drafts: Draft[];
  /** Whose drafts these are (`tenant/user`), stamped on each new one. */
  owner: string;
  /** The browser's idea of the connection (`navigator.onLine`), kept current. */
  online: boolean;
}

/**
 * The outbox as React state. Sends what waits whenever the server has just confirmed the session
 * (app start online, and again each time the connection returns), then calls `onSent`.
 */
export function useOutbox(onSent: () => void): Outbox {
  const session = useSession();
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [online, setOnline] = useState(() => navigator.onLine);
  const owner = draftOwner(session.me);
  useEffect(() => {
    let live = true;
    const read = () => void readDrafts(owner).then((d) => live && setDrafts(d));
    read();
    const stop = onOutboxChange(read);
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      live = false;
      stop();
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, [owner]);
  // Runs again each time the server confirms the session (not when onSent is a new function).
  useEffect(() => {
    if (session.checkedAt === 0 || session.offline) return;
    void flush(owner)
      .then((sent) => sent > 0 && onSent())
      .catch(() => undefined);
  }, [session.checkedAt, session.offline, owner]);
  return { drafts, online, owner };
}

/** Words for a refusal: the field module's stable code in the rep's language, else the server's message. */
export function useRefusalWords() {
  const { t } = useI18n();
  return (code: string, message: string): string => {
    const known = t(`field.problems.${code}`);
    return known !== `field.problems.${code}` ? known : message;
  };
}

export function OutboxPanel({ outbox }: { outbox: Outbox }) {
  const { t, locale } = useI18n();
  const words = useRefusalWords();
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  if (outbox.drafts.length === 0) return null;
  const label = (d: Draft) =>
    d.kind === 'checkin' ? t('field.outbox.checkIn', { name: d.customerName }) : d.kind === 'checkout' ? t('field.outbox.checkOut') : t('field.outbox.photo', { name: d.name });
  return (
    <section className="card stack" data-testid="field-outbox" aria-label={t('field.outbox.title')}>
      <h2>{t('field.outbox.waiting', { n: outbox.drafts.length })}</h2>
      <ul className="field-visits">
        {outbox.drafts.map((d) => (
          <li key={d.seq} data-testid="field-draft">
            <span>{label(d)}</span> <span className="muted small">{time.format(new Date(d.at))}</span>
            {d.refused && (
              <div className="stack">
                <p className="alert alert-warn" role="alert">
                  {words(d.refused.code, d.refused.message)}
                  {words(d.refused.code, d.refused.message) !== d.refused.message && <span className="muted small"> ({d.refused.message})</span>}
                </p>
                <button type="button" className="btn" onClick={() => void discard(d.seq as number)}>
                  {t('field.outbox.discard')}
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Photos of a visit taken while offline (or of a visit still waiting to be sent): queued, sent after it. */
export function DraftPhotos({ visit, outbox }: { visit: string; outbox: Outbox }) {
  const { t } = useI18n();
  const waiting = outbox.drafts.filter((d) => d.kind === 'photo' && d.visit === visit);
  const add = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      await queue({ kind: 'photo', owner: outbox.owner, id: crypto.randomUUID(), key: crypto.randomUUID(), at: new Date().toISOString(), visit, name: file.name, blob: file });
    }
  };
  return (
    <div className="field">
      <label htmlFor="field-draft-photo">{t('field.outbox.addPhoto')}</label>
      <input id="field-draft-photo" type="file" accept="image/*" capture="environment" multiple onChange={(e) => void add(e.target.files)} />
      {waiting.length > 0 && <p className="muted small">{t('field.outbox.photosWaiting', { n: waiting.length })}</p>}
    </div>
  );
}
