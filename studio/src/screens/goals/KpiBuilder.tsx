import { useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { allFieldInfos, NUMERIC_STORAGES, type FieldInfo } from '../../lib/meta.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { goalsApi, type KpiAggregate, type KpiDoc, type KpiUnit } from './api.ts';
import { apiNameOf, Field, messagesAt, unclaimed } from './editor-parts.tsx';
import { KpiPreview, type PreviewInput } from './KpiPreview.tsx';
import './goals.css';

/** What the form edits; an existing KPI keeps its id and name (renaming would orphan its plans). */
interface Draft {
  id?: string;
  name: string;
  labelEn: string;
  labelZh: string;
  object: string;
  aggregate: KpiAggregate;
  /** The number field summed ('' for a ratio: one per record, a count). */
  value: string;
  filter: string;
  /** A ratio's denominator: the number field summed ('' = count records) and which records. */
  denValue: string;
  denFilter: string;
  dateField: string;
  unit: KpiUnit;
  ownerField: string;
  dimensions: string[];
  rest: Partial<KpiDoc>;
}

const AGGREGATES: KpiAggregate[] = ['count', 'sum', 'avg', 'ratio'];
/** A ratio's side that counts records sums this per record. */
const COUNT_ONE = '1';
const UNITS: KpiUnit[] = ['money', 'number', 'count', 'percent'];
const CLAIMED = ['/name', '/label', '/object', '/measure', '/dateField', '/unit', '/ownerField', '/dimensions'];

function draftOf(doc: KpiDoc): Draft {
  const { id, name, label, object, measure, dateField, unit, ownerField, dimensions, kind: _kind, ...rest } = doc;
  return {
    ...(id ? { id } : {}),
    name,
    labelEn: label.en ?? '',
    labelZh: label['zh-CN'] ?? '',
    object,
    aggregate: measure?.aggregate ?? 'count',
    value: measure?.aggregate === 'ratio' && measure.value === COUNT_ONE ? '' : (measure?.value ?? ''),
    filter: measure?.filter ?? '',
    denValue: measure?.denominator?.value ?? '',
    denFilter: measure?.denominator?.filter ?? '',
    dateField: dateField ?? '',
    unit: unit ?? 'number',
    ownerField: ownerField ?? 'owner_id',
    dimensions: dimensions ?? [],
    rest,
  };
}

function docOf(d: Draft): KpiDoc {
  const measure: NonNullable<KpiDoc['measure']> = { aggregate: d.aggregate };
  if (d.aggregate === 'ratio') measure.value = d.value || COUNT_ONE;
  else if (d.aggregate !== 'count' && d.value) measure.value = d.value;
  if (d.filter.trim()) measure.filter = d.filter.trim();
  if (d.aggregate === 'ratio') measure.denominator = { ...(d.denValue ? { value: d.denValue } : {}), ...(d.denFilter.trim() ? { filter: d.denFilter.trim() } : {}) };
  return {
    ...d.rest,
    kind: 'kpi',
    id: d.id ?? `kpi.${d.name}`,
    name: d.name,
    label: { en: d.labelEn.trim(), ...(d.labelZh.trim() ? { 'zh-CN': d.labelZh.trim() } : {}) },
    object: d.object,
    measure,
    dateField: d.dateField,
    unit: d.unit,
    ...(d.ownerField && d.ownerField !== 'owner_id' ? { ownerField: d.ownerField } : {}),
    ...(d.dimensions.length ? { dimensions: d.dimensions } : {}),
  };
}

/**
 * A number field to sum; with `count`, a first choice "Count of records" (the value ''). A value
 * that is no field (a formula written elsewhere) stays listed as itself, so saving keeps it.
 */
function NumberFieldSelect({ id, value, fields, count, onChange }: { id: string; value: string; fields: FieldInfo[]; count: boolean; onChange: (value: string) => void }) {
  const { t, label } = useI18n();
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      {count && <option value="">{t('goals.kpi.aggregates.count')}</option>}
      {!fields.some((f) => f.name === value) && (!count || value) && <option value={value}>{value || '—'}</option>}
      {fields.map((f) => (
        <option key={f.name} value={f.name}>
          {label(f.label, f.name)}
        </option>
      ))}
    </select>
  );
}

/**
 * The KPI builder (admin): the KPIs there are, and a form for a new or existing one — its
 * object, what it measures (count, sum or average of a number field), which records count (a
 * formula checked as the server checks it), the date that places a record in a month, the unit —
 * with the measure by month over the last six months on real data while editing.
 */
