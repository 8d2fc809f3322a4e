// Linter issues shown on the offending cell: every input of the designer knows its JSON pointer.
import { createContext, useContext, type InputHTMLAttributes, type SelectHTMLAttributes } from 'react';
import type { LintIssue } from './api.ts';

export const LintContext = createContext<{ issues: LintIssue[]; base: string }>({ issues: [], base: '' });

export function useIssue(path: string): LintIssue | undefined {
  const { issues, base } = useContext(LintContext);
  const full = `${base}${path}`;
  return issues.find((i) => i.path === full && i.severity === 'error') ?? issues.find((i) => i.path === full);
}

export function issueClass(issue: LintIssue | undefined): string {
  return issue ? (issue.severity === 'error' ? 'is-invalid' : 'is-warning') : '';
}

/** A text input bound to a document cell; a linter issue on its pointer marks it and is shown below it. */
export function CellInput({ path, className = '', ...rest }: InputHTMLAttributes<HTMLInputElement> & { path: string }) {
  const issue = useIssue(path);
  const { base } = useContext(LintContext);
  return (
    <>
      <input
        {...rest}
        data-path={`${base}${path}`}
        aria-invalid={issue?.severity === 'error' || undefined}
        className={`${className} ${issueClass(issue)}`.trim()}
        title={issue?.message ?? rest.title}
      />
      {issue && (
        <span className={`inc-cell-msg${issue.severity === 'warning' ? ' is-warning' : ''}`} role="alert" data-testid="cell-issue">
          {issue.message}
        </span>
      )}
    </>
  );
}

/** A select bound to a document cell, marked like CellInput. */
export function CellSelect({ path, className = '', children, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & { path: string }) {
  const issue = useIssue(path);
  const { base } = useContext(LintContext);
  return (
    <>
      <select
        {...rest}
        data-path={`${base}${path}`}
        aria-invalid={issue?.severity === 'error' || undefined}
        className={`${className} ${issueClass(issue)}`.trim()}
        title={issue?.message ?? rest.title}
      >
        {children}
      </select>
      {issue && (
        <span className={`inc-cell-msg${issue.severity === 'warning' ? ' is-warning' : ''}`} role="alert" data-testid="cell-issue">
          {issue.message}
        </span>
      )}
    </>
  );
}

/** The issue on a pointer that has no single input (a whole row, a group), shown where it belongs. */
export function CellIssue({ path }: { path: string }) {
  const issue = useIssue(path);
  const { base } = useContext(LintContext);
  return issue ? (
    <span className={`inc-cell-msg${issue.severity === 'warning' ? ' is-warning' : ''}`} role="alert" data-testid="cell-issue" data-path={`${base}${path}`}>
      {issue.message}
    </span>
  ) : null;
}
