import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Label, ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { allFieldInfos } from '../../lib/meta.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ACTION_TEXT, useText, type HistoryEntry, type Instance } from './text.ts';
import './workflow.css';

interface FlowDoc {
  name: string;
  label: Label;
  active?: boolean;
  subject?: string;
  lockedFields?: string[];
  steps: Array<{ name: string; label?: Label; mode?: 'any' | 'all' }>;
}

const STATUS: Record<string, { cls: string; key: 'statusPending' | 'statusReturned' | 'statusApproved' | 'statusRejected' | 'statusWithdrawn' }> = {
  pending: { cls: 'badge-accent', key: 'statusPending' },
  returned: { cls: 'badge-danger', key: 'statusReturned' },
  approved: { cls: 'badge-success', key: 'statusApproved' },
  rejected: { cls: 'badge-danger', key: 'statusRejected' },
  withdrawn: { cls: '', key: 'statusWithdrawn' },
};

export interface ApprovalPanelProps {
  object: string;
  id: string;
  /** Called after an action changed the approval, so the page can reload the (un)locked record. */
  onChange?: () => void;
}

/**
 * The approval state of one record, embedded in its detail page: pending or not, what is locked,
 * the current step and who must act, the submitter's actions, and the whole history. Renders
 * nothing when no approval flow applies to the object and the record has never been submitted.
 */