export default function KpiBuilder() {
  const { t, label } = useI18n();
  const session = useSession();
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const objects = session.objects.filter((o) => session.can(o.name, 'read'));
  const doc = draft ? session.object(draft.object) : undefined;
  const fields = useMemo(() => (doc ? allFieldInfos(doc) : []), [doc]);
  const dates = fields.filter((f) => f.storage === 'date' || f.storage === 'datetime');
  const numbers = fields.filter((f) => NUMERIC_STORAGES.has(f.storage));
  const people = fields.filter((f) => f.ref === 'user' || f.name === 'owner_id');
  // Slicing makes sense by a choice or a reference (region, product, customer), not by free text or numbers.
  const slices = fields.filter((f) => !f.system && (f.options?.length || (f.ref && f.ref !== 'user')));
  const set = (patch: Partial<Draft>) => {
    setNotice(null);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };
  const pickObject = (name: string) => {
    const o = session.object(name);
    const all = o ? allFieldInfos(o) : [];
    set({
      object: name,
      ownerField: 'owner_id',
      dimensions: [],
      value: all.find((f) => NUMERIC_STORAGES.has(f.storage))?.name ?? '',
      filter: '',
      denValue: '',
      denFilter: '',
      dateField: all.find((f) => f.storage === 'date' || f.storage === 'datetime')?.name ?? '',
    });
  };
  const startNew = () => {
    setProblem(null);
    setNotice(null);
    const first = objects.find((o) => o.name === 'order') ?? objects[0];
    const all = first ? allFieldInfos(first) : [];
    setDraft({
      name: '',
      labelEn: '',
      labelZh: '',
      object: first?.name ?? '',
      aggregate: 'count',
      value: all.find((f) => NUMERIC_STORAGES.has(f.storage))?.name ?? '',
      filter: '',
      denValue: '',
      denFilter: '',
      dateField: all.find((f) => f.storage === 'date' || f.storage === 'datetime')?.name ?? '',
      unit: 'number',
      ownerField: 'owner_id',
      dimensions: [],
      rest: {},
    });
  };
  const editing = draft?.id !== undefined;
  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setProblem(null);
    try {
      await goalsApi.putKpi(docOf(draft));
      setNotice(t('goals.kpi.saved', { name: draft.labelEn || draft.name }));
      setDraft(null);
      catalog.reload();
    } catch (e) {
      setProblem(e);
    } finally {
      setBusy(false);
    }
  };
  const preview: PreviewInput | null =
    draft && draft.object && draft.dateField && (draft.aggregate === 'count' || draft.aggregate === 'ratio' || draft.value)
      ? {
          object: draft.object,
          aggregate: draft.aggregate,
          value: draft.value,
          filter: draft.filter,
          dateField: draft.dateField,
          denValue: draft.denValue,
          denFilter: draft.denFilter,
          unit: draft.unit,
        }
      : null;
  const kpis = catalog.data?.data ?? [];
  const err = (path: string) => messagesAt(problem, path);
  const leftover = unclaimed(problem, CLAIMED);

  return (
    <section className="goal-editor">
      <PageHeader
        title={t('goals.kpi.title')}
        actions={
          <button type="button" className="btn btn-primary" onClick={startNew} data-opens-form>
            {t('goals.kpi.new')}
          </button>
        }
      />
      {notice && (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      )}
      <ErrorAlert error={catalog.error} />
      {!draft && (
        <div className="card card-flush">
          {catalog.data && !kpis.length ? (
            <div className="empty-state">{t('goals.noKpis')}</div>
          ) : (
            <ul className="goal-kpi-list">
              {kpis.map((k) => (
                <li key={k.name}>
                  <span>
                    <strong>{label(k.label, k.name)}</strong>{' '}
                    <span className="muted small api-name" translate="no">
                      {k.name}
                    </span>
                  </span>
                  <button
                    type="button"
                    className="btn btn-sm"
                    aria-label={t('goals.kpi.editOne', { name: label(k.label, k.name) })}
                    onClick={() => (setProblem(null), setNotice(null), setDraft(draftOf(k)))}
                  >
                    {t('common.edit')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {draft && (
        <form
          className="goal-edit-layout"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="card goal-edit-form">
            {leftover.length > 0 && (
              <div className="alert alert-danger" role="alert">
                {leftover.map((m) => (
                  <div key={m}>{m}</div>
                ))}
              </div>
            )}
            <Field id="kpi-label-en" label={t('goals.kpi.labelEn')} errors={err('/label')}>
              <input id="kpi-label-en" required value={draft.labelEn} onChange={(e) => set({ labelEn: e.target.value, ...(editing ? {} : { name: apiNameOf(e.target.value) }) })} />
            </Field>
            <Field id="kpi-label-zh" label={t('goals.kpi.labelZh')}>
              <input id="kpi-label-zh" value={draft.labelZh} onChange={(e) => set({ labelZh: e.target.value })} />
            </Field>
            <Field id="kpi-name" label={t('goals.kpi.name')} hint={t('goals.kpi.nameHint')} errors={err('/name')}>
              <input id="kpi-name" required pattern="[a-z][a-z0-9_]{0,62}" readOnly={editing} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field id="kpi-object" label={t('goals.kpi.object')} errors={err('/object')}>
              <select id="kpi-object" value={draft.object} onChange={(e) => pickObject(e.target.value)}>
                {!doc && <option value={draft.object}>{draft.object}</option>}
                {objects.map((o) => (
                  <option key={o.name} value={o.name}>
                    {label(o.label, o.name)}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="kpi-aggregate" label={t('goals.kpi.measure')} errors={err('/measure/aggregate')}>
              <select
                id="kpi-aggregate"
                value={draft.aggregate}
                onChange={(e) => {
                  const aggregate = e.target.value as KpiAggregate;
                  // A ratio reads as a share (a win rate); sides start as counts of records.
                  set({ aggregate, ...(aggregate === 'ratio' ? { value: '', ...(draft.unit === 'number' || draft.unit === 'count' ? { unit: 'percent' } : {}) } : {}) });
                }}
              >
                {AGGREGATES.map((a) => (
                  <option key={a} value={a}>
                    {t(`goals.kpi.aggregates.${a}`)}
                  </option>
                ))}
              </select>
            </Field>
            {draft.aggregate !== 'count' && (
              <Field id="kpi-value" label={t(draft.aggregate === 'ratio' ? 'goals.kpi.numerator' : 'goals.kpi.value')} errors={err('/measure/value')}>
                <NumberFieldSelect id="kpi-value" value={draft.value} fields={numbers} count={draft.aggregate === 'ratio'} onChange={(value) => set({ value })} />
              </Field>
            )}
            <Field id="kpi-filter" label={t('goals.kpi.filter')} hint={t('goals.kpi.filterHint')} errors={err('/measure/filter')}>
              <FormulaEditor id="kpi-filter" value={draft.filter} onChange={(filter) => set({ filter })} objects={session.objects} root={draft.object} expectedType="boolean" />
            </Field>
            {draft.aggregate === 'ratio' && (
              <>
                <Field id="kpi-den-value" label={t('goals.kpi.denominator')} errors={err('/measure/denominator/value')}>
                  <NumberFieldSelect id="kpi-den-value" value={draft.denValue} fields={numbers} count onChange={(denValue) => set({ denValue })} />
                </Field>
                <Field id="kpi-den-filter" label={t('goals.kpi.denFilter')} hint={t('goals.kpi.filterHint')} errors={[...err('/measure/denominator'), ...err('/measure/denominator/filter')]}>
                  <FormulaEditor id="kpi-den-filter" value={draft.denFilter} onChange={(denFilter) => set({ denFilter })} objects={session.objects} root={draft.object} expectedType="boolean" />
                </Field>
              </>
            )}
            <Field id="kpi-date" label={t('goals.kpi.dateField')} errors={err('/dateField')}>
              <select id="kpi-date" value={draft.dateField} onChange={(e) => set({ dateField: e.target.value })}>
                {!dates.some((f) => f.name === draft.dateField) && <option value={draft.dateField}>{draft.dateField || '—'}</option>}
                {dates.map((f) => (
                  <option key={f.name} value={f.name}>
                    {label(f.label, f.name)}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="kpi-owner" label={t('goals.kpi.ownerField')} errors={err('/ownerField')}>
              <select id="kpi-owner" value={draft.ownerField} onChange={(e) => set({ ownerField: e.target.value })}>
                {!people.some((f) => f.name === draft.ownerField) && <option value={draft.ownerField}>{draft.ownerField}</option>}
                {people.map((f) => (
                  <option key={f.name} value={f.name}>
                    {label(f.label, f.name)}
                  </option>
                ))}
              </select>
            </Field>
            {slices.length > 0 && (
              <fieldset className="goal-dimensions">
                <legend className="field-label">{t('goals.kpi.dimensions')}</legend>
                {slices.map((f) => (
                  <label key={f.name} className="checkbox-line">
                    <input
                      type="checkbox"
                      checked={draft.dimensions.includes(f.name)}
                      onChange={(e) => set({ dimensions: e.target.checked ? [...draft.dimensions, f.name] : draft.dimensions.filter((d) => d !== f.name) })}
                    />{' '}
                    {label(f.label, f.name)}
                  </label>
                ))}
                {err('/dimensions').map((m) => (
                  <span key={m} className="goal-field-error" role="alert">
                    {m}
                  </span>
                ))}
              </fieldset>
            )}
            <Field id="kpi-unit" label={t('goals.kpi.unit')} errors={err('/unit')}>
              <select id="kpi-unit" value={draft.unit} onChange={(e) => set({ unit: e.target.value as KpiUnit })}>
                {UNITS.map((u) => (
                  <option key={u} value={u}>
                    {t(`goals.kpi.units.${u}`)}
                  </option>
                ))}
              </select>
            </Field>
            <div className="row goal-edit-actions">
              <button type="submit" className="btn btn-primary" disabled={busy || !draft.name}>
                {t('goals.kpi.save')}
              </button>
              <button type="button" className="btn" onClick={() => (setDraft(null), setProblem(null))}>
                {t('common.cancel')}
              </button>
            </div>
          </div>
          <KpiPreview input={preview} />
        </form>
      )}
    </section>
  );
}
