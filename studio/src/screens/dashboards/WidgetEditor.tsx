import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { allFieldInfos } from '../../lib/meta.ts';
import { useSession } from '../../session.tsx';
import { dashboardsApi, type DatasetInfo } from './api.ts';
import { BUCKETS, CHARTS, OPS, dateFields, datasetFields, groupFields, isDate, numericFields, type DesignWidget } from './designer-model.ts';
import { RANGES } from './FilterBar.tsx';

/**
 * One widget's question as choices, no JSON: its object (readable ones, or a dataset a module
 * contributes, such as the incentives' payouts), one grouping (a date
 * grouping by bucket), one measure, a period and a chart; every change re-runs its preview.
 */
export function WidgetEditor({ widget, onChange, onRemove }: { widget: DesignWidget; onChange: (w: DesignWidget) => void; onRemove: () => void }) {
  const { t, label } = useI18n();
  const session = useSession();
  const objects = session.objects.filter((o) => session.can(o.name, 'read'));
  const q = widget.question;
  const [datasets, setDatasets] = useState<DatasetInfo[]>([]);
  useEffect(() => {
    let live = true;
    dashboardsApi.datasets().then((d) => live && setDatasets(d));
    return () => {
      live = false;
    };
  }, []);
  const objectDoc = session.object(q.object);
  const dataset = datasets.find((d) => d.name === q.object);
  const doc = objectDoc ? allFieldInfos(objectDoc) : dataset ? datasetFields(dataset) : undefined;
  const measure = q.measures[0] ?? { name: 'value', op: 'count' };
  const group = q.groups?.[0];
  const set = (question: DesignWidget['question']) => onChange({ ...widget, question });
  const id = (part: string) => `widget-${widget.id}-${part}`;
  return (
    <section className="card stack widget-editor" aria-label={t('dashboards.editWidget')}>
      <div className="field">
        <label htmlFor={id('title')}>{t('dashboards.widgetTitle')}</label>
        <input id={id('title')} value={widget.title.en} onChange={(e) => onChange({ ...widget, title: { ...widget.title, en: e.target.value } })} />
      </div>
      <div className="field">
        <label htmlFor={id('object')}>{t('dashboards.object')}</label>
        <select id={id('object')} value={q.object} onChange={(e) => set({ object: e.target.value, measures: [{ name: 'value', op: 'count' }] })}>
          {objects.map((o) => (
            <option key={o.name} value={o.name}>
              {label(o.pluralLabel ?? o.label, o.name)}
            </option>
          ))}
          {datasets.length > 0 && (
            <optgroup label={t('dashboards.datasets')}>
              {datasets.map((d) => (
                <option key={d.name} value={d.name}>
                  {label(d.label, d.name)}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </div>
      <div className="field">
        <label htmlFor={id('op')}>{t('dashboards.measure')}</label>
        <select
          id={id('op')}
          value={measure.op}
          onChange={(e) => {
            const op = e.target.value;
            const field = op === 'count' ? undefined : (measure.field ?? (doc ? numericFields(doc)[0]?.name : undefined));
            set({ ...q, measures: [{ name: 'value', op, ...(field ? { field } : {}) }] });
          }}
        >
          {OPS.map((op) => (
            <option key={op} value={op}>
              {t(`dashboards.op.${op}`)}
            </option>
          ))}
        </select>
        {measure.op !== 'count' && doc && (
          <select aria-label={t('dashboards.measureField')} value={measure.field ?? ''} onChange={(e) => set({ ...q, measures: [{ ...measure, field: e.target.value }] })}>
            {(measure.op === 'count_distinct' ? groupFields(doc) : numericFields(doc)).map((f) => (
              <option key={f.name} value={f.name}>
                {label(f.label, f.name)}
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="field">
        <label htmlFor={id('group')}>{t('dashboards.groupBy')}</label>
        <select
          id={id('group')}
          value={group?.field ?? ''}
          onChange={(e) => {
            const field = e.target.value;
            const { groups: _g, ...rest } = q;
            set(field ? { ...rest, groups: [{ field, ...(isDate(doc, field) ? { bucket: 'month' } : {}) }] } : rest);
          }}
        >
          <option value="">{t('dashboards.noGrouping')}</option>
          {doc &&
            groupFields(doc).map((f) => (
              <option key={f.name} value={f.name}>
                {label(f.label, f.name)}
              </option>
            ))}
        </select>
        {group && isDate(doc, group.field) && (
          <select aria-label={t('dashboards.bucket')} value={group.bucket ?? 'month'} onChange={(e) => set({ ...q, groups: [{ field: group.field, bucket: e.target.value }] })}>
            {BUCKETS.map((b) => (
              <option key={b} value={b}>
                {t(`dashboards.bucketOf.${b}`)}
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="field">
        <label htmlFor={id('period')}>{t('dashboards.periodOf')}</label>
        <select
          id={id('period')}
          value={q.period?.field ?? ''}
          onChange={(e) => {
            const { period: _p, ...rest } = q;
            set(e.target.value ? { ...rest, period: { field: e.target.value, range: q.period?.range ?? 'this_quarter' } } : rest);
          }}
        >
          <option value="">{t('dashboards.allTime')}</option>
          {doc &&
            dateFields(doc).map((f) => (
              <option key={f.name} value={f.name}>
                {label(f.label, f.name)}
              </option>
            ))}
        </select>
        {q.period && (
          <select aria-label={t('dashboards.range.label')} value={q.period.range} onChange={(e) => set({ ...q, period: { field: q.period?.field ?? '', range: e.target.value } })}>
            {RANGES.map((r) => (
              <option key={r} value={r}>
                {t(`dashboards.range.${r}`)}
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="field">
        <label htmlFor={id('chart')}>{t('dashboards.chart')}</label>
        <select id={id('chart')} value={widget.chart} onChange={(e) => onChange({ ...widget, chart: e.target.value })}>
          {CHARTS.map((c) => (
            <option key={c} value={c}>
              {t(`dashboards.charts.${c}`)}
            </option>
          ))}
        </select>
      </div>
      <button type="button" className="btn btn-danger btn-sm" onClick={onRemove}>
        {t('dashboards.removeWidget')}
      </button>
    </section>
  );
}
