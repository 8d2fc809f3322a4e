import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Icon } from '../../components/Icon.tsx';

export default function ObjectsList() {
  const { t, label, locale } = useI18n();
  const { objects } = useSession();
  const sorted = [...objects].sort((a, b) => label(a.label, a.name).localeCompare(label(b.label, b.name), locale));
  return (
    <section>
      <PageHeader
        title={t('nav.designer')}
        actions={
          <Link to="/admin/objects/new" className="btn btn-primary">
            <Icon name="plus" size={16} /> {t('designer.newObject')}
          </Link>
        }
      />
      <div className="card card-flush table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{t('designer.label')}</th>
              <th scope="col">{t('designer.apiName')}</th>
              <th scope="col" className="num">
                {t('designer.fieldCount')}
              </th>
              <th scope="col">{t('designer.kind')}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link to={`/admin/objects/${o.name}`}>{label(o.label, o.name)}</Link>
                </td>
                <td className="mono">{o.name}</td>
                <td className="num">{Object.keys(o.schema.properties).length}</td>
                <td>{o['x-attain']?.system ? <span className="badge">{t('designer.system')}</span> : <span className="badge badge-accent">{t('designer.custom')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
