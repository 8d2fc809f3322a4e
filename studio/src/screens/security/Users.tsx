import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.ts';
import type { ListResponse, RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { loadRoles } from '../../lib/roles.ts';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';

const EMPTY = { name: '', email: '', role: 'rep', org_unit_id: '', password: '' };

export default function Users() {
  const { t, label } = useI18n();
  const users = useAsync(() => api.get<ListResponse>('/objects/user', { limit: 200, sort: 'name' }), []);
  const roles = useAsync(loadRoles, []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 200, sort: 'name' }), []);
  const [invite, setInvite] = useState(EMPTY);
  const [showInvite, setShowInvite] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const patch = async (user: RecordRow, changes: Record<string, unknown>) => {
    setError(null);
    try {
      await api.patch(`/objects/user/${user.id}`, changes, typeof user.version === 'number' ? user.version : undefined);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };

  const submitInvite = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice(null);
    try {
      const body: Record<string, unknown> = { name: invite.name, email: invite.email, role: invite.role, active: true };
      if (invite.org_unit_id) body.org_unit_id = invite.org_unit_id;
      const created = await api.post<RecordRow>('/objects/user', body);
      if (invite.password) {
        try {
          await api.put(`/auth/users/${created.id}/password`, { password: invite.password });
        } catch (err) {
          // Older servers have no password endpoint; the user exists, the admin is told to set it elsewhere.
          if (err instanceof ApiError && err.status === 404) setNotice(t('users.passwordUnsupported'));
          else throw err;
        }
      }
      setInvite(EMPTY);
      setShowInvite(false);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };

  const roleOptions = roles.data ?? [];
  const unitOptions = units.data?.data ?? [];
  return (
    <section>
      <PageHeader
        title={t('nav.users')}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setShowInvite((s) => !s)} aria-expanded={showInvite}>
            <Icon name="plus" size={16} /> {t('users.invite')}
          </button>
        }
      />
      <ErrorAlert error={users.error ?? error} />
      {notice && <div className="alert alert-warn" role="status">{notice}</div>}
      {showInvite && (
        <form className="card" onSubmit={(e) => void submitInvite(e)} aria-label={t('users.invite')}>
          <div className="form-grid-2">
            <label className="field"><span>{t('users.name')}</span><input required value={invite.name} onChange={(e) => setInvite({ ...invite, name: e.target.value })} /></label>
            <label className="field"><span>{t('users.email')}</span><input required type="email" value={invite.email} onChange={(e) => setInvite({ ...invite, email: e.target.value })} /></label>
            <label className="field">
              <span>{t('users.role')}</span>
              <select value={invite.role} onChange={(e) => setInvite({ ...invite, role: e.target.value })}>
                {roleOptions.map((r) => <option key={r.name} value={r.name}>{label(r.label, r.name)}</option>)}
              </select>
            </label>
            <label className="field">
              <span>{t('users.orgUnit')}</span>
              <select value={invite.org_unit_id} onChange={(e) => setInvite({ ...invite, org_unit_id: e.target.value })}>
                <option value="">—</option>
                {unitOptions.map((u) => <option key={u.id} value={u.id}>{String(u.name ?? u.id)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t('users.password')}</span><input type="password" autoComplete="new-password" minLength={8} value={invite.password} onChange={(e) => setInvite({ ...invite, password: e.target.value })} /></label>
          </div>
          <button type="submit" className="btn btn-primary">{t('users.create')}</button>
        </form>
      )}
      <div className="card card-flush table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.orgUnit')}</th>
              <th scope="col">{t('users.status')}</th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.data ?? []).map((u) => (
              <tr key={u.id}>
                <td><Link to={`/o/user/${u.id}`}>{String(u.name ?? '')}</Link></td>
                <td>{String(u.email ?? '')}</td>
                <td>
                  <select aria-label={t('users.roleOf', { name: String(u.name ?? '') })} value={String(u.role ?? '')} onChange={(e) => void patch(u, { role: e.target.value })}>
                    {roleOptions.map((r) => <option key={r.name} value={r.name}>{label(r.label, r.name)}</option>)}
                  </select>
                </td>
                <td>
                  <select aria-label={t('users.unitOf', { name: String(u.name ?? '') })} value={String(u.org_unit_id ?? '')} onChange={(e) => void patch(u, { org_unit_id: e.target.value || null })}>
                    <option value="">—</option>
                    {unitOptions.map((o) => <option key={o.id} value={o.id}>{String(o.name ?? o.id)}</option>)}
                  </select>
                </td>
                <td>
                  {u.active === false ? (
                    <button type="button" className="btn btn-sm" onClick={() => void patch(u, { active: true })}>{t('users.reactivate')}</button>
                  ) : (
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => void patch(u, { active: false })}>{t('users.deactivate')}</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
