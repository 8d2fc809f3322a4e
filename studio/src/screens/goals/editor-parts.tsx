// Pieces the KPI builder and the target plan form share: an API name made from a label, and the
// server's refusals shown on the field they name (by JSON pointer), in words.
import type { ReactNode } from 'react';
import { ApiError } from '../../api/client.ts';

/** An API name from a label: lower case, words joined by `_`, starting with a letter (the meta-schema's ApiName). */
export function apiNameOf(text: string): string {
  const base = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return /^[a-z]/.test(base) ? base : base ? `k_${base}` : '';
}

/** Messages of a server refusal whose pointer is `path` or lies under it. */
export function messagesAt(error: unknown, path: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.details.filter((d) => d.path === path || d.path.startsWith(`${path}/`)).map((d) => d.message);
}

/** The refusal's details no field of the form claims (or its message, when it names none), shown above the form. */
export function unclaimed(error: unknown, claimed: readonly string[]): string[] {
  if (!error) return [];
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : String(error)];
  if (!error.details.length) return [error.message];
  return error.details.filter((d) => !claimed.some((p) => d.path === p || d.path.startsWith(`${p}/`))).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
}

/** A labelled form field with the server's words for it underneath. */
export function Field({ id, label, hint, errors, children }: { id: string; label: string; hint?: string; errors?: string[]; children: ReactNode }) {
  return (
    <div className="field goal-edit-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children}
      {hint && <span className="muted small goal-field-hint">{hint}</span>}
      {errors?.map((m) => (
        <span key={m} className="goal-field-error" role="alert">
          {m}
        </span>
      ))}
    </div>
  );
}
