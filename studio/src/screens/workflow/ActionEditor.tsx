import { useId } from 'react';
import type { Label, ObjectDoc } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { allFieldInfos } from '../../lib/meta.ts';
import { parseValue, type Recipient, type RuleAction } from './rule-model.ts';
import { useText } from './text.ts';

export interface ActionContext {
  objects: readonly ObjectDoc[];
  /** The rule's object (the triggering record's), if any. */
  object: string | undefined;
  flows: Array<{ name: string; label: Label; object?: string }>;
  roles: Array<{ name: string; label?: Label }>;
}

const RECIPIENTS: Recipient['type'][] = ['owner', 'manager', 'role', 'user', 'field'];

/** Field → value pairs of an update or create action. */
function SetEditor({
  value,
  onChange,
  object,
  objects,
}: {
  value: Record<string, unknown>;
  onChange: (v: Record<string, string | number | boolean | null>) => void;
  object: string | undefined;
  objects: readonly ObjectDoc[];
}) {
  const x = useText();
  const { label } = useI18n();
  const uid = useId();
  const doc = objects.find((o) => o.name === object);
  const fields = doc ? allFieldInfos(doc).filter((f) => !f.readOnly && !f.system) : [];
  const entries = Object.entries(value) as Array<[string, string | number | boolean | null]>;
  const write = (list: Array<[string, string | number | boolean | null]>) => onChange(Object.fromEntries(list));
  return (
    <div className="stack" style={{ gap: 8 }}>
      {entries.map(([field, v], i) => (
        <div className="wf-pair" key={i}>
          <select aria-label={x('field')} value={field} onChange={(e) => write(entries.map((p, j) => (j === i ? [e.target.value, p[1]] : p)))}>
            {!fields.some((f) => f.name === field) && <option value={field}>{field || '—'}</option>}
            {fields.map((f) => (
              <option key={f.name} value={f.name} disabled={f.name !== field && f.name in value}>
                {label(f.label, f.name)}
              </option>
            ))}
          </select>
          <input
            aria-label={`${x('value')} ${field}`}
            id={`${uid}-v${i}`}
            value={v === null ? 'null' : String(v)}
            placeholder={x('value')}
            onChange={(e) => write(entries.map((p, j) => (j === i ? [p[0], parseValue(e.target.value)] : p)))}
          />
          <button type="button" className="btn btn-sm btn-ghost" aria-label={`${x('remove')} ${field}`} onClick={() => write(entries.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn-sm" disabled={fields.length === 0} onClick={() => write([...entries, [fields.find((f) => !(f.name in value))?.name ?? '', '']])}>
          + {x('addField')}
        </button>
      </div>
    </div>
  );
}

function RecipientsEditor({ value, onChange, ctx }: { value: Recipient[]; onChange: (v: Recipient[]) => void; ctx: ActionContext }) {
  const x = useText();
  const { label } = useI18n();
  const doc = ctx.objects.find((o) => o.name === ctx.object);
  const userFields = doc ? allFieldInfos(doc).filter((f) => f.ref === 'user') : [];
  const set = (i: number, r: Recipient) => onChange(value.map((v, j) => (j === i ? r : v)));
  const typeText: Record<Recipient['type'], string> = { owner: 'Owner', manager: 'Manager', role: x('role'), user: x('userId'), field: x('field'), org_head: 'Org head', submitter: 'Submitter' };
  return (
    <div className="stack" style={{ gap: 8 }}>
      {value.map((r, i) => (
        <div className="wf-pair" key={i}>
          <select aria-label={x('recipients')} value={r.type} onChange={(e) => set(i, { type: e.target.value as Recipient['type'], ...(e.target.value === 'manager' ? { levels: 1 } : {}) })}>
            {RECIPIENTS.map((t) => (
              <option key={t} value={t}>
                {typeText[t]}
              </option>
            ))}
          </select>
          {r.type === 'role' ? (
            <select aria-label={x('role')} value={r.role ?? ''} onChange={(e) => set(i, { type: 'role', role: e.target.value })}>
              <option value="">—</option>
              {ctx.roles.map((role) => (
                <option key={role.name} value={role.name}>
                  {label(role.label, role.name)}
                </option>
              ))}
            </select>
          ) : r.type === 'manager' ? (
            <input
              aria-label={x('levels')}
              type="number"
              min={1}
              max={10}
              value={r.levels ?? 1}
              onChange={(e) => set(i, { type: 'manager', levels: Math.max(1, Math.min(10, Number(e.target.value) || 1)) })}
            />
          ) : r.type === 'user' ? (
            <input aria-label={x('userId')} value={r.userId ?? ''} onChange={(e) => set(i, { type: 'user', userId: e.target.value.trim() })} />
          ) : r.type === 'field' ? (
            <select aria-label={x('field')} value={r.field ?? ''} onChange={(e) => set(i, { type: 'field', field: e.target.value })}>
              <option value="">—</option>
              {userFields.map((f) => (
                <option key={f.name} value={f.name}>
                  {label(f.label, f.name)}
                </option>
              ))}
            </select>
          ) : (
            <span className="muted small">—</span>
          )}
          <button type="button" className="btn btn-sm btn-ghost" aria-label={x('remove')} disabled={value.length <= 1} onClick={() => onChange(value.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn-sm" onClick={() => onChange([...value, { type: 'owner' }])}>
          + {x('recipients')}
        </button>
      </div>
    </div>
  );
}

/** The form of one action, by its type. */
export function ActionEditor({ action, onChange, ctx, index }: { action: RuleAction; onChange: (a: RuleAction) => void; ctx: ActionContext; index: number }) {
  const x = useText();
  const { label } = useI18n();
  const id = `rule-action-${index}`;
  const put = (patch: Partial<RuleAction>) => onChange({ ...action, ...patch });
  switch (action.type) {
    case 'update':
      return <SetEditor value={action.set ?? {}} onChange={(set) => put({ set })} object={ctx.object} objects={ctx.objects} />;
    case 'create':
      return (
        <>
          <div className="wf-field">
            <label htmlFor={`${id}-object`}>{x('object')}</label>
            <select id={`${id}-object`} value={action.object ?? ''} onChange={(e) => put({ object: e.target.value, set: {} })}>
              <option value="">—</option>
              {ctx.objects.map((o) => (
                <option key={o.name} value={o.name}>
                  {label(o.label, o.name)}
                </option>
              ))}
            </select>
          </div>
          {action.object && <SetEditor value={action.set ?? {}} onChange={(set) => put({ set })} object={action.object} objects={ctx.objects} />}
        </>
      );
    case 'start_flow': {
      const flows = ctx.flows.filter((f) => !ctx.object || f.object === ctx.object);
      return (
        <div className="wf-field">
          <label htmlFor={`${id}-flow`}>{x('flow')}</label>
          <select id={`${id}-flow`} value={action.flow ?? ''} onChange={(e) => put({ flow: e.target.value })}>
            <option value="">—</option>
            {flows.map((f) => (
              <option key={f.name} value={f.name}>
                {label(f.label, f.name)}
              </option>
            ))}
          </select>
        </div>
      );
    }
    case 'notify': {
      const channels = action.channels ?? ['inbox'];
      const toggle = (c: string, on: boolean) => put({ channels: on ? [...new Set([...channels, c])] : channels.filter((v) => v !== c) });
      const template = action.template ?? { title: { en: '' } };
      return (
        <>
          <div className="wf-field">
            <span className="small muted">{x('recipients')}</span>
            <RecipientsEditor value={action.to ?? []} onChange={(to) => put({ to })} ctx={ctx} />
          </div>
          <div className="wf-checks" role="group" aria-label={x('channels')}>
            <label>
              <input type="checkbox" checked={channels.includes('inbox')} onChange={(e) => toggle('inbox', e.target.checked)} /> {x('channelInbox')}
            </label>
            <label>
              <input type="checkbox" checked={channels.includes('email')} onChange={(e) => toggle('email', e.target.checked)} /> {x('channelEmail')}
            </label>
          </div>
          <div className="wf-grid">
            <div>
              <label htmlFor={`${id}-title`}>{x('messageTitle')}</label>
              <input id={`${id}-title`} value={template.title.en ?? ''} onChange={(e) => put({ template: { ...template, title: { ...template.title, en: e.target.value } } })} />
            </div>
            <div>
              <label htmlFor={`${id}-title-zh`}>{x('messageTitle')} (中文)</label>
              <input id={`${id}-title-zh`} value={template.title['zh-CN'] ?? ''} onChange={(e) => put({ template: { ...template, title: { ...template.title, 'zh-CN': e.target.value } } })} />
            </div>
          </div>
          <div className="wf-field">
            <label htmlFor={`${id}-body`}>{x('messageBody')}</label>
            <textarea
              id={`${id}-body`}
              rows={2}
              style={{ minHeight: 56 }}
              value={template.body?.en ?? ''}
              onChange={(e) => put({ template: { ...template, body: { ...(template.body ?? { en: '' }), en: e.target.value } } })}
            />
            <span className="small muted">{x('placeholders')}</span>
          </div>
        </>
      );
    }
    case 'webhook':
      return (
        <div className="wf-grid">
          <div style={{ gridColumn: '1 / -1' }}>
            <label htmlFor={`${id}-url`}>{x('url')}</label>
            <input id={`${id}-url`} type="url" value={action.url ?? ''} onChange={(e) => put({ url: e.target.value })} />
          </div>
          <div>
            <label htmlFor={`${id}-format`}>{x('format')}</label>
            <select id={`${id}-format`} value={action.format ?? 'json'} onChange={(e) => put({ format: e.target.value as RuleAction['format'] })}>
              <option value="json">JSON (HMAC signed)</option>
              <option value="dingtalk">DingTalk</option>
              <option value="wecom">WeCom</option>
              <option value="feishu">Feishu</option>
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-secret`}>{x('secret')}</label>
            <input id={`${id}-secret`} value={action.secret ?? ''} pattern="[a-z][a-z0-9_]*" onChange={(e) => put({ secret: e.target.value })} />
          </div>
        </div>
      );
  }
}
