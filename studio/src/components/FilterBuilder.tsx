import { useId } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { opsFor, type Condition, type FilterState } from '../lib/filter.ts';
import type { FieldInfo } from '../lib/meta.ts';
import { Icon } from './Icon.tsx';

interface Props {
  fields: FieldInfo[];
  value: FilterState;
  onChange: (next: FilterState) => void;
  onApply: () => void;
}

function ValueInput({ field, cond, onChange, id }: { field: FieldInfo | undefined; cond: Condition; onChange: (v: string) => void; id: string }) {
  const { t, label } = useI18n();
  const aria = t('filter.value');
  if (cond.op === 'isNull') {
    return (
      <select id={id} aria-label={aria} value={cond.value || 'true'} onChange={(e) => onChange(e.target.value)}>
        <option value="true">{t('filter.isEmpty')}</option>
        <option value="false">{t('filter.isNotEmpty')}</option>
      </select>
    );
  }
  if (field?.storage === 'boolean') {
    return (
      <select id={id} aria-label={aria} value={cond.value} onChange={(e) => onChange(e.target.value)}>
        <option value="" />
        <option value="true">{t('common.yes')}</option>
        <option value="false">{t('common.no')}</option>
      </select>
    );
  }
  if (field?.options && (cond.op === 'eq' || cond.op === 'ne')) {
    return (
      <select id={id} aria-label={aria} value={cond.value} onChange={(e) => onChange(e.target.value)}>
        <option value="" />
        {field.options.map((o) => (
          <option key={o.value} value={o.value}>
            {label(o.label, o.value)}
          </option>
        ))}
      </select>
    );
  }
  const type =
    cond.op === 'between' || cond.op === 'in' || cond.op === 'nin'
      ? 'text'
      : field?.storage === 'date'
        ? 'date'
        : field && ['integer', 'decimal', 'money', 'percent'].includes(field.storage)
          ? 'number'
          : 'text';
  const placeholder = cond.op === 'between' ? t('filter.betweenHint') : cond.op === 'in' || cond.op === 'nin' ? t('filter.listHint') : '';
  return <input id={id} aria-label={aria} type={type} step="any" value={cond.value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />;
}

/** Rows of field / operator / value, combined with AND or OR, producing the API's filter JSON. */
export function FilterBuilder({ fields, value, onChange, onApply }: Props) {
  const { t, label } = useI18n();
  const baseId = useId();
  const update = (i: number, patch: Partial<Condition>) => onChange({ ...value, conditions: value.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const add = () => {
    const f = fields[0];
    if (f) onChange({ ...value, conditions: [...value.conditions, { field: f.name, op: opsFor(f.storage)[0]!, value: '' }] });
  };
  return (
    <form
      className="filters"
      aria-label={t('filter.title')}
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      {value.conditions.length > 1 && (
        <label className="field-inline row">
          <span>{t('filter.match')}</span>
          <select value={value.combinator} onChange={(e) => onChange({ ...value, combinator: e.target.value as 'and' | 'or' })}>
            <option value="and">{t('filter.all')}</option>
            <option value="or">{t('filter.any')}</option>
          </select>
        </label>
      )}
      {value.conditions.map((c, i) => {
        const field = fields.find((f) => f.name === c.field);
        return (
          <div className="filter-row" key={i}>
            <select
              aria-label={t('filter.field')}
              value={c.field}
              onChange={(e) => {
                const f = fields.find((x) => x.name === e.target.value);
                update(i, { field: e.target.value, op: f ? opsFor(f.storage)[0]! : 'eq', value: '' });
              }}
            >
              {fields.map((f) => (
                <option key={f.name} value={f.name}>
                  {label(f.label, f.name)}
                </option>
              ))}
            </select>
            <select aria-label={t('filter.operator')} value={c.op} onChange={(e) => update(i, { op: e.target.value as Condition['op'] })}>
              {opsFor(field?.storage ?? 'text').map((op) => (
                <option key={op} value={op}>
                  {t(`filter.ops.${op}`)}
                </option>
              ))}
            </select>
            <ValueInput id={`${baseId}-v${i}`} field={field} cond={c} onChange={(v) => update(i, { value: v })} />
            <button type="button" className="icon-btn" aria-label={t('filter.remove')} onClick={() => onChange({ ...value, conditions: value.conditions.filter((_, j) => j !== i) })}>
              <Icon name="close" />
            </button>
          </div>
        );
      })}
      <div className="row">
        <button type="button" className="btn btn-sm" onClick={add}>
          <Icon name="plus" size={16} /> {t('filter.add')}
        </button>
        <button type="submit" className="btn btn-sm btn-primary">
          {t('filter.apply')}
        </button>
        {value.conditions.length > 0 && (
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            onClick={() => {
              onChange({ ...value, conditions: [] });
            }}
          >
            {t('filter.clear')}
          </button>
        )}
      </div>
    </form>
  );
}
