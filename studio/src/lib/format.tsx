import type { FieldInfo } from './meta.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link } from './router.tsx';
import { useRefTitle } from './refs.ts';
import { titleField } from './meta.ts';
import { useSession } from '../session.tsx';
import { moneyDecimals, moneyText, statedCurrency } from './decimal.ts';

function RefValue({ object, id, plain }: { object: string; id: string; plain?: boolean }) {
  const session = useSession();
  const doc = session.object(object);
  const title = useRefTitle(doc && session.can(object, 'read') ? object : undefined, id, doc ? titleField(doc) : 'id');
  const { label } = useI18n();
  // Untitled, unreadable or gone: the kind of record it is, never its raw id.
  const text = title || label(doc?.label, object);
  return plain ? <>{text}</> : <Link to={`/o/${object}/${id}`}>{text}</Link>;
}

/**
 * Renders one record value by its storage: money and numbers localised, enums by label, refs as
 * links. `plain` renders no links, for use inside another link (a card on a phone). Money shows
 * its currency's decimals (JPY 0, KWD 3): the field's, or the one `record` states.
 */
export function FieldValue({ field, value, plain, record }: { field: FieldInfo; value: unknown; plain?: boolean; record?: Record<string, unknown> }) {
  const { t, label, formatNumber, formatDate } = useI18n();
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  switch (field.storage) {
    case 'boolean':
      return <>{value ? t('common.yes') : t('common.no')}</>;
    case 'money': {
      const currency = statedCurrency(field, record);
      const digits = moneyDecimals(currency);
      const text = typeof value === 'string' || typeof value === 'number' ? moneyText(value, currency) : undefined;
      return <>{text === undefined ? String(value) : formatNumber(text, { minimumFractionDigits: digits, maximumFractionDigits: digits })}</>;
    }
    case 'percent':
      return <>{formatNumber(value as string, { style: 'percent', maximumFractionDigits: 2 })}</>;
    case 'decimal':
    case 'integer':
      return <>{formatNumber(value as string)}</>;
    case 'date':
      return <>{formatDate(String(value))}</>;
    case 'datetime':
      return <>{formatDate(String(value), true)}</>;
    case 'enum': {
      const o = field.options?.find((x) => x.value === value);
      return <span className="badge">{label(o?.label, String(value))}</span>;
    }
    case 'multi_enum':
      return (
        <span className="row">
          {(Array.isArray(value) ? value : [value]).map((v) => (
            <span className="badge" key={String(v)}>
              {label(field.options?.find((x) => x.value === v)?.label, String(v))}
            </span>
          ))}
        </span>
      );
    case 'ref':
      return field.ref ? <RefValue object={field.ref} id={String(value)} plain={plain} /> : <>{String(value)}</>;
    case 'url':
      return plain ? (
        <>{String(value)}</>
      ) : (
        <a href={String(value)} target="_blank" rel="noreferrer noopener">
          {String(value)}
        </a>
      );
    case 'email':
      return plain ? <>{String(value)}</> : <a href={`mailto:${String(value)}`}>{String(value)}</a>;
    default:
      return <>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</>;
  }
}
