import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { ObjectDoc } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { checkFormula, completions, type Completion, type FormulaCheck } from '../formula/adapter.ts';

export interface FormulaEditorProps {
  id?: string;
  value: string;
  onChange: (value: string) => void;
  /** Object documents the formula may reach (fields, relations). */
  objects: readonly ObjectDoc[];
  /** Api name of the object the formula is evaluated on. */
  root: string;
  /** If set, the formula must produce this type (e.g. `boolean` for a validation rule). */
  expectedType?: string;
  /** Accessible name, when no <label htmlFor> points at the editor. */
  ariaLabel?: string;
  onCheck?: (result: FormulaCheck) => void;
}

const TOKEN = /("(?:[^"]|"")*"?)|(\d+(?:\.\d+)?%?)|([A-Za-z_][A-Za-z0-9_.]*)(\s*\()?|(<>|<=|>=|[-+*/^&=<>(),%])|(\s+)|(.)/g;

/** Splits the text into highlighted spans; error ranges get a wavy underline. */
function highlight(text: string, errors: Array<{ offset: number; length: number }>): ReactNode[] {
  const out: ReactNode[] = [];
  const inError = (from: number, to: number) => errors.some((e) => from < e.offset + Math.max(1, e.length) && to > e.offset);
  let m: RegExpExecArray | null;
  TOKEN.lastIndex = 0;
  let k = 0;
  while ((m = TOKEN.exec(text))) {
    const [whole, str, num, ident, call, op] = m;
    const from = m.index;
    const err = inError(from, from + whole.length) ? ' tok-err' : '';
    if (str !== undefined)
      out.push(
        <span key={k++} className={`tok-str${err}`}>
          {str}
        </span>,
      );
    else if (num !== undefined)
      out.push(
        <span key={k++} className={`tok-num${err}`}>
          {num}
        </span>,
      );
    else if (ident !== undefined) {
      const upper = ident.toUpperCase();
      const cls = call ? 'tok-fn' : upper === 'TRUE' || upper === 'FALSE' || upper === 'NULL' || upper === 'AND' || upper === 'OR' || upper === 'NOT' ? 'tok-fn' : 'tok-field';
      out.push(
        <span key={k++} className={`${cls}${err}`}>
          {ident}
        </span>,
      );
      if (call)
        out.push(
          <span key={k++} className="tok-op">
            {call}
          </span>,
        );
    } else if (op !== undefined)
      out.push(
        <span key={k++} className={`tok-op${err}`}>
          {op}
        </span>,
      );
    else
      out.push(
        <span key={k++} className={err.trim()}>
          {whole}
        </span>,
      );
  }
  // A trailing newline needs a character after it or the layer is one line short of the textarea.
  out.push(' ');
  return out;
}

/** A formula input with highlighting, completion of fields and functions, and a live type check. */
export function FormulaEditor({ id, value, onChange, objects, root, expectedType, ariaLabel, onCheck }: FormulaEditorProps) {
  const { t, locale } = useI18n();
  const autoId = useId();
  const inputId = id ?? `formula-${autoId}`;
  const listId = `${inputId}-suggest`;
  const statusId = `${inputId}-status`;
  const ref = useRef<HTMLTextAreaElement>(null);
  const layerRef = useRef<HTMLPreElement>(null);
  const [result, setResult] = useState<FormulaCheck | null>(null);
  const [suggest, setSuggest] = useState<{ items: Completion[]; from: number; active: number } | null>(null);

  useEffect(() => {
    if (!value.trim()) {
      setResult(null);
      return;
    }
    const timer = setTimeout(() => {
      const r = checkFormula(value, objects, root);
      setResult(r);
      onCheck?.(r);
    }, 120);
    return () => clearTimeout(timer);
  }, [value, objects, root, onCheck]);

  const errors = result && !result.ok ? result.errors : [];
  const layer = useMemo(() => highlight(value, errors), [value, errors]);
  const typeMismatch = result?.ok && expectedType && result.type !== expectedType && result.type !== 'null';

  const updateSuggestions = (text: string, caret: number) => {
    const before = text.slice(0, caret);
    const m = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(before);
    if (!m || /"/.test(before.replace(/"(?:[^"]|"")*"/g, ''))) {
      setSuggest(null);
      return;
    }
    const items = completions(m[0], objects, root, locale);
    const lastDot = m[0].lastIndexOf('.');
    setSuggest(items.length ? { items, from: m.index + lastDot + 1, active: 0 } : null);
  };

  const accept = (c: Completion) => {
    const el = ref.current;
    if (!el || !suggest) return;
    const caret = el.selectionStart;
    const insert = c.kind === 'function' ? `${c.text}(` : c.text;
    const next = value.slice(0, suggest.from) + insert + value.slice(caret);
    onChange(next);
    setSuggest(null);
    const pos = suggest.from + insert.length;
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(pos, pos);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      updateSuggestions(value, e.currentTarget.selectionStart);
      return;
    }
    if (!suggest) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : -1;
      setSuggest({ ...suggest, active: (suggest.active + d + suggest.items.length) % suggest.items.length });
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      const item = suggest.items[suggest.active];
      if (item) {
        e.preventDefault();
        accept(item);
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setSuggest(null);
    }
  };

  return (
    <div>
      <div className="formula formula-wrap">
        <pre className="formula-layer" ref={layerRef} aria-hidden="true">
          {layer}
        </pre>
        <textarea
          ref={ref}
          id={inputId}
          value={value}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          aria-label={ariaLabel}
          aria-invalid={errors.length > 0 || Boolean(typeMismatch)}
          aria-describedby={statusId}
          aria-autocomplete="list"
          aria-controls={suggest ? listId : undefined}
          aria-expanded={Boolean(suggest)}
          aria-activedescendant={suggest ? `${listId}-${suggest.active}` : undefined}
          role="combobox"
          onChange={(e) => {
            onChange(e.target.value);
            updateSuggestions(e.target.value, e.target.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setSuggest(null), 150)}
          onScroll={(e) => {
            if (layerRef.current) layerRef.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
        {suggest && (
          <ul className="suggest" id={listId} role="listbox" aria-label={t('formula.suggestions')}>
            {suggest.items.map((c, i) => (
              <li
                key={`${c.kind}:${c.text}`}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === suggest.active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(c);
                }}
              >
                <span className={c.kind === 'function' ? 'tok-fn' : 'tok-field'}>{c.text}</span>
                <span className="muted small">{c.kind === 'function' ? t('formula.function') : c.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div id={statusId} className="formula-status" aria-live="polite">
        {!value.trim() ? (
          <span className="muted">{t('formula.hint')}</span>
        ) : result?.ok ? (
          typeMismatch ? (
            <span className="field-error">{t('formula.wrongType', { expected: expectedType ?? '', got: result.type })}</span>
          ) : (
            <span className="badge badge-success">{t('formula.ok', { type: result.type })}</span>
          )
        ) : (
          errors.map((e, i) => (
            <div key={i} className="field-error">
              {t('formula.at', { line: e.line, column: e.column })} {locale === 'zh-CN' ? e.message['zh-CN'] : e.message.en}
              {e.hint && (locale === 'zh-CN' ? e.hint['zh-CN'] : e.hint.en) && <span className="muted"> — {locale === 'zh-CN' ? e.hint['zh-CN'] : e.hint.en}</span>}
            </div>
          ))
        )}
      </div>
    </div>
  );
}
