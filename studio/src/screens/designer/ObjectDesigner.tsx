import { useEffect, useMemo, useState } from 'react';
import { apiNameProblem, type ObjectDoc, type Storage } from '@attain/meta';
import { api } from '../../api/client.ts';
import type { Plan } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { useRouter } from '../../lib/router.tsx';
import { addField, cleanDocument, emptyObject, removeField, renameField, setRequired, STORAGES, updateField } from '../../lib/designer.ts';
import { newObjectId, randomSuffix, suggestName } from '../../lib/ids.ts';
import { LabelInputs } from '../../components/LabelInputs.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { FieldEditor } from './FieldEditor.tsx';
import { PlanView, refusals } from './PlanView.tsx';

export default function ObjectDesigner({ params }: ScreenProps) {
  const editing = params.object;
  const { t, label, locale } = useI18n();
  const session = useSession();
  const { navigate, search } = useRouter();
  const [doc, setDoc] = useState<ObjectDoc | null>(editing ? null : emptyObject());
  const [loadError, setLoadError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // After the first apply of a new object the page moves to the object's own URL; the flag survives that.
  const [applied, setApplied] = useState(() => search.get('applied') === '1');
  const [newField, setNewField] = useState({ label: '', name: '', storage: 'text' as Storage });
  const [nameTouched, setNameTouched] = useState(false);
  // Names the server already knows: renaming those is a column rename, shown as such in the plan.
  const [persisted, setPersisted] = useState<Set<string>>(new Set());

  useEffect(() => {
    if (!editing) return;
    api.get<ObjectDoc>(`/metadata/objects/${editing}`).then((d) => {
      const obj = (d as unknown as { data?: ObjectDoc }).data ?? d;
      setDoc(obj);
      setPersisted(new Set(Object.keys(obj.schema.properties)));
    }, setLoadError);
  }, [editing]);

  // Any edit invalidates a plan computed for the previous version of the document.
  const change = (next: ObjectDoc) => {
    setDoc(next);
    setPlan(null);
    setApplied(false);
  };

  const fieldNames = useMemo(() => (doc ? Object.keys(doc.schema.properties) : []), [doc]);
  if (loadError) return <ErrorAlert error={loadError} />;
  if (!doc)
    return (
      <div className="loading" role="status">
        {t('common.loading')}
      </div>
    );

  const isNew = !editing;
  const objectNameProblem = doc.name ? apiNameProblem(doc.name) : undefined;
  const x = doc['x-attain'] ?? {};
  const setX = (patch: Partial<NonNullable<ObjectDoc['x-attain']>>) => change({ ...doc, 'x-attain': { ...x, ...patch } });

  const ensureId = (d: ObjectDoc): ObjectDoc => (d.id || !d.name || apiNameProblem(d.name) ? d : { ...d, id: newObjectId(d.name) });

  const onObjectLabel = (l: ObjectDoc['label']) => {
    let next: ObjectDoc = { ...doc, label: l };
    if (isNew && !nameTouched) next = { ...next, name: suggestName(l.en) };
    if (isNew && !doc.pluralLabel?.en) next = { ...next };
    change(next);
  };

  const addNewField = () => {
    const name = newField.name || suggestName(newField.label);
    if (!name || apiNameProblem(name) || doc.schema.properties[name]) return;
    const withId = ensureId(doc);
    change(addField(withId, name, newField.label, newField.storage));
    setSelected(name);
    setNewField({ label: '', name: '', storage: 'text' });
  };

  const documentForServer = () => cleanDocument(ensureId(doc));

  const previewPlan = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = documentForServer();
      setDoc(d);
      setPlan(await api.post<Plan>('/metadata/plan', { documents: [d] }));
    } catch (err) {
      setPlan(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = documentForServer();
      await api.post('/metadata/apply', { documents: [d] });
      await session.refreshMetadata();
      setApplied(true);
      setPlan(null);
      setPersisted(new Set(Object.keys(d.schema.properties)));
      if (isNew) navigate(`/admin/objects/${d.name}?applied=1`, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const selectedField = selected ? doc.schema.properties[selected] : undefined;
  const newFieldName = newField.name || suggestName(newField.label);
  const newFieldProblem = newFieldName ? (doc.schema.properties[newFieldName] ? t('designer.nameTaken') : apiNameProblem(newFieldName)) : undefined;
  const rules = x.validationRules ?? [];
  const indexes = x.indexes ?? [];

  return (
    <section>
      <PageHeader
        title={isNew ? t('designer.newObject') : t('designer.editTitle', { object: label(doc.label, doc.name) })}
        crumbs={[{ to: '/admin/objects', text: t('nav.designer') }]}
        actions={
          <>
            {!isNew && (
              <button type="button" className="btn" onClick={() => navigate(`/o/${doc.name}`)}>
                <Icon name="table" size={16} /> {t('designer.openRecords')}
              </button>
            )}
            <button type="button" className="btn" onClick={() => void previewPlan()} disabled={busy || !doc.name || Boolean(objectNameProblem)}>
              {t('designer.previewPlan')}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => void apply()} disabled={busy || !plan || plan.empty === true || refusals(plan).length > 0}>
              <Icon name="check" size={16} /> {t('designer.apply')}
            </button>
          </>
        }
      />
      <ErrorAlert error={error} />
      {applied && (
        <div className="alert alert-success" role="status">
          {t('designer.applied')}
        </div>
      )}
      {plan && (
        <div className="card">
          <PlanView plan={plan} />
        </div>
      )}
      <div className="designer-grid">
        <div>
          <div className="card">
            <h2>{t('designer.objectProps')}</h2>
            <div className="form-grid-2">
              <LabelInputs idPrefix="obj-label" caption={t('designer.label')} value={doc.label} onChange={onObjectLabel} required />
              <LabelInputs idPrefix="obj-plural" caption={t('designer.pluralLabel')} value={doc.pluralLabel} onChange={(l) => change({ ...doc, pluralLabel: l })} />
              <label className="field">
                <span>{t('designer.apiName')}</span>
                <input
                  id="obj-name"
                  className="mono"
                  value={doc.name}
                  readOnly={!isNew}
                  aria-invalid={Boolean(objectNameProblem)}
                  onChange={(e) => {
                    setNameTouched(true);
                    change({ ...doc, name: e.target.value });
                  }}
                />
                {objectNameProblem ? (
                  <span className="field-error">{objectNameProblem}</span>
                ) : (
                  <span className="field-hint">{isNew ? t('designer.nameHint') : `${t('designer.objectId')}: ${doc.id}`}</span>
                )}
              </label>
              <label className="field">
                <span>{t('designer.titleField')}</span>
                <select value={x.titleField ?? ''} onChange={(e) => setX({ titleField: e.target.value || undefined })}>
                  <option value="">{t('designer.automatic')}</option>
                  {fieldNames.map((n) => (
                    <option key={n} value={n}>
                      {label(doc.schema.properties[n]?.['x-attain'].label, n)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <label className="field">
              <span>{t('designer.description')}</span>
              <textarea
                rows={2}
                value={typeof doc.description === 'string' ? doc.description : (doc.description?.[locale] ?? '')}
                // A description kept per language is edited in the language shown; plain text stays plain.
                onChange={(e) => change({ ...doc, description: typeof doc.description === 'object' ? { ...doc.description, [locale]: e.target.value } : e.target.value })}
              />
            </label>
            <label className="checkbox-line">
              <input type="checkbox" checked={x.owned ?? true} onChange={(e) => setX({ owned: e.target.checked })} disabled={!isNew} /> {t('designer.owned')}
            </label>
          </div>

          <div className="card">
            <h2>{t('designer.fields')}</h2>
            <ul className="field-list" aria-label={t('designer.fields')}>
              {fieldNames.map((n) => {
                const f = doc.schema.properties[n]!;
                const storage = f['x-attain'].storage ?? (f['x-attain'].ref ? 'ref' : undefined);
                return (
                  <li key={f['x-attain'].id} className={selected === n ? 'field-item selected' : 'field-item'}>
                    <button type="button" className="select" onClick={() => setSelected(n)} aria-pressed={selected === n}>
                      <strong>{label(f['x-attain'].label, n)}</strong>
                      <span className="muted small mono api-name" translate="no">
                        {n}
                      </span>
                    </button>
                    <span className="row">
                      <span className="badge">{t(`storage.${storage ?? f.type ?? 'text'}`)}</span>
                      {doc.schema.required?.includes(n) && <span className="badge badge-accent">{t('designer.required')}</span>}
                      {!persisted.has(n) && <span className="badge badge-success">{t('designer.new')}</span>}
                    </span>
                  </li>
                );
              })}
            </ul>
            <form
              className="card"
              style={{ background: 'var(--surface-2)', boxShadow: 'none' }}
              aria-label={t('designer.addField')}
              onSubmit={(e) => {
                e.preventDefault();
                addNewField();
              }}
            >
              <h3>{t('designer.addField')}</h3>
              <div className="form-grid-2">
                <label className="field">
                  <span>{t('designer.newFieldLabel')}</span>
                  <input id="new-field-label" value={newField.label} onChange={(e) => setNewField({ ...newField, label: e.target.value })} />
                </label>
                <label className="field">
                  <span>{t('designer.newFieldName')}</span>
                  <input
                    id="new-field-name"
                    className="mono"
                    value={newField.name}
                    placeholder={suggestName(newField.label)}
                    onChange={(e) => setNewField({ ...newField, name: e.target.value })}
                    aria-invalid={Boolean(newFieldProblem)}
                  />
                  {newFieldProblem && <span className="field-error">{newFieldProblem}</span>}
                </label>
                <label className="field">
                  <span>{t('designer.newFieldStorage')}</span>
                  <select id="new-field-storage" value={newField.storage} onChange={(e) => setNewField({ ...newField, storage: e.target.value as Storage })}>
                    {STORAGES.map((s) => (
                      <option key={s} value={s}>
                        {t(`storage.${s}`)}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <button type="submit" className="btn" disabled={!doc.name || Boolean(objectNameProblem) || !newFieldName || Boolean(newFieldProblem)}>
                <Icon name="plus" size={16} /> {t('designer.addFieldButton')}
              </button>
            </form>
          </div>

          <div className="card">
            <h2>{t('designer.indexes')}</h2>
            {indexes.map((idx, i) => (
              <div key={idx.id} className="row" style={{ marginBottom: 8 }}>
                <fieldset style={{ border: 0, padding: 0, margin: 0 }} className="row">
                  <legend className="visually-hidden">{t('designer.indexFields')}</legend>
                  {fieldNames.map((n) => (
                    <label key={n} className="checkbox-line">
                      <input
                        type="checkbox"
                        checked={idx.fields.includes(n)}
                        onChange={(e) =>
                          setX({ indexes: indexes.map((ix, j) => (j === i ? { ...ix, fields: (e.target.checked ? [...ix.fields, n] : ix.fields.filter((f) => f !== n)) as typeof ix.fields } : ix)) })
                        }
                      />
                      <span className="mono small api-name" translate="no">
                        {n}
                      </span>
                    </label>
                  ))}
                </fieldset>
                <label className="checkbox-line">
                  <input type="checkbox" checked={idx.unique ?? false} onChange={(e) => setX({ indexes: indexes.map((ix, j) => (j === i ? { ...ix, unique: e.target.checked } : ix)) })} />{' '}
                  {t('designer.unique')}
                </label>
                <button type="button" className="icon-btn" aria-label={t('designer.removeIndex')} onClick={() => setX({ indexes: indexes.filter((_, j) => j !== i) })}>
                  <Icon name="trash" />
                </button>
              </div>
            ))}
            <button
              type="button"
              className="btn btn-sm"
              disabled={!fieldNames.length}
              onClick={() => {
                const d = ensureId(doc);
                change({ ...d, 'x-attain': { ...(d['x-attain'] ?? {}), indexes: [...indexes, { id: `${d.id}.ix_${randomSuffix()}`, fields: [fieldNames[0]!] }] } });
              }}
            >
              <Icon name="plus" size={14} /> {t('designer.addIndex')}
            </button>
          </div>

          <div className="card">
            <h2>{t('designer.rules')}</h2>
            {rules.map((r, i) => (
              <div key={r.id} className="card" style={{ boxShadow: 'none' }}>
                <div className="form-grid-2">
                  <label className="field">
                    <span>{t('designer.ruleName')}</span>
                    <input className="mono" value={r.name} onChange={(e) => setX({ validationRules: rules.map((rr, j) => (j === i ? { ...rr, name: e.target.value } : rr)) })} />
                  </label>
                  <label className="field">
                    <span>{t('designer.ruleField')}</span>
                    <select value={r.field ?? ''} onChange={(e) => setX({ validationRules: rules.map((rr, j) => (j === i ? { ...rr, field: e.target.value || undefined } : rr)) })}>
                      <option value="">—</option>
                      {fieldNames.map((n) => (
                        <option key={n} value={n}>
                          {n}
                        </option>
                      ))}
                    </select>
                  </label>
                </div>
                <div className="field">
                  <label className="field-label" htmlFor={`rule-${i}-cond`}>
                    {t('designer.ruleCondition')}
                  </label>
                  <FormulaEditor
                    id={`rule-${i}-cond`}
                    value={r.condition}
                    expectedType="boolean"
                    objects={[...session.objects.filter((o) => o.name !== doc.name), doc]}
                    root={doc.name}
                    onChange={(v) => setX({ validationRules: rules.map((rr, j) => (j === i ? { ...rr, condition: v } : rr)) })}
                  />
                </div>
                <div className="form-grid-2">
                  <LabelInputs
                    idPrefix={`rule-${i}-msg`}
                    caption={t('designer.ruleMessage')}
                    value={r.message}
                    onChange={(l) => setX({ validationRules: rules.map((rr, j) => (j === i ? { ...rr, message: l } : rr)) })}
                  />
                </div>
                <button type="button" className="btn btn-sm btn-danger" onClick={() => setX({ validationRules: rules.filter((_, j) => j !== i) })}>
                  {t('designer.removeRule')}
                </button>
              </div>
            ))}
            <button
              type="button"
              className="btn btn-sm"
              disabled={!doc.name}
              onClick={() => {
                const d = ensureId(doc);
                change({
                  ...d,
                  'x-attain': {
                    ...(d['x-attain'] ?? {}),
                    validationRules: [...rules, { id: `${d.id}.rule_${randomSuffix()}`, name: `rule_${rules.length + 1}`, condition: 'TRUE', message: { en: '' } }],
                  },
                });
              }}
            >
              <Icon name="plus" size={14} /> {t('designer.addRule')}
            </button>
          </div>
        </div>
        <div>
          {selected && selectedField ? (
            <FieldEditor
              key={selectedField['x-attain'].id}
              doc={doc}
              name={selected}
              field={selectedField}
              required={doc.schema.required?.includes(selected) ?? false}
              isNew={!persisted.has(selected)}
              nameProblem={apiNameProblem(selected)}
              onChange={(f) => change(updateField(doc, selected, () => f))}
              onRename={(to) => {
                if (doc.schema.properties[to]) return;
                change(renameField(doc, selected, to));
                setSelected(to);
              }}
              onRequired={(r) => change(setRequired(doc, selected, r))}
              onRemove={() => {
                change(removeField(doc, selected));
                setSelected(null);
              }}
            />
          ) : (
            <div className="card muted">{t('designer.selectField')}</div>
          )}
        </div>
      </div>
    </section>
  );
}
