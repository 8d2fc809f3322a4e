import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useText, type Task } from './text.ts';

interface Note {
  id: string;
  title: string;
  body: string | null;
  object: string | null;
  record_id: string | null;
  created_at: string;
  read_at: string | null;
}

/** One task as a card: big buttons so it works with one thumb on a phone. */
function TaskCard({ task, onDone }: { task: Task; onDone: () => void }) {
  const { label, formatDate } = useI18n();
  const x = useText();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const act = async (decision: 'approve' | 'reject' | 'send-back') => {
    if (decision !== 'approve' && !reason.trim()) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/workflow/tasks/${task.id}/${decision}`, reason.trim() ? { comment: reason.trim() } : {});
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const reasonId = `reason-${task.id}`;
  return (
    <article className="card" aria-label={task.title} data-testid="approval-task">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0, fontSize: '1.1rem' }}>
          <Link to={`/approvals/o/${task.object}/${task.record_id}`}>{task.title}</Link>
        </h2>
        <span className="badge badge-accent">{label(task.flow_label, task.flow_name)}</span>
      </div>
      <p className="muted small" style={{ margin: '6px 0' }}>
        {x('step')}: {label(task.step_label, task.step_name)} · {x('submittedBy')}: {formatDate(task.created_at, true)}
        {task.due_at && (
          <>
            {' '}
            · {x('due')}: {formatDate(task.due_at, true)}
          </>
        )}
        {task.onBehalfOf && <> · {x('onBehalf')}</>}
      </p>
      <label htmlFor={reasonId} className="small">
        {x('reason')}
      </label>
      <textarea
        id={reasonId}
        rows={2}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          setMissing(false);
        }}
        style={{ width: '100%' }}
      />
      {missing && (
        <p className="alert alert-warn" role="alert">
          {x('reasonRequired')}
        </p>
      )}
      <ErrorAlert error={error} />
      <div className="row" style={{ marginTop: 8 }}>
        <button type="button" className="btn btn-primary" style={{ flex: 1, minHeight: 44 }} disabled={busy} onClick={() => act('approve')}>
          <Icon name="check" size={16} /> {x('approve')}
        </button>
        <button type="button" className="btn btn-danger" style={{ flex: 1, minHeight: 44 }} disabled={busy} onClick={() => act('reject')}>
          {x('reject')}
        </button>
        <button type="button" className="btn" style={{ flex: 1, minHeight: 44 }} disabled={busy} onClick={() => act('send-back')}>
          {x('sendBack')}
        </button>
      </div>
    </article>
  );
}

export default function Inbox() {
  const { formatDate } = useI18n();
  const x = useText();
  const tasks = useAsync(() => api.get<{ data: Task[] }>('/workflow/tasks'), []);
  const notes = useAsync(() => api.get<{ data: Note[]; unread: number }>('/workflow/notifications'), []);
  const [tab, setTab] = useState<'tasks' | 'notes'>('tasks');
  const readAll = async () => {
    await api.post('/workflow/notifications/read', { all: true });
    notes.reload();
  };
  return (
    <section>
      <PageHeader title={x('inbox')} />
      <div className="row" role="tablist" style={{ marginBottom: 12 }}>
        <button type="button" role="tab" aria-selected={tab === 'tasks'} className={`btn ${tab === 'tasks' ? 'btn-primary' : ''}`} onClick={() => setTab('tasks')}>
          {x('approvals')} {tasks.data && <span className="badge">{tasks.data.data.length}</span>}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'notes'} className={`btn ${tab === 'notes' ? 'btn-primary' : ''}`} onClick={() => setTab('notes')}>
          {x('notifications')} {notes.data && notes.data.unread > 0 && <span className="badge badge-danger">{x('unread', { n: notes.data.unread })}</span>}
        </button>
      </div>
      {tab === 'tasks' && (
        <div>
          <ErrorAlert error={tasks.error} />
          {tasks.data && tasks.data.data.length === 0 && <p className="empty-state">{x('noTasks')}</p>}
          {tasks.data?.data.map((task) => (
            <TaskCard
              key={task.id}
              task={task}
              onDone={() => {
                tasks.reload();
                notes.reload();
              }}
            />
          ))}
        </div>
      )}
      {tab === 'notes' && (
        <div className="card card-flush">
          <div className="toolbar">
            <span className="spacer" />
            <button type="button" className="btn btn-sm" onClick={readAll}>
              {x('markAllRead')}
            </button>
          </div>
          <ErrorAlert error={notes.error} />
          {notes.data && notes.data.data.length === 0 && <p className="empty-state">{x('noNotifications')}</p>}
          <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {notes.data?.data.map((n) => (
              <li key={n.id} style={{ padding: '10px 14px', borderBottom: '1px solid var(--border)', fontWeight: n.read_at ? 'normal' : 600 }}>
                {n.object && n.record_id ? <Link to={`/approvals/o/${n.object}/${n.record_id}`}>{n.title}</Link> : n.title}
                <div className="muted small">
                  {n.body} · {formatDate(n.created_at, true)}
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
