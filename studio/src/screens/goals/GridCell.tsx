import { useState, type KeyboardEvent } from 'react';

interface CellProps {
  value: string;
  display: string;
  label: string;
  locked: boolean;
  changed: boolean;
  invalid: boolean;
  readOnly?: boolean;
  onCommit: (text: string) => void;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * One spreadsheet cell: shows the formatted number, edits the plain decimal. Enter or leaving the
 * cell commits a changed number; Escape puts the old one back.
 */
export function GridCell({ value, display, label, locked, changed, invalid, readOnly, onCommit }: CellProps) {
  const [text, setText] = useState<string | null>(null);
  const commit = () => {
    if (text === null) return;
    const clean = text.replace(/[,\s]/g, '');
    setText(null);
    if (clean !== value && DECIMAL.test(clean)) onCommit(clean);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      commit();
      e.currentTarget.blur();
    } else if (e.key === 'Escape') {
      setText(null);
      e.currentTarget.blur();
    }
  };
  const cls = ['goal-cell-input', locked ? 'is-locked' : '', changed ? 'is-changed' : '', invalid ? 'is-invalid' : ''].filter(Boolean).join(' ');
  return (
    <input
      className={cls}
      type="text"
      inputMode="decimal"
      autoComplete="off"
      aria-label={label}
      aria-invalid={invalid || undefined}
      readOnly={readOnly}
      value={text ?? display}
      onFocus={(e) => {
        if (readOnly) return;
        setText(value);
        const el = e.currentTarget;
        requestAnimationFrame(() => el.select());
      }}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={onKey}
    />
  );
}
