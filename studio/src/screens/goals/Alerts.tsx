import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { goalsApi, type Notice } from './api.ts';

/**
 * Goal alerts for the signed-in user: their own, and their team's when they manage one. With
 * `subjects`, only the alerts about those people (the team board shows the ones about its rows).
 */
export function Alerts({ kpiLabel, subjects }: { kpiLabel: (name: string) => string; subjects?: ReadonlySet<string> }) {
  const { t, formatDate } = useI18n();
  const session = useSession();
  const me = session.me?.user.id;
  const list = useAsync(() => goalsApi.notifications().catch(() => ({ data: [] as Notice[], unread: 0 })), []);
  const [busy, setBusy] = useState(false);
  const items = (list.data?.data ?? []).filter((n) => !subjects || subjects.has(n.subject_id));
  if (!items.length) return null;
  const text = (n: Notice) => {
    const self = n.subject_id === me;
    const params = { ...n.params, kpi: kpiLabel(String(n.params.kpi ?? '')), pacing: Math.round(Number(n.params.pacing ?? 0) * 100), threshold: Math.round(Number(n.params.threshold ?? 0) * 100) };
    return t(`goals.alerts.${n.kind}.${self ? 'self' : 'team'}`, params);
  };
  return (
    <div className="card goal-alerts" role="region" aria-label={t('goals.alerts.title')}>
      <div className="row">
        <h2>{t('goals.alerts.title')}</h2>
        <span className="spacer" />
        {(list.data?.unread ?? 0) > 0 && (
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void goalsApi.markRead('all').finally(() => {
                setBusy(false);
                list.reload();
              });
            }}
          >
            {t('goals.alerts.markRead')}
          </button>
        )}
      </div>
      <ul>
        {items.slice(0, 8).map((n) => (
          <li key={n.id} className={n.read_at ? 'is-read' : ''} data-testid="goal-alert">
            <span className={`goal-dot tone-${n.kind === 'pacing_below' ? 'bad' : 'warn'}`} aria-hidden="true" />
            <span>{text(n)}</span>
            <span className="muted small">{formatDate(n.created_at, true)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
