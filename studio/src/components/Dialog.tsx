import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom; a form's submit button belongs in the form passed as children. */
  footer?: ReactNode;
}

/**
 * A modal dialog on the native `<dialog>` element: `showModal()` makes the rest of the page
 * inert, moves focus inside (to the `autoFocus` element, else the first control), closes on
 * Escape and gives focus back to the element that opened it.
 */
export function Dialog({ open, title, onClose, children, footer }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, [open]);
  if (!open) return null;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} aria-modal="true">
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-footer">{footer}</div>}
    </dialog>
  );
}

interface PromptDialogProps {
  open: boolean;
  title: string;
  /** Label of the one text field. */
  label: string;
  initial?: string;
  hint?: string;
  submitLabel: string;
  /** Returns an error message for a value it refuses, else undefined. */
  validate?: (value: string) => string | undefined;
  onSubmit: (value: string) => void | Promise<void>;
  onClose: () => void;
}

/** Asks for one line of text, with a visible label, inline validation and Cancel/submit buttons. */
export function PromptDialog({ open, title, label, initial = '', hint, submitLabel, validate, onSubmit, onClose }: PromptDialogProps) {
  const { t } = useI18n();
  const [value, setValue] = useState(initial);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  useEffect(() => {
    if (open) {
      setValue(initial);
      setProblem(undefined);
    }
  }, [open, initial]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = value.trim();
    const p = trimmed ? validate?.(trimmed) : t('dialog.required');
    setProblem(p);
    if (p) return;
    setBusy(true);
    try {
      await onSubmit(trimmed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label className="field-label" htmlFor={inputId}>
            {label}
          </label>
          <input
            id={inputId}
            value={value}
            autoFocus
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${inputId}-error` : hint ? `${inputId}-hint` : undefined}
            onChange={(e) => {
              setValue(e.target.value);
              if (problem) setProblem(undefined);
            }}
          />
          {hint && !problem && (
            <span id={`${inputId}-hint`} className="field-hint muted">
              {hint}
            </span>
          )}
          {problem && (
            <span id={`${inputId}-error`} className="field-error" role="alert">
              {problem}
            </span>
          )}
        </div>
        <div className="dialog-footer">
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
  onClose: () => void;
}

/** Asks to confirm an action; Cancel has focus first so Enter does not destroy by accident. */
export function ConfirmDialog({ open, title, message, confirmLabel, danger, onConfirm, onClose }: ConfirmDialogProps) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} autoFocus>
            {t('common.cancel')}
          </button>
          <button type="button" className={danger ? 'btn btn-danger' : 'btn btn-primary'} disabled={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{message}</p>
    </Dialog>
  );
}
