import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse, RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { loadRoles } from '../../lib/roles.ts';
import { passwordMessages, passwordRules } from '../../lib/password.ts';
import { Link } from '../../lib/router.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Dialog } from '../../components/Dialog.tsx';

const EMPTY = { name: '', email: '', role: 'rep', org_unit_id: '', password: '' };

/** A password input with the policy as its hint and broken rules as its error (checked by us, not by the browser, so the messages are ours). */
function PasswordField({ label, value, onChange, problems, required }: { label: string; value: string; onChange: (v: string) => void; problems: string[]; required?: boolean }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        required={required}
        value={value}
        aria-invalid={problems.length ? true : undefined}
        aria-describedby={`${id}-note`}
        onChange={(e) => onChange(e.target.value)}
      />
      {problems.length ? (
        <span id={`${id}-note`} className="field-error" role="alert">
          {problems.join(' ')}
        </span>
      ) : (
        <span id={`${id}-note`} className="field-hint muted">
          {t('users.passwordHint')}
        </span>
      )}
    </div>
  );
}

export default function Users() {
  const { t, label } = useI18n();
  const users = useAsync(() => api.get<ListResponse>('/objects/user', { limit: 200, sort: 'name' }), []);
  const roles = useAsync(loadRoles, []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 200, sort: 'name' }), []);
  const [invite, setInvite] = useState(EMPTY);
  const [inviteProblems, setInviteProblems] = useState<string[]>([]);
  const [showInvite, setShowInvite] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [resetting, setResetting] = useState<RecordRow | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const [resetProblems, setResetProblems] = useState<string[]>([]);
  const [resetError, setResetError] = useState<unknown>(null);

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
    // Check the policy first, so a refused password does not leave a user without one behind.
    const broken = invite.password ? passwordRules(invite.password, invite.email) : [];
    setInviteProblems(passwordMessages(broken, t));
    if (broken.length) return;
    try {
      const body: Record<string, unknown> = { name: invite.name, email: invite.email, role: invite.role, active: true };
      if (invite.org_unit_id) body.org_unit_id = invite.org_unit_id;
      const created = await api.post<RecordRow>('/objects/user', body);
      setShowInvite(false);
      setInvite(EMPTY);
      users.reload();
      if (invite.password) await api.put(`/auth/users/${created.id}/password`, { password: invite.password });
      setNotice(t('users.invited', { name: invite.name, email: invite.email }));
    } catch (err) {
      setError(err);
    }
  };

  const openReset = (user: RecordRow) => {
    setResetting(user);
    setNewPassword('');
    setResetProblems([]);
    setResetError(null);
  };
  const submitReset = async (e: FormEvent) => {
    e.preventDefault();
    if (!resetting) return;
    const broken = passwordRules(newPassword, String(resetting.email ?? ''));
    setResetProblems(passwordMessages(broken, t));
    if (broken.length) return;
    try {
      await api.put(`/auth/users/${resetting.id}/password`, { password: newPassword });
      setNotice(t('users.passwordSet', { name: String(resetting.name ?? '') }));
      setResetting(null);
    } catch (err) {
      const messages = passwordMessages(err, t);
      if (messages.length) setResetProblems(messages);
      else setResetError(err);
    }
  };

  const roleOptions = roles.data ?? [];
  const unitOptions = units.data?.data ?? [];
  return (
    <section>
      <PageHeader
        title={t('nav.users')}
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setShowInvite((s) => !s)} aria-expanded={showInvite} data-opens-form>
            <Icon name="plus" size={16} /> {t('users.invite')}
          </button>
        }
      />
      <ErrorAlert error={users.error ?? error} />
      {notice && (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      )}
      {showInvite && (
        <form className="card" onSubmit={(e) => void submitInvite(e)} aria-label={t('users.invite')}>
          <div className="form-grid-2">
            <label className="field">
              <span>{t('users.name')}</span>
              <input required value={invite.name} onChange={(e) => setInvite({ ...invite, name: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('users.email')}</span>
              <input required type="email" value={invite.email} onChange={(e) => setInvite({ ...invite, email: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('users.role')}</span>
              <select value={invite.role} onChange={(e) => setInvite({ ...invite, role: e.target.value })}>
                {roleOptions.map((r) => (
                  <option key={r.name} value={r.name}>
                    {label(r.label, r.name)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>{t('users.orgUnit')}</span>
              <select value={invite.org_unit_id} onChange={(e) => setInvite({ ...invite, org_unit_id: e.target.value })}>
                <option value="">—</option>
                {unitOptions.map((u) => (
                  <option key={u.id} value={u.id}>
                    {String(u.name ?? u.id)}
                  </option>
                ))}
              </select>
            </label>
            <PasswordField
              label={t('users.password')}
              value={invite.password}
              problems={inviteProblems}
              onChange={(password) => {
                setInvite({ ...invite, password });
                setInviteProblems([]);
              }}
            />
          </div>
          <button type="submit" className="btn btn-primary">
            {t('users.create')}
          </button>
        </form>
      )}
      <Dialog open={resetting !== null} title={t('users.resetTitle', { name: String(resetting?.name ?? '') })} onClose={() => setResetting(null)}>
        <form onSubmit={(e) => void submitReset(e)} noValidate>
          <ErrorAlert error={resetError} />
          <PasswordField
            label={t('users.newPassword')}
            value={newPassword}
            problems={resetProblems}
            required
            onChange={(v) => {
              setNewPassword(v);
              setResetProblems([]);
            }}
          />
          <div className="dialog-footer">
            <button type="button" className="btn" onClick={() => setResetting(null)}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn btn-primary">
              {t('users.resetPassword')}
            </button>
          </div>
        </form>
      </Dialog>
      <div className="card card-flush table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">{t('users.name')}</th>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.orgUnit')}</th>
              <th scope="col">{t('users.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('users.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.data ?? []).map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/o/user/${u.id}`}>{String(u.name ?? '')}</Link>
                </td>
                <td>{String(u.email ?? '')}</td>
                <td>
                  <select aria-label={t('users.roleOf', { name: String(u.name ?? '') })} value={String(u.role ?? '')} onChange={(e) => void patch(u, { role: e.target.value })}>
                    {roleOptions.map((r) => (
                      <option key={r.name} value={r.name}>
                        {label(r.label, r.name)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <select aria-label={t('users.unitOf', { name: String(u.name ?? '') })} value={String(u.org_unit_id ?? '')} onChange={(e) => void patch(u, { org_unit_id: e.target.value || null })}>
                    <option value="">—</option>
                    {unitOptions.map((o) => (
                      <option key={o.id} value={o.id}>
                        {String(o.name ?? o.id)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {u.active === false ? (
                    <button type="button" className="btn btn-sm" onClick={() => void patch(u, { active: true })}>
                      {t('users.reactivate')}
                    </button>
                  ) : (
                    <button type="button" className="btn btn-sm btn-danger" onClick={() => void patch(u, { active: false })}>
                      {t('users.deactivate')}
                    </button>
                  )}
                </td>
                <td>
                  <button type="button" className="btn btn-sm" aria-label={t('users.resetTitle', { name: String(u.name ?? '') })} onClick={() => openReset(u)}>
                    <Icon name="shield" size={14} /> {t('users.resetPassword')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
