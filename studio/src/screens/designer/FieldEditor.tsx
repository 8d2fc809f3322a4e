import type { FieldSchema, ObjectDoc, Storage } from '@attain/meta';
import { apiNameProblem, inferStorage } from '@attain/meta';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { LabelInputs } from '../../components/LabelInputs.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { Icon } from '../../components/Icon.tsx';
import { STORAGES, syncEnum, withStorage } from '../../lib/designer.ts';

interface Props {
  doc: ObjectDoc;
  name: string;
  field: FieldSchema;
  required: boolean;
  onChange: (f: FieldSchema) => void;
  onRename: (to: string) => void;
  onRequired: (required: boolean) => void;
  onRemove: () => void;
  nameProblem: string | undefined;
  isNew: boolean;
}

const NUMERIC = new Set<Storage>(['integer', 'decimal', 'money', 'percent']);
const TEXTUAL = new Set<Storage>(['text', 'long_text', 'phone', 'email', 'url']);

/** Fields of the object that can hold a record's currency code (text or enum), other than `self`. */
function currencyFields(doc: ObjectDoc, self: string): string[] {
  return Object.entries(doc.schema.properties)
    .filter(([n, s]) => n !== self && s && ['text', 'enum'].includes(inferStorage(s)))
    .map(([n]) => n);
}

function num(v: string): number | undefined {
  return v.trim() === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
}

