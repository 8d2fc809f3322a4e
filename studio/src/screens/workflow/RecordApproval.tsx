import type { Label } from '../../api/types.ts';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { titleField } from '../../lib/meta.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ACTION_TEXT, useText, type HistoryEntry, type Instance } from './text.ts';

interface Flow {
  name: string;
  label: Label;
}

const STATUS_CLASS: Record<string, string> = { pending: 'badge-accent', approved: 'badge-success', rejected: 'badge-danger' };

/** The approvals of one record: submit, withdraw, resubmit, comment, and the full history. */
export default function RecordApproval({ params }: ScreenProps) {
  const object = params.object ?? '';
  const id = params.id ?? '';
  const { label, locale, formatDate } = useI18n();
  const session = useSession();
  const x = useText();
  const doc = session.object(object);
  const record = useAsync(() => api.get<RecordRow>(`/objects/${object}/${id}`), [object, id]);
  const state = useAsync(() => api.get<{ data: Instance[]; history: HistoryEntry[] }>('/workflow/approvals', { object, recordId: id }), [object, id]);
  const flows = useAsync(() => api.get<{ data: Flow[] }>('/workflow/flows', { object }), [object]);
  const [flow, setFlow] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const active = state.data?.data.find((i) => i.status === 'pending' || i.status === 'returned');
  const mine = active && active.submitter_id === session.me?.user.id;
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setComment('');
      state.reload();
      record.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const body = comment.trim() ? { comment: comment.trim() } : {};
  const title = record.data && doc ? String(record.data[titleField(doc)] ?? id) : id;
  const chosen = flow || flows.data?.data[0]?.name || '';

  return (
    <section>
      <PageHeader title={`${x('approvals')}: ${title}`} crumbs={[{ to: `/o/${object}/${id}`, text: title }]} />
      <ErrorAlert error={record.error ?? state.error ?? error} />
      <div className="card stack">
        <div className="row">
          <strong>{x('status')}:</strong>
          {active ? (
            <span className={`badge ${STATUS_CLASS[active.status] ?? ''}`} data-testid="approval-status">
              {active.status}
            </span>
          ) : (
            <span className={`badge ${STATUS_CLASS[state.data?.data[0]?.status ?? ''] ?? ''}`} data-testid="approval-status">
              {state.data?.data[0]?.status ?? '—'}
            </span>
          )}
        </div>
        <p data-testid="lock-state" className={active?.status === 'pending' ? 'alert alert-warn' : 'muted'}>
          {active?.status === 'pending' ? x('locked', { fields: active.locked_fields.join(', ') || '—' }) : x('unlocked')}
        </p>
        <label htmlFor="approval-comment">{x('comment')}</label>
        <textarea id="approval-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
        <div className="row">
          {!active && flows.data && flows.data.data.length > 0 && (
            <>
              <select id="approval-flow" aria-label={x('flow')} value={chosen} onChange={(e) => setFlow(e.target.value)}>
                {flows.data.data.map((f) => (
                  <option key={f.name} value={f.name}>
                    {label(f.label, f.name)}
                  </option>
                ))}
              </select>
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run(() => api.post('/workflow/approvals', { flow: chosen, recordId: id, ...body }))}>
                {x('submit')}
              </button>
            </>
          )}
          {active && mine && active.status === 'returned' && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run(() => api.post(`/workflow/approvals/${active.id}/resubmit`, body))}>
              {x('resubmit')}
            </button>
          )}
          {active && mine && (
            <button type="button" className="btn" disabled={busy} onClick={() => run(() => api.post(`/workflow/approvals/${active.id}/withdraw`, body))}>
              {x('withdraw')}
            </button>
          )}
          {active && (
            <button type="button" className="btn" disabled={busy || !comment.trim()} onClick={() => run(() => api.post(`/workflow/approvals/${active.id}/comment`, body))}>
              {x('addComment')}
            </button>
          )}
          <span className="spacer" />
          <Link className="btn btn-sm" to={`/o/${object}/${id}`}>
            {title}
          </Link>
        </div>
      </div>
      <div className="card">
        <h2 style={{ marginTop: 0 }}>{x('history')}</h2>
        {state.data && state.data.history.length === 0 && <p className="muted">{x('noHistory')}</p>}
        <ol data-testid="approval-history" style={{ paddingLeft: 18 }}>
          {state.data?.history.map((h) => (
            <li key={h.id} style={{ marginBottom: 6 }}>
              <strong>{h.actor_label ?? '—'}</strong> {ACTION_TEXT[h.action]?.[locale] ?? h.action}
              {h.comment && <>: “{h.comment}”</>} <span className="muted small">{formatDate(h.at, true)}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
