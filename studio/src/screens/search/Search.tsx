import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link, useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

interface Group {
  object: string;
  label: string;
  records: Array<{ id: string; title: string }>;
  more?: boolean;
}

/** `/search?q=`: matches in every object the user may read (their scope), a few each, with a link to the full list. */
export default function Search() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const q = search.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const found = useAsync(() => (q.trim().length >= 2 ? api.get<{ data: Group[] }>('/search', { q, limit: 8 }).then((r) => r.data) : Promise.resolve(null)), [q]);
  return (
    <section>
      <PageHeader title={t('search.title')} />
      <form
        role="search"
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/search?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} aria-label={t('search.everything')} placeholder={t('search.placeholder')} maxLength={200} />
        <button type="submit" className="btn btn-primary" disabled={text.trim().length < 2}>
          {t('search.go')}
        </button>
      </form>
      <ErrorAlert error={found.error} />
      {found.data && found.data.length === 0 && <p className="muted">{t('search.nothing', { q })}</p>}
      {(found.data ?? []).map((g) => (
        <section key={g.object} className="card" aria-label={g.label} data-testid={`search-${g.object}`}>
          <h2>{g.label}</h2>
          <ul>
            {g.records.map((r) => (
              <li key={r.id}>
                <Link to={`/o/${g.object}/${r.id}`}>{r.title}</Link>
              </li>
            ))}
          </ul>
          {g.more && <Link to={`/o/${g.object}?q=${encodeURIComponent(q)}`}>{t('search.more')}</Link>}
        </section>
      ))}
    </section>
  );
}