export default function ApprovalPanel({ object, id, onChange }: ApprovalPanelProps) {
  const { label, locale, formatDate } = useI18n();
  const session = useSession();
  const x = useText();
  const flows = useAsync(() => api.get<{ data: FlowDoc[] }>('/workflow/flows', { object }), [object]);
  const state = useAsync(() => api.get<{ data: Instance[]; history: HistoryEntry[] }>('/workflow/approvals', { object, recordId: id }), [object, id]);
  const [flow, setFlow] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const instances = state.data?.data ?? [];
  const active = instances.find((i) => i.status === 'pending' || i.status === 'returned');
  const latest = active ?? instances[0];
  const openTasks = active?.status === 'pending' ? active.tasks.filter((k) => k.status === 'open') : [];
  const approverIds = [...new Set(openTasks.map((k) => k.approver_id))];
  const people = useAsync(
    () => (approverIds.length ? api.get<ListResponse>('/objects/user', { filter: JSON.stringify({ id: { in: approverIds } }), limit: 50 }).catch(() => null) : Promise.resolve(null)),
    [approverIds.join()],
  );
  const usable = (flows.data?.data ?? []).filter((f) => f.active !== false && (f.subject ?? 'record') === 'record');
  if (flows.loading && !flows.data) return null;
  if (usable.length === 0 && instances.length === 0) return null;

  const me = session.me?.user.id;
  const mine = Boolean(active && active.submitter_id === me);
  const involved = mine || Boolean(active?.tasks.some((k) => k.approver_id === me));
  const canSubmit = !active && usable.length > 0 && session.can(object, 'update');
  const chosen = flow || usable[0]?.name || '';
  const flowDoc = (name: string | undefined) => (flows.data?.data ?? []).find((f) => f.name === name);
  const current = latest ? flowDoc(latest.flow_name) : undefined;
  const step = active?.status === 'pending' && current ? current.steps[active.step_index] : undefined;
  const person = (uid: string) => String(people.data?.data.find((u) => u.id === uid)?.name ?? uid.slice(0, 8));
  const locked = active?.status === 'pending' ? active.locked_fields : [];
  const doc = session.object(object);
  const fieldLabel = (name: string) => (name === '*' ? x('lockedAll') : label(doc ? allFieldInfos(doc).find((f) => f.name === name)?.label : undefined, name));
  const status = latest ? STATUS[latest.status] : undefined;

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setComment('');
      state.reload();
      onChange?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const body = comment.trim() ? { comment: comment.trim() } : {};
  const history = state.data?.history ?? [];

  return (
    <section className="card wf-panel" aria-labelledby="wf-panel-title" data-testid="approval-panel">
      <div className="wf-panel-head">
        <h2 id="wf-panel-title">{x('panelTitle')}</h2>
        <span className={`badge ${status?.cls ?? ''}`} data-testid="approval-status">
          {status ? x(status.key) : x('notSubmitted')}
        </span>
        {latest && (
          <span className="muted small">
            {label(current?.label, latest.flow_name)}
            {latest.round > 1 ? ` · ${x('roundN', { n: latest.round })}` : ''}
          </span>
        )}
        <span className="spacer" />
        <Link className="btn btn-sm btn-ghost" to={`/approvals/o/${object}/${id}`}>
          {x('openApprovals')}
        </Link>
      </div>
      <ErrorAlert error={flows.error ?? state.error ?? error} />
      {locked.length > 0 ? (
        <p className="alert alert-warn wf-lock" data-testid="lock-state" role="status">
          {x('locked', { fields: locked.map(fieldLabel).join(', ') })}
        </p>
      ) : (
        <p className="muted small wf-lock" data-testid="lock-state">
          {active?.status === 'returned' ? x('returnedHint') : x('unlocked')}
        </p>
      )}
      {active?.status === 'pending' && (
        <dl className="wf-facts">
          <div>
            <dt>{x('currentStep')}</dt>
            <dd data-testid="approval-step">
              {step ? label(step.label, step.name) : `#${active.step_index + 1}`}
              {step?.mode === 'all' ? ` (${x('modeAll')})` : ''}
            </dd>
          </div>
          <div>
            <dt>{x('waitingOn')}</dt>
            <dd data-testid="approval-approvers">{approverIds.map(person).join(', ') || '—'}</dd>
          </div>
          {active.created_at && (
            <div>
              <dt>{x('submittedOn')}</dt>
              <dd>{formatDate(active.created_at, true)}</dd>
            </div>
          )}
        </dl>
      )}
      {(canSubmit || (active && involved)) && (
        <div className="wf-actions">
          <label htmlFor={`wf-comment-${id}`} className="visually-hidden">
            {x('comment')}
          </label>
          <textarea id={`wf-comment-${id}`} rows={2} placeholder={x('commentOptional')} value={comment} onChange={(e) => setComment(e.target.value)} style={{ minHeight: 56 }} />
          {canSubmit && usable.length > 1 && (
            <select aria-label={x('flow')} value={chosen} onChange={(e) => setFlow(e.target.value)}>
              {usable.map((f) => (
                <option key={f.name} value={f.name}>
                  {label(f.label, f.name)}
                </option>
              ))}
            </select>
          )}
          {canSubmit && (
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run(() => api.post('/workflow/approvals', { flow: chosen, recordId: id, ...body }))}>
              {x('submit')}
            </button>
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
          {active && involved && (
            <button type="button" className="btn" disabled={busy || !comment.trim()} onClick={() => run(() => api.post(`/workflow/approvals/${active.id}/comment`, body))}>
              {x('addComment')}
            </button>
          )}
        </div>
      )}
      <div>
        <h3 className="small muted" style={{ margin: '4px 0 8px', textTransform: 'uppercase', letterSpacing: '0.04em' }}>
          {x('history')}
        </h3>
        {history.length === 0 ? (
          <p className="muted small" style={{ margin: 0 }}>
            {x('noHistory')}
          </p>
        ) : (
          <ol className="wf-timeline" data-testid="approval-history">
            {[...history].reverse().map((h) => (
              <li key={h.id} data-action={h.action}>
                {h.step_index === null && (h.action === 'approved' || h.action === 'rejected') ? (
                  <strong>{x(h.action === 'approved' ? 'finalApproved' : 'finalRejected')}</strong>
                ) : (
                  <>
                    <strong>{h.actor_label ?? '—'}</strong> {ACTION_TEXT[h.action]?.[locale] ?? h.action}
                  </>
                )}
                {h.step_index !== null && current?.steps[h.step_index] ? ` · ${label(current.steps[h.step_index]?.label, current.steps[h.step_index]?.name ?? '')}` : ''}{' '}
                <span className="muted small">{formatDate(h.at, true)}</span>
                {h.comment && <span className="wf-comment">“{h.comment}”</span>}
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
