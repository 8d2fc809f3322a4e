import type { ComponentType } from 'react';
import type { Registry, WidgetProps } from '@rjsf/utils';
import { STUDIO_WIDGETS } from './widgets.tsx';

// The lookup widget of record forms reads none of rjsf's registry or schema: outside a form it
// gets empty ones, so screens pick a record the same way a form does.
const NO_REGISTRY = {} as unknown as Registry;
const Lookup = STUDIO_WIDGETS.lookup as ComponentType<WidgetProps>;

/**
 * A record of `object` picked by search and title, as in record forms (the `lookup` widget), with
 * a visually hidden label naming it for screen readers and tests.
 */
export function RefPicker({
  id,
  object,
  label,
  value,
  onChange,
  disabled,
  invalid,
}: {
  id: string;
  object: string;
  label: string;
  value: string | null | undefined;
  onChange: (id: string | undefined) => void;
  disabled?: boolean;
  invalid?: boolean;
}) {
  return (
    <>
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <Lookup
        id={id}
        name={id}
        label={label}
        value={value ?? undefined}
        options={{ object }}
        schema={{ type: 'string' }}
        registry={NO_REGISTRY}
        disabled={disabled}
        rawErrors={invalid ? [label] : undefined}
        onChange={(v: unknown) => onChange(typeof v === 'string' && v ? v : undefined)}
        onBlur={() => undefined}
        onFocus={() => undefined}
      />
    </>
  );
}
