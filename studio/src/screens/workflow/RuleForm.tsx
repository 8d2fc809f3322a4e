import { useMemo } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { allFieldInfos } from '../../lib/meta.ts';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { ActionEditor, type ActionContext } from './ActionEditor.tsx';
import { ACTION_TYPES, apiNameOf, newAction, type ActionType, type RuleDoc } from './rule-model.ts';
import { useText } from './text.ts';

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

const ACTION_KEY: Record<ActionType, 'actionUpdate' | 'actionCreate' | 'actionStartFlow' | 'actionNotify' | 'actionWebhook'> = {
  update: 'actionUpdate',
  create: 'actionCreate',
  start_flow: 'actionStartFlow',
  notify: 'actionNotify',
  webhook: 'actionWebhook',
};

/** The form view of an automation rule: general, trigger (record change or schedule), actions. */
export function RuleForm({ doc, onChange, isNew, ctx }: { doc: RuleDoc; onChange: (d: RuleDoc) => void; isNew: boolean; ctx: Omit<ActionContext, 'object'> }) {
  const x = useText();
  const { label } = useI18n();
  const put = (patch: Partial<RuleDoc>) => onChange({ ...doc, ...patch });
  const trigger = doc.trigger;
  const putTrigger = (patch: Partial<RuleDoc['trigger']>) => put({ trigger: { ...trigger, ...patch } });
  const objectDoc = ctx.objects.find((o) => o.name === doc.object);
  const fields = useMemo(() => (objectDoc ? allFieldInfos(objectDoc).filter((f) => f.name !== 'id') : []), [objectDoc]);
  const on = trigger.on ?? [];
  const toggleOn = (op: 'create' | 'update' | 'delete', checked: boolean) => putTrigger({ on: checked ? ACTION_ORDER.filter((o) => o === op || on.includes(o)) : on.filter((o) => o !== op) });
  const changed = trigger.changed ?? [];
  const actionCtx: ActionContext = { ...ctx, object: doc.object };
  const move = (i: number, by: number) => {
    const list = [...doc.actions];
    const [a] = list.splice(i, 1);
    if (a) list.splice(i + by, 0, a);
    put({ actions: list });
  };

  return (
    <div className="stack">
      <fieldset className="wf-fieldset">
        <legend>{x('general')}</legend>
        <div className="wf-grid">
          <div>
            <label htmlFor="rule-label">{x('label')}</label>
            <input
              id="rule-label"
              value={doc.label.en ?? ''}
              required
              onChange={(e) => {
                const en = e.target.value;
                // A new rule's API name follows its label until the admin writes one of their own.
                const derived = isNew && (doc.name === '' || doc.name === apiNameOf(doc.label.en ?? ''));
                const name = apiNameOf(en);
                put({ label: { ...doc.label, en }, ...(derived && name ? { name, id: `rule.${name}` } : {}) });
              }}
            />
          </div>
          <div>
            <label htmlFor="rule-label-zh">{x('label')} (中文)</label>
            <input id="rule-label-zh" value={doc.label['zh-CN'] ?? ''} onChange={(e) => put({ label: { ...doc.label, 'zh-CN': e.target.value } })} />
          </div>
          <div>
            <label htmlFor="rule-name">{x('name')}</label>
            <input id="rule-name" value={doc.name} disabled={!isNew} pattern="[a-z][a-z0-9_]*" onChange={(e) => put({ name: e.target.value, id: `rule.${e.target.value}` })} />
          </div>
          <div>
            <label htmlFor="rule-object">{x('object')}</label>
            <select
              id="rule-object"
              value={doc.object ?? ''}
              onChange={(e) =>
                put({
                  object: e.target.value || undefined,
                  condition: '',
                  trigger: { ...trigger, changed: [], previous: '' },
                  actions: doc.actions.map((a) => (a.type === 'update' ? { ...a, set: {} } : a)),
                })
              }
            >
              {trigger.type === 'schedule' && <option value="">—</option>}
              {ctx.objects.map((o) => (
                <option key={o.name} value={o.name}>
                  {label(o.label, o.name)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="wf-checks">
          <label>
            <input type="checkbox" checked={doc.active !== false} onChange={(e) => put({ active: e.target.checked })} /> {x('activeRule')}
          </label>
        </div>
      </fieldset>

      <fieldset className="wf-fieldset">
        <legend>{x('trigger')}</legend>
        <div className="wf-checks" role="radiogroup" aria-label={x('trigger')}>
          <label>
            <input
              type="radio"
              name="rule-trigger"
              checked={trigger.type === 'record'}
              onChange={() => put({ trigger: { type: 'record', on: ['update'] }, object: doc.object ?? ctx.objects[0]?.name })}
            />{' '}
            {x('triggerRecord')}
          </label>
          <label>
            <input type="radio" name="rule-trigger" checked={trigger.type === 'schedule'} onChange={() => put({ trigger: { type: 'schedule', cron: '0 9 * * 1-5' } })} /> {x('triggerSchedule')}
          </label>
        </div>
        {trigger.type === 'record' ? (
          <>
            <div className="wf-checks" role="group" aria-label={x('trigger')}>
              <label>
                <input type="checkbox" checked={on.includes('create')} onChange={(e) => toggleOn('create', e.target.checked)} /> {x('onCreate')}
              </label>
              <label>
                <input type="checkbox" checked={on.includes('update')} onChange={(e) => toggleOn('update', e.target.checked)} /> {x('onUpdate')}
              </label>
              <label>
                <input type="checkbox" checked={on.includes('delete')} onChange={(e) => toggleOn('delete', e.target.checked)} /> {x('onDelete')}
              </label>
            </div>
            {on.includes('update') && (
              <div className="wf-field">
                <span className="small muted" id="rule-changed">
                  {x('changedFields')}
                  {changed.length ? '' : ` (${x('anyField')})`}
                </span>
                <div className="wf-chips" role="group" aria-labelledby="rule-changed">
                  {fields.map((f) => (
                    <label key={f.name}>
                      <input
                        type="checkbox"
                        checked={changed.includes(f.name)}
                        onChange={(e) => putTrigger({ changed: e.target.checked ? [...changed, f.name] : changed.filter((c) => c !== f.name) })}
                      />{' '}
                      {label(f.label, f.name)}
                    </label>
                  ))}
                </div>
              </div>
            )}
            {doc.object && (
              <div className="wf-field">
                <label htmlFor="rule-condition">{x('newCondition')}</label>
                <FormulaEditor id="rule-condition" value={doc.condition ?? ''} onChange={(condition) => put({ condition })} objects={ctx.objects} root={doc.object} expectedType="boolean" />
              </div>
            )}
            {doc.object && on.includes('update') && (
              <div className="wf-field">
                <label htmlFor="rule-previous">{x('oldCondition')}</label>
                <FormulaEditor id="rule-previous" value={trigger.previous ?? ''} onChange={(previous) => putTrigger({ previous })} objects={ctx.objects} root={doc.object} expectedType="boolean" />
              </div>
            )}
          </>
        ) : (
          <div className="wf-grid">
            <div>
              <label htmlFor="rule-cron">{x('cron')}</label>
              <input id="rule-cron" value={trigger.cron ?? ''} placeholder="0 9 * * 1-5" style={{ fontFamily: 'var(--mono)' }} onChange={(e) => putTrigger({ cron: e.target.value })} />
            </div>
            <div>
              <label htmlFor="rule-tz">{x('timezone')}</label>
              <select id="rule-tz" value={trigger.timezone ?? ''} onChange={(e) => putTrigger({ timezone: e.target.value || undefined })}>
                <option value="">{x('tenantZone')}</option>
                {ZONES.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            </div>
            {doc.object && (
              <div style={{ gridColumn: '1 / -1' }}>
                <label htmlFor="rule-condition">{x('newCondition')}</label>
                <FormulaEditor id="rule-condition" value={doc.condition ?? ''} onChange={(condition) => put({ condition })} objects={ctx.objects} root={doc.object} expectedType="boolean" />
              </div>
            )}
          </div>
        )}
      </fieldset>

      <fieldset className="wf-fieldset">
        <legend>{x('actions')}</legend>
        {doc.actions.map((a, i) => (
          <div className="wf-action-card" key={i} data-testid="rule-action">
            <div className="wf-action-head">
              <strong>{i + 1}.</strong>
              <select aria-label={`${x('actions')} ${i + 1}`} value={a.type} onChange={(e) => put({ actions: doc.actions.map((v, j) => (j === i ? newAction(e.target.value as ActionType) : v)) })}>
                {ACTION_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {x(ACTION_KEY[t])}
                  </option>
                ))}
              </select>
              <span className="spacer" />
              <button type="button" className="btn btn-sm btn-ghost" aria-label={x('moveUp')} disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button type="button" className="btn btn-sm btn-ghost" aria-label={x('moveDown')} disabled={i === doc.actions.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
              <button
                type="button"
                className="btn btn-sm btn-ghost"
                aria-label={`${x('remove')} ${i + 1}`}
                disabled={doc.actions.length <= 1}
                onClick={() => put({ actions: doc.actions.filter((_, j) => j !== i) })}
              >
                ✕
              </button>
            </div>
            <ActionEditor action={a} index={i} ctx={actionCtx} onChange={(next) => put({ actions: doc.actions.map((v, j) => (j === i ? next : v)) })} />
          </div>
        ))}
        <div>
          <button type="button" className="btn btn-sm" onClick={() => put({ actions: [...doc.actions, newAction('update')] })}>
            + {x('addAction')}
          </button>
        </div>
      </fieldset>
    </div>
  );
}

const ACTION_ORDER = ['create', 'update', 'delete'] as const;
