import { useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, useRouter } from '../lib/router.tsx';
import { Icon } from './Icon.tsx';

/** The top bar's search: Enter opens every readable object's matches (`/search?q=`); on a phone, a link to that page. */
export function GlobalSearch() {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const [q, setQ] = useState('');
  return (
    <>
      <form
        role="search"
        className="global-search"
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim().length >= 2) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
        }}
      >
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('search.placeholder')} aria-label={t('search.everything')} maxLength={200} />
      </form>
      <Link to="/search" className="icon-btn global-search-link" aria-label={t('search.everything')} title={t('search.everything')}>
        <Icon name="search" />
      </Link>
    </>
  );
}
