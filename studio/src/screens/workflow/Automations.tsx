import type { Label } from '../../api/types.ts';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useText } from './text.ts';

interface Rule {
  id: string;
  name: string;
  label: Label;
  object?: string;
  trigger: { type: string; on?: string[]; cron?: string };
}

interface Run {
  id: string;
  rule: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  record_id: string | null;
}

const TEMPLATE = {
  kind: 'automation',
  id: 'rule.new',
  name: 'new_rule',
  label: { en: 'New rule' },
  object: 'opportunity',
  trigger: { type: 'record', on: ['update'], changed: ['stage'] },
  condition: 'stage = "closed_won"',
  actions: [{ type: 'notify', to: [{ type: 'owner' }], template: { title: { en: 'Won: {{record.name}}' } } }],
};

/** Automation rules (edited as their JSON document, checked by the server) and their run log. */
export default function Automations() {
  const x = useText();
  const { label, formatDate } = useI18n();
  const session = useSession();
  const rules = useAsync(() => api.get<{ data: Rule[] }>('/workflow/automations'), []);
  const [filter, setFilter] = useState('');
  const runs = useAsync(() => api.get<{ data: Run[] }>('/workflow/runs', filter ? { rule: filter } : {}), [filter]);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const edit = (r: Rule | null) => {
    setSaved(false);
    setText(JSON.stringify(r ?? TEMPLATE, null, 2));
  };
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      const doc = JSON.parse(text) as { name: string };
      await api.put(`/workflow/automations/${doc.name}`, doc);
      setSaved(true);
      rules.reload();
      await session.refreshMetadata();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <PageHeader title={x('automations')} actions={<button type="button" className="btn btn-primary" onClick={() => edit(null)}>+</button>} />
      <ErrorAlert error={rules.error ?? error} />
      <div className="card card-flush">
        <table className="data">
          <thead><tr><th scope="col">{x('rule')}</th><th scope="col">{x('object')}</th><th scope="col">Trigger</th><th /></tr></thead>
          <tbody>
            {rules.data?.data.map((r) => (
              <tr key={r.id}>
                <td><button type="button" className="btn btn-ghost btn-sm" onClick={() => edit(r)}>{label(r.label, r.name)}</button></td>
                <td>{r.object ?? '—'}</td>
                <td>{r.trigger.type === 'schedule' ? `cron ${r.trigger.cron}` : (r.trigger.on ?? []).join(', ')}</td>
                <td><button type="button" className="btn btn-sm" onClick={() => setFilter(r.name)}>{x('runLog')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {text && (
        <div className="card stack">
          <label htmlFor="rule-doc">{x('document')}</label>
          <textarea id="rule-doc" rows={16} value={text} onChange={(e) => setText(e.target.value)} style={{ width: '100%', fontFamily: 'monospace' }} />
          {saved && <p className="alert alert-success" role="status">{x('done')}</p>}
          <div className="row"><button type="button" className="btn btn-primary" onClick={save}>{x('save')}</button></div>
        </div>
      )}
      <div className="card card-flush">
        <div className="toolbar"><strong>{x('runLog')}</strong> {filter && <span className="badge">{filter}</span>}</div>
        <ErrorAlert error={runs.error} />
        <table className="data">
          <thead><tr><th scope="col">{x('rule')}</th><th scope="col">{x('status')}</th><th scope="col">#</th><th scope="col">Error</th><th scope="col">At</th></tr></thead>
          <tbody>
            {runs.data?.data.map((r) => (
              <tr key={r.id}>
                <td>{r.rule}</td>
                <td><span className={`badge ${r.status === 'done' ? 'badge-success' : r.status === 'failed' ? 'badge-danger' : ''}`}>{r.status}</span></td>
                <td>{r.attempts}</td>
                <td className="small">{r.last_error ?? ''}</td>
                <td className="small">{formatDate(r.created_at, true)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
