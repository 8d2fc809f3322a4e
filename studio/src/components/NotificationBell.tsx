import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, useRouter } from '../lib/router.tsx';
import { Icon } from './Icon.tsx';

interface Note {
  id: string;
  title: string;
  body: string | null;
  object: string | null;
  record_id: string | null;
  created_at: string;
  read_at: string | null;
}

// How often the header asks for the unread count while the tab is visible; also on focus and on
// every navigation, so a new notice shows within a minute without a push channel.
const POLL_MS = 60_000;
const SHOWN = 10;

/**
 * The header's bell: unread count from the workflow inbox, the latest notices in a panel, each
 * marked read when opened. Hidden when the tenant has no workflow module (the route is absent).
 */
export function NotificationBell() {
  const { t, formatDate } = useI18n();
  const { path } = useRouter();
  const [unread, setUnread] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [absent, setAbsent] = useState(false);
  // The panel hangs from the viewport's right edge just below the bell, so it fits a phone
  // whatever sits to the bell's right in the header.
  const [top, setTop] = useState(56);
  const box = useRef<HTMLDivElement>(null);

  const refresh = useCallback(async () => {
    try {
      setUnread((await api.get<{ unread: number }>('/workflow/notifications/unread-count')).unread);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setAbsent(true);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh, path]);
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    const timer = setInterval(tick, POLL_MS);
    window.addEventListener('focus', tick);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', tick);
    };
  }, [refresh]);

  const load = useCallback(async () => {
    const res = await api.get<{ data: Note[]; unread: number }>('/workflow/notifications', { limit: SHOWN });
    setNotes(res.data);
    setUnread(res.unread);
  }, []);

  useEffect(() => {
    if (!open) return;
    void load();
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open, load]);
  useEffect(() => setOpen(false), [path]);

  const markRead = async (ids: string[] | 'all') => {
    await api.post('/workflow/notifications/read', ids === 'all' ? { all: true } : { ids });
    await load();
  };

  if (absent) return null;
  const count = unread ?? 0;
  const label = count > 0 ? t('shell.notificationsUnread', { n: count }) : t('shell.notifications');
  return (
    <div ref={box} style={{ position: 'relative' }}>
      <button
        className="icon-btn"
        type="button"
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={(e) => {
          setTop(e.currentTarget.getBoundingClientRect().bottom + 6);
          setOpen((o) => !o);
        }}
        style={{ position: 'relative' }}
      >
        <Icon name="bell" />
        {count > 0 && (
          <span className="badge badge-danger" aria-hidden="true" style={{ position: 'absolute', top: -2, right: -4, padding: '0 5px', fontSize: '0.7rem', lineHeight: '16px', minWidth: 16 }}>
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      {open && (
        <div
          role="dialog"
          aria-label={t('shell.notifications')}
          className="card card-flush"
          style={{ position: 'fixed', right: 8, top, width: 'min(360px, calc(100vw - 16px))', maxHeight: '70vh', overflowY: 'auto', zIndex: 50, boxShadow: '0 8px 24px rgb(0 0 0 / 0.18)' }}
        >
          <div className="toolbar">
            <strong>{t('shell.notifications')}</strong>
            <span className="spacer" />
            <button type="button" className="btn btn-sm" disabled={count === 0} onClick={() => void markRead('all')}>
              {t('shell.markAllRead')}
            </button>
          </div>
          {notes && notes.length === 0 && <p className="empty-state">{t('shell.noNotifications')}</p>}
          <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {notes?.map((n) => (
              <li key={n.id} style={{ padding: '10px 14px', borderTop: '1px solid var(--border)', fontWeight: n.read_at ? 'normal' : 600 }}>
                {n.object && n.record_id ? (
                  <Link to={`/approvals/o/${n.object}/${n.record_id}`} onClick={() => void (n.read_at ? undefined : markRead([n.id]))}>
                    {n.title}
                  </Link>
                ) : (
                  <button type="button" style={{ all: 'unset', cursor: 'pointer', minHeight: 24 }} onClick={() => void (n.read_at ? undefined : markRead([n.id]))}>
                    {n.title}
                  </button>
                )}
                <div className="muted small" style={{ fontWeight: 'normal' }}>
                  {n.body ? `${n.body} · ` : ''}
                  {formatDate(n.created_at, true)}
                </div>
              </li>
            ))}
          </ul>
          <div className="toolbar" style={{ borderTop: '1px solid var(--border)' }}>
            <Link to="/approvals">{t('shell.allNotifications')}</Link>
          </div>
        </div>
      )}
    </div>
  );
}
