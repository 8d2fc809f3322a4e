import { useI18n } from '../../i18n/i18n.tsx';
import { api } from '../../api/client.ts';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { CellInput } from './lint.tsx';
import { CustomerCell } from './CustomerCell.tsx';
import { KeyedAssignments, type Payee } from './KeyedAssignments.tsx';
import { useProductCategories } from './product-categories.ts';
import './incentives.css';

const CATEGORIES = 'inc-product-categories';

/**
 * Who is credited by territory (a customer's sales go to a payee) and by specialty (a product
 * category's sales add overlay credit for a specialist), over date ranges — what the `assignment`
 * and `overlay` crediting rules read. Admins edit; finance reads.
 */
export default function Territories() {
  const { t } = useI18n();
  const session = useSession();
  const readOnly = !session.isAdmin;
  const users = useAsync(() => api.get<{ data: Payee[] }>('/objects/user', { limit: 500, sort: 'name' }).then((r) => r.data), []);
  const categories = useProductCategories();
  const payees = users.data ?? [];
  return (
    <section className="inc-territories">
      <PageHeader title={t('incentives.nav.territories')} />
      <p className="muted">{t('incentives.keyed.intro')}</p>
      {readOnly && (
        <div className="alert alert-warn" role="status" data-testid="keyed-readonly">
          {t('incentives.keyed.readOnly')}
        </div>
      )}
      <ErrorAlert error={users.error} />
      <KeyedAssignments
        list="territories"
        title={t('incentives.keyed.territories.title')}
        hint={t('incentives.keyed.territories.hint')}
        saveLabel={t('incentives.keyed.territories.save')}
        keyHeader={t('incentives.keyed.territories.customer')}
        payees={payees}
        readOnly={readOnly}
        renderKey={({ row, path, label, onChange }) => <CustomerCell path={path} label={label} value={row.key} onChange={onChange} />}
      />
      <KeyedAssignments
        list="specialists"
        title={t('incentives.keyed.specialists.title')}
        hint={t('incentives.keyed.specialists.hint')}
        saveLabel={t('incentives.keyed.specialists.save')}
        keyHeader={t('incentives.keyed.specialists.category')}
        payees={payees}
        readOnly={readOnly}
        renderKey={({ row, path, label, onChange }) => (
          <CellInput
            className="inc-cell"
            path={path}
            aria-label={label}
            list={CATEGORIES}
            autoComplete="off"
            placeholder={categories[0]?.value}
            value={row.key}
            onChange={(e) => onChange(e.target.value)}
          />
        )}
      />
      <datalist id={CATEGORIES}>
        {categories.map((c) => (
          <option key={c.value} value={c.value}>
            {c.text}
          </option>
        ))}
      </datalist>
    </section>
  );
}
