import type { Label } from '../../api/types.ts';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { loadRoles } from '../../lib/roles.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { RuleForm } from './RuleForm.tsx';
import { cleanRule, newRule, type RuleDoc } from './rule-model.ts';
import { useText } from './text.ts';
import './workflow.css';

interface Run {
  id: string;
  rule: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  object: string | null;
  record_id: string | null;
}

interface Editing {
  doc: RuleDoc;
  isNew: boolean;
  tab: 'form' | 'json';
  /** The JSON tab's text while it is being edited. */
  text: string;
}

const RUN_CLASS: Record<string, string> = { done: 'badge-success', failed: 'badge-danger', retry: 'badge-accent' };

/** Automation rules: a form editor (with the document as an advanced JSON tab) and the run log. */
export default function Automations() {
  const x = useText();
  const { label, formatDate } = useI18n();
  const session = useSession();
  const rules = useAsync(() => api.get<{ data: RuleDoc[] }>('/workflow/automations'), []);
  const flows = useAsync(() => api.get<{ data: Array<{ name: string; label: Label; object?: string; subject?: string }> }>('/workflow/flows'), []);
  const roles = useAsync(() => loadRoles().catch(() => []), []);
  const [filter, setFilter] = useState('');
  const runs = useAsync(() => api.get<{ data: Run[] }>('/workflow/runs', filter ? { rule: filter } : {}), [filter]);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const open = (r: RuleDoc | null) => {
    setSaved(false);
    setError(null);
    const doc = r ? structuredClone(r) : newRule(session.objects.find((o) => o.name === 'opportunity')?.name ?? session.objects[0]?.name ?? '');
    setEditing({ doc, isNew: !r, tab: 'form', text: '' });
    if (r) setFilter(r.name);
  };
  const setDoc = (doc: RuleDoc) => editing && setEditing({ ...editing, doc });
  /** The document as it stands, from whichever tab is showing. */
  const current = (): RuleDoc => {
    if (!editing) throw new Error('nothing is being edited');
    if (editing.tab === 'form') return cleanRule(editing.doc);
    try {
      return JSON.parse(editing.text) as RuleDoc;
    } catch (err) {
      throw new Error(x('invalidJson', { error: err instanceof Error ? err.message : String(err) }));
    }
  };
  const switchTab = (tab: 'form' | 'json') => {
    if (!editing || tab === editing.tab) return;
    setError(null);
    try {
      const doc = current();
      setEditing({ ...editing, doc, tab, text: tab === 'json' ? JSON.stringify(doc, null, 2) : '' });
    } catch (err) {
      setError(err);
    }
  };
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      const doc = current();
      await api.put(`/workflow/automations/${encodeURIComponent(doc.name)}`, doc);
      setSaved(true);
      setEditing(editing && { ...editing, doc, isNew: false });
      setFilter(doc.name);
      rules.reload();
      await session.refreshMetadata();
    } catch (err) {
      setError(err);
    }
  };
  const objectOf = (rule: string) => rules.data?.data.find((r) => r.name === rule)?.object;
  const recordFlows = (flows.data?.data ?? []).filter((f) => (f.subject ?? 'record') === 'record');

  return (
    <section>
      <PageHeader
        title={x('automations')}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => open(null)}>
            + {x('newRule')}
          </button>
        }
      />
      <ErrorAlert error={rules.error} />
      <div className="card card-flush">
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{x('rule')}</th>
                <th scope="col">{x('object')}</th>
                <th scope="col">{x('trigger')}</th>
                <th scope="col">
                  <span className="visually-hidden">{x('runLog')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.data?.data.map((r) => (
                <tr key={r.id}>
                  <td>
                    <button type="button" className="btn btn-ghost btn-sm" onClick={() => open(r)}>
                      {label(r.label, r.name)}
                    </button>
                    {r.active === false && <span className="badge">off</span>}
                  </td>
                  <td>{r.object ? label(session.object(r.object)?.label, r.object) : '—'}</td>
                  <td className="small">
                    {r.trigger.type === 'schedule' ? (
                      <code>{r.trigger.cron}</code>
                    ) : (
                      (r.trigger.on ?? []).map((o) => x(o === 'create' ? 'onCreate' : o === 'update' ? 'onUpdate' : 'onDelete')).join(', ')
                    )}
                  </td>
                  <td>
                    <button type="button" className="btn btn-sm" onClick={() => setFilter(r.name)}>
                      {x('runLog')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {editing && (
        <div className="card" data-testid="rule-editor">
          <h2 style={{ marginTop: 0 }}>{editing.isNew ? x('newRule') : `${x('editRule')}: ${label(editing.doc.label, editing.doc.name)}`}</h2>
          <div className="wf-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={editing.tab === 'form'} onClick={() => switchTab('form')}>
              {x('form')}
            </button>
            <button type="button" role="tab" aria-selected={editing.tab === 'json'} onClick={() => switchTab('json')}>
              {x('advanced')}
            </button>
          </div>
          {editing.tab === 'form' ? (
            <RuleForm doc={editing.doc} onChange={setDoc} isNew={editing.isNew} ctx={{ objects: session.objects, flows: recordFlows, roles: roles.data ?? [] }} />
          ) : (
            <>
              <label htmlFor="rule-doc" className="visually-hidden">
                {x('document')}
              </label>
              <textarea id="rule-doc" className="wf-json" rows={20} value={editing.text} onChange={(e) => setEditing({ ...editing, text: e.target.value })} spellCheck={false} />
            </>
          )}
          <div style={{ marginTop: 12 }}>
            <ErrorAlert error={error} />
            {saved && (
              <p className="alert alert-success" role="status">
                {x('done')}
              </p>
            )}
          </div>
          <div className="row" style={{ marginTop: 12 }}>
            <button type="button" className="btn btn-primary" onClick={save}>
              {x('save')}
            </button>
            <button type="button" className="btn" onClick={() => setEditing(null)}>
              {x('cancel')}
            </button>
          </div>
        </div>
      )}
      <div className="card card-flush" data-testid="run-log">
        <div className="toolbar">
          <strong>{x('runLog')}</strong>
          <span className="badge">{filter || x('allRules')}</span>
          {filter && (
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setFilter('')}>
              ✕
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="btn btn-sm" onClick={runs.reload}>
            {x('refresh')}
          </button>
        </div>
        <ErrorAlert error={runs.error} />
        {runs.data && runs.data.data.length === 0 && (
          <p className="muted" style={{ padding: '0 12px' }}>
            {x('noRuns')}
          </p>
        )}
        {runs.data && runs.data.data.length > 0 && (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{x('rule')}</th>
                  <th scope="col">{x('status')}</th>
                  <th scope="col">{x('record')}</th>
                  <th scope="col" className="num">
                    {x('attempts')}
                  </th>
                  <th scope="col">{x('error')}</th>
                  <th scope="col">{x('at')}</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.data.map((r) => {
                  const object = r.object ?? objectOf(r.rule);
                  return (
                    <tr key={r.id} data-testid="run-row">
                      <td>{r.rule}</td>
                      <td>
                        <span className={`badge ${RUN_CLASS[r.status] ?? ''}`}>{r.status}</span>
                      </td>
                      <td className="small">{r.record_id && object ? <Link to={`/o/${object}/${r.record_id}`}>{r.record_id.slice(0, 8)}</Link> : '—'}</td>
                      <td className="num">{r.attempts}</td>
                      <td className="small">{r.last_error ?? ''}</td>
                      <td className="small">{formatDate(r.created_at, true)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
