// Linter issues shown on the offending cell: every input of the designer knows its JSON pointer.
import { createContext, useContext, type InputHTMLAttributes } from 'react';
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
      <input {...rest} data-path={`${base}${path}`} aria-invalid={issue?.severity === 'error' || undefined} className={`${className} ${issueClass(issue)}`.trim()} title={issue?.message ?? rest.title} />
      {issue && <span className={`inc-cell-msg${issue.severity === 'warning' ? ' is-warning' : ''}`} role="alert" data-testid="cell-issue">{issue.message}</span>}
    </>
  );
}
