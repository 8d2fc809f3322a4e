import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { api } from '../../api/client.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { incentivesApi } from './api.ts';

interface Row {
  on: boolean;
  from: string;
}

/** Who is on the plan, from which date. Saving replaces this plan's assignments only. */
export function Assignments({ planId, stored }: { planId: string; stored: boolean }) {
  const { t } = useI18n();
  const users = useAsync(() => api.get<{ data: Array<{ id: string; name: string; role?: string; active?: boolean }> }>('/objects/user', { limit: 200, sort: 'name' }).then((r) => r.data), []);
  const current = useAsync(() => (stored ? incentivesApi.assignments(planId) : Promise.resolve([])), [planId, stored]);
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const firstOfMonth = `${new Date().toISOString().slice(0, 7)}-01`;
  useEffect(() => {
    const next: Record<string, Row> = {};
    for (const a of current.data ?? []) next[a.payeeId] = { on: true, from: a.from };
    setRows(next);
  }, [current.data]);
  const save = async () => {
    setError(null);
    setDone(false);
    try {
      await incentivesApi.assign(
        planId,
        Object.entries(rows)
          .filter(([, r]) => r.on)
          .map(([payeeId, r]) => ({ payeeId, from: r.from })),
      );
      setDone(true);
      current.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="card" data-testid="plan-assignments">
      <div className="inc-section-h">
        <h2>{t('incentives.assign.title')}</h2>
        <button type="button" className="btn btn-sm btn-primary" disabled={!stored} onClick={() => void save()}>
          {t('incentives.assign.save')}
        </button>
      </div>
      {!stored && <p className="muted small">{t('incentives.assign.saveFirst')}</p>}
      <ErrorAlert error={users.error ?? error} />
      {done && (
        <div className="alert alert-success" role="status">
          {t('incentives.assign.saved')}
        </div>
      )}
      <ul className="inc-assign-list">
        {(users.data ?? [])
          .filter((u) => u.active !== false)
          .map((u) => {
            const row = rows[u.id] ?? { on: false, from: firstOfMonth };
            return (
              <li key={u.id}>
                <label className="checkbox-line" style={{ flex: 1, minWidth: 140 }}>
                  <input type="checkbox" checked={row.on} disabled={!stored} onChange={(e) => setRows({ ...rows, [u.id]: { ...row, on: e.target.checked } })} /> {u.name}
                </label>
                {row.on && (
                  <input type="date" aria-label={t('incentives.assign.from', { name: u.name })} value={row.from} onChange={(e) => setRows({ ...rows, [u.id]: { ...row, from: e.target.value } })} />
                )}
              </li>
            );
          })}
      </ul>
    </div>
  );
}
