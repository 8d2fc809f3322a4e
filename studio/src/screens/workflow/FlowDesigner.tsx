import type { Label } from '../../api/types.ts';
import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { Link, useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { useText } from './text.ts';
import { ApproverEditor, type Approver } from './ApproverEditor.tsx';
import { FlowPreview } from './FlowPreview.tsx';
import { useDirectory } from './directory.ts';

type Step = { name: string; mode?: 'any' | 'all'; condition?: string; approvers: Approver[]; sla?: { hours: number } };
type FlowDoc = { kind: 'approval_flow'; id: string; name: string; label: Label; object: string; entryCondition?: string; lockedFields?: string[]; steps: Step[]; [k: string]: unknown };

function blank(): FlowDoc {
  return { kind: 'approval_flow', id: `flow.${Date.now().toString(36)}`, name: '', label: { en: '' }, object: '', steps: [{ name: 'manager', approvers: [{ type: 'manager', levels: 1 }] }] };
}

/** List of flows, or the designer of one (`/admin/flows/:name`, `new` for a new flow). */
export default function FlowDesigner({ params }: ScreenProps) {
  const x = useText();
  const { label } = useI18n();
  const session = useSession();
  const { navigate } = useRouter();
  const name = params.name;
  const flows = useAsync(() => api.get<{ data: FlowDoc[] }>('/workflow/flows'), []);
  const [doc, setDoc] = useState<FlowDoc | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const dir = useDirectory();

  useEffect(() => {
    if (!name) return;
    if (name === 'new') setDoc(blank());
    else if (flows.data) setDoc(structuredClone(flows.data.data.find((f) => f.name === name) ?? null));
  }, [name, flows.data]);

  if (!name) {
    return (
      <section>
        <PageHeader
          title={x('flows')}
          actions={
            <Link className="btn btn-primary" to="/admin/flows/new">
              {x('newFlow')}
            </Link>
          }
        />
        <ErrorAlert error={flows.error} />
        <div className="card card-flush">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">{x('label')}</th>
                <th scope="col">{x('object')}</th>
                <th scope="col">{x('steps')}</th>
              </tr>
            </thead>
            <tbody>
              {flows.data?.data.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Link to={`/admin/flows/${f.name}`}>{label(f.label, f.name)}</Link>
                  </td>
                  <td>{f.object}</td>
                  <td>{f.steps.map((s) => s.name).join(' → ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    );
  }
  if (!doc) return <ErrorAlert error={flows.error} />;
  const objects = session.objects;
  const update = (patch: Partial<FlowDoc>) => setDoc({ ...doc, ...patch });
  const setStep = (i: number, s: Step) => update({ steps: doc.steps.map((x0, j) => (j === i ? s : x0)) });

  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      const clean = { ...doc, steps: doc.steps.map((s) => ({ ...s, ...(s.condition ? {} : { condition: undefined }) })), ...(doc.entryCondition ? {} : { entryCondition: undefined }) };
      await api.put(`/workflow/flows/${doc.name}`, JSON.parse(JSON.stringify(clean)));
      setSaved(true);
      await session.refreshMetadata();
      if (name === 'new') navigate(`/admin/flows/${doc.name}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <PageHeader
        title={label(doc.label, doc.name || x('newFlow'))}
        crumbs={[{ to: '/admin/flows', text: x('flows') }]}
        actions={
          <button type="button" className="btn btn-primary" onClick={save}>
            {x('save')}
          </button>
        }
      />
      <ErrorAlert error={error} />
      {saved && (
        <p className="alert alert-success" role="status">
          {x('saved')}
        </p>
      )}
      <div className="card stack">
        <div className="row">
          <label htmlFor="flow-label">{x('label')}</label>
          <input id="flow-label" value={doc.label.en ?? ''} onChange={(e) => update({ label: { ...doc.label, en: e.target.value } })} />
          <label htmlFor="flow-name">{x('name')}</label>
          <input id="flow-name" value={doc.name} disabled={name !== 'new'} onChange={(e) => update({ name: e.target.value })} />
          <label htmlFor="flow-object">{x('object')}</label>
          <select id="flow-object" value={doc.object} onChange={(e) => update({ object: e.target.value })}>
            <option value="" />
            {objects.map((o) => (
              <option key={o.name} value={o.name}>
                {label(o.label, o.name)}
              </option>
            ))}
          </select>
        </div>
        {doc.object && (
          <>
            <label htmlFor="flow-entry">{x('entryCondition')}</label>
            <FormulaEditor id="flow-entry" value={doc.entryCondition ?? ''} onChange={(v) => update({ entryCondition: v })} objects={objects} root={doc.object} expectedType="boolean" />
          </>
        )}
        <label htmlFor="flow-locked">{x('lockedFields')}</label>
        <input
          id="flow-locked"
          value={(doc.lockedFields ?? []).join(', ')}
          onChange={(e) =>
            update({
              lockedFields: e.target.value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            })
          }
        />
      </div>
      {doc.steps.map((s, i) => (
        <div key={i} className="card stack" data-testid="flow-step">
          <div className="row">
            <strong>
              {x('step')} {i + 1}
            </strong>
            <input aria-label={`${x('step')} ${i + 1} ${x('name')}`} value={s.name} onChange={(e) => setStep(i, { ...s, name: e.target.value })} />
            <label>
              {x('mode')}{' '}
              <select value={s.mode ?? 'any'} onChange={(e) => setStep(i, { ...s, mode: e.target.value as 'any' | 'all' })}>
                <option value="any">{x('modeAny')}</option>
                <option value="all">{x('modeAll')}</option>
              </select>
            </label>
            <label>
              {x('slaHours')}{' '}
              <input
                type="number"
                min={0}
                style={{ width: 80 }}
                value={s.sla?.hours ?? ''}
                onChange={(e) => setStep(i, { ...s, ...(Number(e.target.value) > 0 ? { sla: { hours: Number(e.target.value) } } : { sla: undefined }) })}
              />
            </label>
            <span className="spacer" />
            <button type="button" className="btn btn-sm btn-danger" disabled={doc.steps.length < 2} onClick={() => update({ steps: doc.steps.filter((_, j) => j !== i) })}>
              {x('remove')}
            </button>
          </div>
          {doc.object && (
            <>
              <span className="small">{x('condition')}</span>
              <FormulaEditor
                value={s.condition ?? ''}
                onChange={(v) => setStep(i, { ...s, condition: v })}
                objects={objects}
                root={doc.object}
                expectedType="boolean"
                ariaLabel={`${x('step')} ${i + 1} ${x('condition')}`}
              />
            </>
          )}
          <span className="small">{x('approvers')}</span>
          {s.approvers.map((a, j) => (
            <div key={j} className="row">
              <ApproverEditor
                idPrefix={`s${i}a${j}`}
                name={`${x('step')} ${i + 1} ${x('approvers')} ${j + 1}`}
                object={doc.object}
                dir={dir}
                value={a}
                onChange={(na) => setStep(i, { ...s, approvers: s.approvers.map((y, k) => (k === j ? na : y)) })}
              />
              <button type="button" className="btn btn-sm" disabled={s.approvers.length < 2} onClick={() => setStep(i, { ...s, approvers: s.approvers.filter((_, k) => k !== j) })}>
                {x('remove')}
              </button>
            </div>
          ))}
          <button type="button" className="btn btn-sm" onClick={() => setStep(i, { ...s, approvers: [...s.approvers, { type: 'user' }] })}>
            + {x('approvers')}
          </button>
        </div>
      ))}
      <button type="button" className="btn" onClick={() => update({ steps: [...doc.steps, { name: `step_${doc.steps.length + 1}`, approvers: [{ type: 'manager', levels: 1 }] }] })}>
        {x('addStep')}
      </button>
      {name !== 'new' && doc.object && <FlowPreview flow={doc.name} object={doc.object} personText={dir.personText} />}
    </section>
  );
}
