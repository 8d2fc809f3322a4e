import { useEffect, useRef, useState } from 'react';
import { useSession } from '../../session.tsx';
import { titleField } from '../../lib/meta.ts';
import { useRefTitle } from '../../lib/refs.ts';
import { RefPicker } from '../../components/RefPicker.tsx';
import { CellIssue, issueClass, useIssue } from './lint.tsx';

/**
 * A territory's customer. A set customer shows its title (titles of all rows come in one batched
 * request); the record forms' lookup opens on click, so a list of hundreds of territories does not
 * run a search per row. The server's finding on the cell is shown below it.
 */
export function CustomerCell({ path, label, value, onChange }: { path: string; label: string; value: string; onChange: (id: string) => void }) {
  const session = useSession();
  const doc = session.object('customer');
  const issue = useIssue(path);
  const [picking, setPicking] = useState(!value);
  const title = useRefTitle(value ? 'customer' : undefined, value || undefined, doc ? titleField(doc) : 'name');
  const id = `cell${path.replaceAll('/', '-')}`;
  const opened = useRef(false);
  useEffect(() => {
    // Opened by a click: the picker takes the focus the button had.
    if (picking && opened.current) document.getElementById(id)?.focus();
  }, [picking, id]);
  return (
    <div className="inc-ref-cell">
      {picking || !value ? (
        <RefPicker id={id} object="customer" label={label} value={value || undefined} invalid={Boolean(issue)} onChange={(next) => onChange(next ?? '')} />
      ) : (
        <button
          type="button"
          id={id}
          className={`inc-cell inc-ref-value ${issueClass(issue)}`.trim()}
          aria-label={`${label}: ${title ?? value}`}
          aria-invalid={issue ? true : undefined}
          data-testid="customer-value"
          onClick={() => {
            opened.current = true;
            setPicking(true);
          }}
        >
          {title ?? <span className="mono">{value.slice(0, 8)}</span>}
        </button>
      )}
      <CellIssue path={path} />
    </div>
  );
}
