import { useEffect, useState } from 'react';
import type { RegistryWidgetsType, WidgetProps } from '@rjsf/utils';
import { api } from '../api/client.ts';
import type { ListResponse } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { titleField } from '../lib/meta.ts';
import { shiftDecimal } from '../lib/decimal.ts';

function MoneyWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, onBlur, onFocus, options, placeholder, rawErrors } = props;
  const currency = typeof options.currency === 'string' ? options.currency : undefined;
  return (
    <div className="row" style={{ flexWrap: 'nowrap' }}>
      {currency && <span className="muted">{currency}</span>}
      <input
        id={id}
        name={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={value === undefined || value === null ? '' : String(value)}
        required={required}
        disabled={disabled || readonly}
        placeholder={placeholder}
        aria-invalid={Boolean(rawErrors?.length)}
        aria-describedby={`${id}__error`}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value.replace(/[,\s]/g, ''))}
        onBlur={(e) => onBlur(id, e.target.value)}
        onFocus={(e) => onFocus(id, e.target.value)}
      />
    </div>
  );
}

/** Percent values are stored as fractions (0.25) and edited as percentages (25). */
function PercentWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, onBlur, onFocus, rawErrors } = props;
  const [text, setText] = useState(() => (value === undefined || value === null || value === '' ? '' : shiftDecimal(String(value), 2)));
  useEffect(() => {
    // Resync only when the value changed from outside (e.g. a reset), not while typing "12." etc.
    setText((t) => {
      const typed = t.trim() === '' ? undefined : shiftDecimal(t.trim(), -2);
      const v = value === undefined || value === null || value === '' ? undefined : String(value);
      return typed === v ? t : v === undefined ? '' : shiftDecimal(v, 2);
    });
  }, [value]);
  return (
    <div className="row" style={{ flexWrap: 'nowrap' }}>
      <input
        id={id}
        name={id}
        type="text"
        inputMode="decimal"
        value={text}
        required={required}
        disabled={disabled || readonly}
        aria-invalid={Boolean(rawErrors?.length)}
        onChange={(e) => {
          setText(e.target.value);
          const v = e.target.value.trim();
          onChange(v === '' ? undefined : /^-?\d*(\.\d*)?$/.test(v) ? shiftDecimal(v, -2) : v);
        }}
        onBlur={() => onBlur(id, value)}
        onFocus={() => onFocus(id, value)}
      />
      <span className="muted">%</span>
    </div>
  );
}

function LookupWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, onBlur, onFocus, options, rawErrors } = props;
  const object = typeof options.object === 'string' ? options.object : '';
  const { t } = useI18n();
  const session = useSession();
  const doc = session.object(object);
  const title = doc ? titleField(doc) : 'id';
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<Array<{ id: string; text: string }>>([]);
  useEffect(() => {
    if (!object || !session.can(object, 'read')) return;
    let live = true;
    const filter = value && !q ? undefined : undefined;
    api.get<ListResponse>(`/objects/${object}`, { limit: 50, q: q || undefined, sort: title !== 'id' ? title : undefined, filter }).then(
      (res) => {
        if (!live) return;
        const list = res.data.map((r) => ({ id: r.id, text: r[title] === null || r[title] === undefined ? r.id : String(r[title]) }));
        if (value && !list.some((r) => r.id === value)) {
          void api.get<Record<string, unknown>>(`/objects/${object}/${String(value)}`).then(
            (r) => live && setRows([{ id: String(value), text: String(r[title] ?? value) }, ...list]),
            () => live && setRows([{ id: String(value), text: String(value) }, ...list]),
          );
        } else setRows(list);
      },
      () => live && setRows([]),
    );
    return () => {
      live = false;
    };
  }, [object, q, title, value, session]);
  return (
    <div className="row" style={{ flexWrap: 'nowrap' }}>
      <input
        type="search"
        aria-label={t('lookup.search')}
        placeholder={t('lookup.search')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        disabled={disabled || readonly}
        style={{ maxWidth: '40%' }}
      />
      <select
        id={id}
        name={id}
        value={value ?? ''}
        required={required}
        disabled={disabled || readonly}
        aria-invalid={Boolean(rawErrors?.length)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        onBlur={() => onBlur(id, value)}
        onFocus={() => onFocus(id, value)}
      >
        <option value="">{t('lookup.none')}</option>
        {rows.map((r) => (
          <option key={r.id} value={r.id}>
            {r.text}
          </option>
        ))}
      </select>
    </div>
  );
}

function RichTextWidget(props: WidgetProps) {
  const { id, value, required, disabled, readonly, onChange, onBlur, onFocus } = props;
  // Stored as plain text; the server sanitises anything it renders.
  return (
    <textarea
      id={id}
      name={id}
      rows={6}
      value={value ?? ''}
      required={required}
      disabled={disabled || readonly}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      onBlur={() => onBlur(id, value)}
      onFocus={() => onFocus(id, value)}
    />
  );
}

export const STUDIO_WIDGETS: RegistryWidgetsType = {
  money: MoneyWidget,
  percent: PercentWidget,
  lookup: LookupWidget,
  richtext: RichTextWidget,
};
