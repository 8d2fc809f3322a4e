import type { ReactNode } from 'react';
import { Link } from '../lib/router.tsx';

export function PageHeader({ title, crumbs, actions }: { title: ReactNode; crumbs?: Array<{ to: string; text: string }>; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        {crumbs && crumbs.length > 0 && (
          <nav className="breadcrumb" aria-label="breadcrumb">
            {crumbs.map((c, i) => (
              <span key={c.to}>
                {i > 0 && ' / '}
                <Link to={c.to}>{c.text}</Link>
              </span>
            ))}
          </nav>
        )}
        <h1>{title}</h1>
      </div>
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}
