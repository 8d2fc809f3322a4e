import { useEffect, useState, type InputHTMLAttributes } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { CellInput } from './lint.tsx';
import { CREDIT_KINDS, type CreditFilter, type CreditKind } from './api.ts';

const parse = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A list edited as comma-separated text; the text is kept while typing so a trailing comma survives. */
export function PlanListInput({
  value,
  onList,
  ...rest
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'> & { value: readonly string[] | undefined; onList: (list: string[] | undefined) => void }) {
  const [text, setText] = useState((value ?? []).join(', '));
  useEffect(() => {
    if (parse(text).join(',') !== (value ?? []).join(',')) setText((value ?? []).join(', '));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change of the list resets the text
  }, [value]);
  return (
    <input
      {...rest}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const list = parse(e.target.value);
        onList(list.length ? list : undefined);
      }}
    />
  );
}

/**
 * Which credits count: source objects, credit kinds, products, categories and a date window.
 * `fields` picks what the context offers (a SPIF's window, a rule's conditions, a measure's scope).
 */
export function PlanCreditFilter({
  id,
  path,
  value,
  onChange,
  fields = ['objects', 'kinds', 'products', 'categories', 'from', 'to'],
}: {
  id: string;
  path: string;
  value: CreditFilter | undefined;
  onChange: (f: CreditFilter | undefined) => void;
  fields?: ReadonlyArray<keyof CreditFilter>;
}) {
  const { t } = useI18n();
  const f = value ?? {};
  const set = (patch: Partial<CreditFilter>) => {
    const next: Record<string, unknown> = { ...f, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) delete next[k];
    onChange(Object.keys(next).length ? (next as CreditFilter) : undefined);
  };
  const toggleKind = (k: CreditKind, on: boolean) => set({ kinds: on ? [...(f.kinds ?? []), k] : (f.kinds ?? []).filter((x) => x !== k) });
  return (
    <div className="inc-filter" data-path-root={path}>
      <div className="inc-grid-2">
        {fields.includes('objects') && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-objects`}>
              {t('incentives.filter.objects')}
            </label>
            <PlanListInput id={`${id}-objects`} placeholder="order" value={f.objects} onList={(objects) => set({ objects })} />
          </div>
        )}
        {fields.includes('products') && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-products`}>
              {t('incentives.filter.products')}
            </label>
            <PlanListInput id={`${id}-products`} value={f.products} onList={(products) => set({ products })} />
          </div>
        )}
        {fields.includes('categories') && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-categories`}>
              {t('incentives.filter.categories')}
            </label>
            <PlanListInput id={`${id}-categories`} value={f.categories} onList={(categories) => set({ categories })} />
          </div>
        )}
        {fields.includes('from') && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-from`}>
              {t('incentives.designer.windowFrom')}
            </label>
            <CellInput id={`${id}-from`} path={`${path}/from`} type="date" value={f.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} />
          </div>
        )}
        {fields.includes('to') && (
          <div className="field">
            <label className="field-label" htmlFor={`${id}-to`}>
              {t('incentives.designer.windowTo')}
            </label>
            <CellInput id={`${id}-to`} path={`${path}/to`} type="date" value={f.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
          </div>
        )}
      </div>
      {fields.includes('kinds') && (
        <fieldset className="inc-kinds">
          <legend>{t('incentives.filter.kinds')}</legend>
          {CREDIT_KINDS.map((k) => (
            <label key={k} className="checkbox-line">
              <input type="checkbox" checked={f.kinds?.includes(k) ?? false} onChange={(e) => toggleKind(k, e.target.checked)} /> {t(`incentives.creditKind.${k}`)}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
