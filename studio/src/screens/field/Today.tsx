import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { FilesPanel } from '../../components/FilesPanel.tsx';
import { fieldApi, here, localDay, type CheckIn } from './api.ts';
import { isNetworkError, queue, type CheckInDraft, type Draft } from './outbox.ts';
import { DraftPhotos, OutboxPanel, useOutbox } from './OutboxPanel.tsx';

/** The visit in progress: one the server knows, or a check-in still waiting to be sent. */
interface OpenVisit {
  visitId: string;
  customerName: string | null;
  checkInAt: string;
  draft: boolean;
  visit?: CheckIn;
}

function openVisit(visits: CheckIn[], drafts: Draft[], me: string | undefined): OpenVisit | undefined {
  const checkedOut = (id: string) => drafts.some((d) => d.kind === 'checkout' && d.visit === id);
  const queued = drafts.find((d): d is CheckInDraft => d.kind === 'checkin' && !d.refused && !checkedOut(d.id));
  if (queued) return { visitId: queued.id, customerName: queued.customerName, checkInAt: queued.at, draft: true };
  const v = visits.find((v) => v.checkOutAt === null && v.userId === me && !checkedOut(v.visitId));
  return v ? { visitId: v.visitId, customerName: v.customerName ?? null, checkInAt: v.checkInAt, draft: false, visit: v } : undefined;
}

/** A problem in the rep's words: the field module's stable codes, else the server's message. */
function useProblem() {
  const { t } = useI18n();
  return (e: unknown): string => {
    const code = e instanceof ApiError ? e.code : e instanceof Error ? e.message : '';
    const known = t(`field.problems.${code}`);
    return known !== `field.problems.${code}` ? known : e instanceof Error ? e.message : String(e);
  };
}

/**
 * A rep's day on the phone: check in at a customer with one tap (the phone's position and time),
 * the visit in progress with its photos and a check-out, and the day's visits with how far from
 * the customer each was and how long it took.
 */
export default function Today() {
  const { t, locale } = useI18n();
  const session = useSession();
  const me = session.me?.user.id as string | undefined;
  const day = localDay();
  const visits = useAsync(() => fieldApi.day(day, me), [day, me]);
  const customers = useAsync(() => api.get<ListResponse>('/objects/customer', { limit: 200, sort: 'name' }).then((r) => r.data), []);
  const [customer, setCustomer] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const say = useProblem();
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const outbox = useOutbox(() => visits.reload());
  const open = openVisit(visits.data ?? [], outbox.drafts, me);
  // Offline, or the session not confirmed by the server yet: taps go to the outbox.
  const queueing = !outbox.online || session.offline;
  // Reads made before the service worker took control were not cached for offline use: read again.
  useEffect(() => {
    const again = () => {
      visits.reload();
      customers.reload();
    };
    window.addEventListener('attain:sw-control', again);
    return () => window.removeEventListener('attain:sw-control', again);
  }, []);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    setError(null);
    try {
      await fn();
      visits.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status >= 500) setError(e);
      else setProblem(say(e));
    } finally {
      setBusy(false);
    }
  };
  // A tap offline, or whose send found no network, becomes a draft with its key and time.
  const checkIn = () =>
    act(async () => {
      const position = await here();
      const name = (customers.data ?? []).find((c) => String(c.id) === customer)?.name;
      const draft: CheckInDraft = {
        kind: 'checkin',
        owner: outbox.owner,
        id: crypto.randomUUID(),
        key: crypto.randomUUID(),
        at: new Date().toISOString(),
        customerId: customer,
        customerName: String(name ?? customer),
        position,
      };
      if (queueing) return queue(draft);
      return fieldApi.checkIn(customer, position, draft.key, draft.at).catch((e: unknown) => (isNetworkError(e) ? queue(draft) : Promise.reject(e)));
    });
  const checkOut = (v: OpenVisit) =>
    act(async () => {
      const position = await here();
      const at = new Date().toISOString();
      const draft = { kind: 'checkout' as const, owner: outbox.owner, id: crypto.randomUUID(), at, visit: v.visitId, position };
      if (queueing || v.draft) return queue(draft);
      return fieldApi.checkOut(v.visitId, position, at).catch((e: unknown) => (isNetworkError(e) ? queue(draft) : Promise.reject(e)));
    });
  const distance = (v: CheckIn) => (v.distanceMeters === null ? t('field.noDistance') : t('field.distance', { meters: Math.round(v.distanceMeters) }));

  return (
    <section className="field-today">
      <PageHeader title={t('field.today')} />
      <ErrorAlert error={(queueing ? null : (visits.error ?? customers.error)) ?? error} />
      {queueing && <p className="muted small">{t('field.outbox.offline')}</p>}
      <OutboxPanel outbox={outbox} />
      {problem && (
        <p className="alert alert-warn" role="alert">
          {problem}
        </p>
      )}
      {open ? (
        <section className="card stack" aria-label={t('field.inProgress')} data-testid="visit-open">
          <h2>{t('field.atCustomer', { name: open.customerName ?? '—' })}</h2>
          <p className="muted">
            {t('field.since', { time: time.format(new Date(open.checkInAt)) })} · {open.visit ? distance(open.visit) : t('field.outbox.notSent')}
            {open.visit?.flagged && <span className="badge badge-warn"> {t(`field.flags.${open.visit.flagReason ?? 'outside_radius'}`)}</span>}
          </p>
          <button type="button" className="btn btn-primary btn-block" disabled={busy} onClick={() => void checkOut(open)}>
            {busy ? t('field.locating') : t('field.checkOut')}
          </button>
          {open.draft || queueing ? <DraftPhotos visit={open.visitId} outbox={outbox} /> : <FilesPanel object="visit" id={open.visitId} canEdit />}
        </section>
      ) : (
        <section className="card stack" aria-label={t('field.checkInTitle')}>
          <div className="field">
            <label htmlFor="field-customer">{t('field.customer')}</label>
            <select id="field-customer" value={customer} onChange={(e) => setCustomer(e.target.value)}>
              <option value="">{t('field.pickCustomer')}</option>
              {(customers.data ?? []).map((c) => (
                <option key={String(c.id)} value={String(c.id)}>
                  {String(c.name ?? c.id)}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="btn btn-primary btn-block" disabled={busy || !customer} onClick={() => void checkIn()}>
            {busy ? t('field.locating') : t('field.checkIn')}
          </button>
        </section>
      )}
      <h2>{t('field.visitsToday')}</h2>
      {visits.data && visits.data.length === 0 && <p className="muted">{t('field.noVisits')}</p>}
      <ul className="field-visits">
        {(visits.data ?? []).map((v) => (
          <li key={v.visitId} className="card">
            <Link to={`/o/visit/${v.visitId}`}>{v.customerName ?? '—'}</Link>
            <span className="muted small">
              {time.format(new Date(v.checkInAt))}
              {v.checkOutAt ? `–${time.format(new Date(v.checkOutAt))} · ${t('field.minutes', { n: v.durationMinutes ?? 0 })}` : ` · ${t('field.open')}`} · {distance(v)}
            </span>
            {v.flagged && <span className="badge badge-warn">{t(`field.flags.${v.flagReason ?? 'outside_radius'}`)}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
