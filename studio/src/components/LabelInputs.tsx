import type { Label } from '../api/types.ts';
import { useI18n, LOCALES } from '../i18n/i18n.tsx';

/** One input per supported locale for a translatable metadata label. */
export function LabelInputs({ idPrefix, caption, value, onChange, required }: { idPrefix: string; caption: string; value: Label | undefined; onChange: (l: Label) => void; required?: boolean }) {
  const { t } = useI18n();
  return (
    <>
      {LOCALES.map((loc) => (
        <label className="field" key={loc}>
          <span>
            {caption} ({t(`locales.${loc}`)})
          </span>
          <input id={`${idPrefix}-${loc}`} value={value?.[loc] ?? ''} required={required && loc === 'en'} onChange={(e) => onChange({ ...(value ?? { en: '' }), [loc]: e.target.value } as Label)} />
        </label>
      ))}
    </>
  );
}