export function FieldEditor({ doc, name, field, required, onChange, onRename, onRequired, onRemove, nameProblem, isNew }: Props) {
  const { t, label } = useI18n();
  const session = useSession();
  const x = field['x-attain'];
  const storage = inferStorage(field);
  const set = (patch: Partial<FieldSchema>) => onChange({ ...field, ...patch });
  const setX = (patch: Partial<FieldSchema['x-attain']>) => onChange({ ...field, 'x-attain': { ...x, ...patch } });
  const p = `fe-${name}`;
  // The api name is committed on blur: a half-typed name must not rename the field yet.
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const draftProblem = draft === name ? nameProblem : draft in doc.schema.properties ? t('designer.nameTaken') : apiNameProblem(draft);
  const commit = () => {
    if (draft !== name && !draftProblem) onRename(draft);
  };
  // The formula schema sees the object as it is being edited, so new fields can be referenced at once.
  const formulaObjects = [...session.objects.filter((o) => o.id !== doc.id && o.name !== doc.name), doc];

  return (
    <div className="card" aria-labelledby={`${p}-title`}>
      <div className="row">
        <h2 id={`${p}-title`} style={{ margin: 0 }}>
          {t('designer.fieldTitle', { name: label(x.label, name) })}
        </h2>
        <span className="spacer" />
        <button type="button" className="btn btn-sm btn-danger" onClick={onRemove}>
          <Icon name="trash" size={14} /> {t('designer.removeField')}
        </button>
      </div>
      <p className="muted small">
        {t('designer.fieldId')}: <code>{x.id}</code>
      </p>
      <div className="form-grid-2">
        <LabelInputs idPrefix={`${p}-label`} caption={t('designer.label')} value={x.label} onChange={(l) => setX({ label: l })} required />
        <label className="field">
          <span>{t('designer.apiName')}</span>
          <input
            className="mono"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commit}
            onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), commit())}
            aria-invalid={Boolean(draftProblem)}
          />
          {draftProblem ? <span className="field-error">{draftProblem}</span> : !isNew && <span className="field-hint">{t('designer.renameHint')}</span>}
        </label>
        <label className="field">
          <span>{t('designer.storage')}</span>
          <select value={storage} onChange={(e) => onChange(withStorage(field, e.target.value as Storage))}>
            {STORAGES.map((s) => (
              <option key={s} value={s}>
                {t(`storage.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row" style={{ marginBottom: 12 }}>
        <label className="checkbox-line">
          <input type="checkbox" checked={required} onChange={(e) => onRequired(e.target.checked)} /> {t('designer.required')}
        </label>
        <label className="checkbox-line">
          <input type="checkbox" checked={x.unique ?? false} onChange={(e) => setX({ unique: e.target.checked })} /> {t('designer.unique')}
        </label>
        <label className="checkbox-line">
          <input type="checkbox" checked={x.indexed ?? storage === 'ref'} onChange={(e) => setX({ indexed: e.target.checked })} /> {t('designer.indexed')}
        </label>
        {TEXTUAL.has(storage) && (
          <label className="checkbox-line">
            <input type="checkbox" checked={x.searchable ?? false} onChange={(e) => setX({ searchable: e.target.checked })} /> {t('designer.searchable')}
          </label>
        )}
        <label className="checkbox-line">
          <input type="checkbox" checked={x.ui?.listColumn ?? false} onChange={(e) => setX({ ui: { ...(x.ui ?? {}), listColumn: e.target.checked } })} /> {t('designer.listColumn')}
        </label>
      </div>
      <div className="form-grid-2">
        {TEXTUAL.has(storage) && (
          <label className="field">
            <span>{t('designer.maxLength')}</span>
            <input type="number" min={1} value={field.maxLength ?? ''} onChange={(e) => set({ maxLength: num(e.target.value) })} />
          </label>
        )}
        {(storage === 'text' || storage === 'phone') && (
          <label className="field">
            <span>{t('designer.pattern')}</span>
            <input value={field.pattern ?? ''} onChange={(e) => set({ pattern: e.target.value || undefined })} className="mono" />
          </label>
        )}
        {NUMERIC.has(storage) && (
          <>
            <label className="field">
              <span>{t('designer.minimum')}</span>
              <input type="number" step="any" value={field.minimum ?? ''} onChange={(e) => set({ minimum: num(e.target.value) })} />
            </label>
            <label className="field">
              <span>{t('designer.maximum')}</span>
              <input type="number" step="any" value={field.maximum ?? ''} onChange={(e) => set({ maximum: num(e.target.value) })} />
            </label>
          </>
        )}
        {(storage === 'decimal' || storage === 'money' || storage === 'percent') && (
          <>
            <label className="field">
              <span>{t('designer.precision')}</span>
              <input type="number" min={1} max={38} value={x.precision ?? ''} onChange={(e) => setX({ precision: num(e.target.value) })} />
            </label>
            <label className="field">
              <span>{t('designer.scale')}</span>
              <input type="number" min={0} max={18} value={x.scale ?? ''} onChange={(e) => setX({ scale: num(e.target.value) })} />
            </label>
          </>
        )}
        {storage === 'money' && (
          <>
            <label className="field">
              <span>{t('designer.currency')}</span>
              <input value={x.currency ?? ''} maxLength={3} placeholder="CNY" disabled={Boolean(x.currencyField)} onChange={(e) => setX({ currency: e.target.value.toUpperCase() || undefined })} />
            </label>
            {/* Or each record states its currency in a text/enum field; its minor unit bounds the decimals. */}
            <label className="field">
              <span>{t('designer.currencyField')}</span>
              <select value={x.currencyField ?? ''} disabled={Boolean(x.currency)} onChange={(e) => setX({ currencyField: e.target.value || undefined })}>
                <option value="">—</option>
                {currencyFields(doc, name).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        {storage !== 'ref' && storage !== 'multi_enum' && (
          <label className="field">
            <span>{t('designer.default')}</span>
            {storage === 'boolean' ? (
              <select value={field.default === undefined ? '' : String(field.default)} onChange={(e) => set({ default: e.target.value === '' ? undefined : e.target.value === 'true' })}>
                <option value="">{t('designer.noDefault')}</option>
                <option value="true">{t('common.yes')}</option>
                <option value="false">{t('common.no')}</option>
              </select>
            ) : storage === 'enum' ? (
              <select value={field.default === undefined ? '' : String(field.default)} onChange={(e) => set({ default: e.target.value || undefined })}>
                <option value="">{t('designer.noDefault')}</option>
                {(x.options ?? []).map((o) => (
                  <option key={o.value} value={o.value}>
                    {label(o.label, o.value)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                type={NUMERIC.has(storage) ? 'number' : storage === 'date' ? 'date' : 'text'}
                step="any"
                value={field.default === undefined ? '' : String(field.default)}
                onChange={(e) => set({ default: e.target.value === '' ? undefined : NUMERIC.has(storage) ? num(e.target.value) : e.target.value })}
              />
            )}
          </label>
        )}
      </div>

      {(storage === 'enum' || storage === 'multi_enum') && (
        <fieldset className="field" style={{ border: 0, padding: 0 }}>
          <legend className="field-label">{t('designer.options')}</legend>
          {(x.options ?? []).map((o, i) => (
            <div className="option-row" key={i}>
              <input
                aria-label={t('designer.optionValue')}
                value={o.value}
                className="mono"
                onChange={(e) => onChange(syncEnum({ ...field, 'x-attain': { ...x, options: (x.options ?? []).map((oo, j) => (j === i ? { ...oo, value: e.target.value } : oo)) } }))}
              />
              <input
                aria-label={`${t('designer.optionLabel')} (${t('locales.en')})`}
                value={o.label?.en ?? ''}
                placeholder={t('locales.en')}
                onChange={(e) => setX({ options: (x.options ?? []).map((oo, j) => (j === i ? { ...oo, label: { ...(oo.label ?? { en: '' }), en: e.target.value } } : oo)) })}
              />
              <input
                aria-label={`${t('designer.optionLabel')} (${t('locales.zh-CN')})`}
                value={o.label?.['zh-CN'] ?? ''}
                placeholder={t('locales.zh-CN')}
                onChange={(e) => setX({ options: (x.options ?? []).map((oo, j) => (j === i ? { ...oo, label: { ...(oo.label ?? { en: oo.value }), 'zh-CN': e.target.value } } : oo)) })}
              />
              <button
                type="button"
                className="icon-btn"
                aria-label={t('designer.removeOption')}
                onClick={() => onChange(syncEnum({ ...field, 'x-attain': { ...x, options: (x.options ?? []).filter((_, j) => j !== i) } }))}
              >
                <Icon name="close" />
              </button>
            </div>
          ))}
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              const n = (x.options?.length ?? 0) + 1;
              onChange(syncEnum({ ...field, 'x-attain': { ...x, options: [...(x.options ?? []), { value: `option_${n}`, label: { en: `Option ${n}` } }] } }));
            }}
          >
            <Icon name="plus" size={14} /> {t('designer.addOption')}
          </button>
        </fieldset>
      )}

      {storage === 'ref' && x.ref && (
        <div className="form-grid-2">
          <label className="field">
            <span>{t('designer.refObject')}</span>
            <select value={x.ref.object} onChange={(e) => setX({ ref: { ...x.ref!, object: e.target.value } })}>
              {[...session.objects.map((o) => o.name), ...(doc.name && !session.object(doc.name) ? [doc.name] : [])].map((n) => (
                <option key={n} value={n}>
                  {label(session.object(n)?.label, n)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('designer.onDelete')}</span>
            <select value={x.ref.onDelete ?? 'set_null'} onChange={(e) => setX({ ref: { ...x.ref!, onDelete: e.target.value as 'restrict' | 'set_null' | 'cascade' } })}>
              {(['restrict', 'set_null', 'cascade'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`designer.onDeleteOptions.${v}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('designer.inverseName')}</span>
            <input value={x.ref.inverse ?? ''} className="mono" onChange={(e) => setX({ ref: { ...x.ref!, inverse: e.target.value || undefined } })} />
          </label>
          <LabelInputs idPrefix={`${p}-inv`} caption={t('designer.inverseLabel')} value={x.ref.inverseLabel} onChange={(l) => setX({ ref: { ...x.ref!, inverseLabel: l } })} />
        </div>
      )}

      <div className="field">
        <label className="field-label" htmlFor={`${p}-formula`}>
          {t('designer.formula')}
        </label>
        <FormulaEditor
          id={`${p}-formula`}
          value={x.formula?.expression ?? ''}
          onChange={(v) => setX({ formula: v ? { ...(x.formula ?? {}), expression: v } : undefined, ...(v ? {} : {}) })}
          objects={formulaObjects}
          root={doc.name}
        />
        {x.formula && (
          <label className="checkbox-line">
            <input type="checkbox" checked={x.formula.stored ?? false} onChange={(e) => setX({ formula: { ...x.formula!, stored: e.target.checked } })} /> {t('designer.formulaStored')}
          </label>
        )}
      </div>
      <label className="field">
        <span>{t('designer.description')}</span>
        <textarea value={field.description ?? ''} onChange={(e) => set({ description: e.target.value || undefined })} rows={2} />
      </label>
      <LabelInputs idPrefix={`${p}-help`} caption={t('designer.help')} value={x.ui?.help} onChange={(l) => setX({ ui: { ...(x.ui ?? {}), help: l } })} />
    </div>
  );
}
