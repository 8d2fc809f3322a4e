import { useEffect, useState } from 'react';
import { apiNameProblem } from '@attain/meta';
import { api } from '../../api/client.ts';
import type { Action, Plan, RoleDoc } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { loadRoles } from '../../lib/roles.ts';
import { newObjectId } from '../../lib/ids.ts';
import { authoredFields } from '../../lib/meta.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LabelInputs } from '../../components/LabelInputs.tsx';
import { PlanView } from '../designer/PlanView.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PromptDialog } from '../../components/Dialog.tsx';

const ACTIONS: Action[] = ['read', 'create', 'update', 'delete', 'export', 'approve'];
type Permission = RoleDoc['permissions'][number];

export default function Roles() {
  const { t, label } = useI18n();
  const session = useSession();
  const roles = useAsync(loadRoles, []);
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<RoleDoc | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [naming, setNaming] = useState(false);

  // The first role is a default only: a functional update, so a tab the user clicked before this
  // effect ran (a render with the list, then the click, then the effect) is not overridden.
  useEffect(() => {
    const first = roles.data?.[0]?.name;
    if (first) setSelected((current) => current ?? first);
  }, [roles.data]);
  // The draft follows the selected role as saved; a new, unsaved role keeps its draft.
  useEffect(() => {
    const r = roles.data?.find((x) => x.name === selected);
    if (r) setDraft(structuredClone(r));
  }, [selected, roles.data]);
  useEffect(() => {
    setPlan(null);
    setSaved(false);
  }, [selected]);

  const perm = (object: string): Permission | undefined => draft?.permissions.find((p) => p.object === object);
  const setPerm = (object: string, fn: (p: Permission) => Permission | null) => {
    if (!draft) return;
    const existing = perm(object) ?? { object, actions: [], scope: 'own' as const };
    const next = fn(existing);
    // Edit in place, so the saved document (and the history's diff) changes only where it must.
    const at = draft.permissions.findIndex((p) => p.object === object);
    const others = draft.permissions.filter((p, i) => p.object !== object || i === at);
    const kept = next && next.actions.length ? [next] : [];
    const permissions = at < 0 ? [...others, ...kept] : others.flatMap((p) => (p.object === object ? kept : [p]));
    setDraft({ ...draft, permissions });
    setPlan(null);
    setSaved(false);
  };
  const toggleField = (p: Permission, key: 'hiddenFields' | 'readOnlyFields', field: string, on: boolean): Permission => {
    const list = new Set(p[key] ?? []);
    if (on) list.add(field);
    else list.delete(field);
    const out: Permission = { ...p, [key]: [...list] };
    if (list.size === 0) delete out[key];
    return out;
  };

  const save = async () => {
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const p = await api.post<Plan>('/metadata/plan', { documents: [draft] });
      setPlan(p);
      await api.post('/metadata/apply', { documents: [draft] });
      await session.refreshMetadata();
      setSaved(true);
      roles.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const addRole = (name: string) => {
    setDraft({ kind: 'role', id: newObjectId(`role.${name}`), name, label: { en: name }, admin: false, permissions: [] });
    setSelected(name);
    setNaming(false);
  };
  const roleNameProblem = (name: string) => (apiNameProblem(name) ? t('roles.invalidName') : roles.data?.some((r) => r.name === name) ? t('roles.nameTaken') : undefined);
  const unsaved = draft && !roles.data?.some((r) => r.name === draft.name) ? draft : null;

  return (
    <section>
      <PageHeader
        title={t('nav.roles')}
        actions={
          <>
            <button type="button" className="btn" onClick={() => setNaming(true)} data-opens-form>
              <Icon name="plus" size={16} /> {t('roles.newRole')}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={!draft || busy}>
              <Icon name="save" size={16} /> {t('roles.save')}
            </button>
          </>
        }
      />
      <PromptDialog
        open={naming}
        title={t('roles.newRoleTitle')}
        label={t('roles.newRolePrompt')}
        hint={t('roles.newRoleHint')}
        submitLabel={t('roles.create')}
        validate={roleNameProblem}
        onSubmit={addRole}
        onClose={() => setNaming(false)}
      />
      <ErrorAlert error={roles.error ?? error} />
      {saved && (
        <div className="alert alert-success" role="status">
          {t('roles.saved')}
        </div>
      )}
      {plan && (
        <div className="card">
          <PlanView plan={plan} />
        </div>
      )}
      <div className="row" role="tablist" aria-label={t('nav.roles')} style={{ marginBottom: 12 }}>
        {(roles.data ?? []).map((r) => (
          <button
            key={r.name}
            type="button"
            role="tab"
            aria-selected={selected === r.name}
            className={selected === r.name ? 'btn btn-sm btn-primary' : 'btn btn-sm'}
            onClick={() => setSelected(r.name)}
          >
            {label(r.label, r.name)}
          </button>
        ))}
        {unsaved && (
          <button type="button" role="tab" aria-selected="true" className="btn btn-sm btn-primary">
            {label(unsaved.label, unsaved.name)} <span className="badge">{t('roles.unsaved')}</span>
          </button>
        )}
      </div>
      {draft && (
        <>
          <div className="card">
            <div className="form-grid-2">
              <LabelInputs idPrefix="role-label" caption={t('designer.label')} value={draft.label} onChange={(l) => setDraft({ ...draft, label: l })} required />
            </div>
            <label className="checkbox-line">
              <input type="checkbox" checked={draft.admin ?? false} onChange={(e) => setDraft({ ...draft, admin: e.target.checked })} /> {t('roles.admin')}
            </label>
          </div>
          <div className="card card-flush table-wrap">
            <table className="data matrix">
              <caption className="visually-hidden">{t('roles.matrix', { role: label(draft.label, draft.name) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('roles.object')}</th>
                  {ACTIONS.map((a) => (
                    <th key={a} scope="col">
                      {t(`actions.${a}`)}
                    </th>
                  ))}
                  <th scope="col">{t('roles.scope')}</th>
                  <th scope="col">{t('roles.fields')}</th>
                </tr>
              </thead>
              <tbody>
                {session.objects.map((o) => {
                  const p = perm(o.name);
                  const objLabel = label(o.label, o.name);
                  return [
                    <tr key={o.name}>
                      <th scope="row">{objLabel}</th>
                      {ACTIONS.map((a) => (
                        <td key={a}>
                          <input
                            type="checkbox"
                            aria-label={`${objLabel}: ${t(`actions.${a}`)}`}
                            checked={draft.admin || (p?.actions.includes(a) ?? false)}
                            disabled={draft.admin}
                            onChange={(e) => setPerm(o.name, (x) => ({ ...x, actions: e.target.checked ? [...x.actions, a] : x.actions.filter((y) => y !== a) }))}
                          />
                        </td>
                      ))}
                      <td>
                        <select
                          aria-label={`${objLabel}: ${t('roles.scope')}`}
                          value={p?.scope ?? 'own'}
                          disabled={draft.admin || !p}
                          onChange={(e) => setPerm(o.name, (x) => ({ ...x, scope: e.target.value as 'own' | 'team' | 'all' }))}
                        >
                          {(['own', 'team', 'all'] as const).map((s) => (
                            <option key={s} value={s}>
                              {t(`scopes.${s}`)}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <button type="button" className="btn btn-sm" aria-expanded={expanded === o.name} disabled={draft.admin || !p} onClick={() => setExpanded(expanded === o.name ? null : o.name)}>
                          {t('roles.fieldSecurity')}{' '}
                          {(p?.hiddenFields?.length ?? 0) + (p?.readOnlyFields?.length ?? 0) > 0 && <span className="badge">{(p?.hiddenFields?.length ?? 0) + (p?.readOnlyFields?.length ?? 0)}</span>}
                        </button>
                      </td>
                    </tr>,
                    expanded === o.name && p ? (
                      <tr key={`${o.name}-fields`}>
                        <td colSpan={ACTIONS.length + 3}>
                          <table className="data">
                            <thead>
                              <tr>
                                <th scope="col">{t('roles.field')}</th>
                                <th scope="col">{t('roles.hidden')}</th>
                                <th scope="col">{t('roles.readOnly')}</th>
                              </tr>
                            </thead>
                            <tbody>
                              {authoredFields(o).map((f) => (
                                <tr key={f.name}>
                                  <th scope="row">{label(f.label, f.name)}</th>
                                  <td>
                                    <input
                                      type="checkbox"
                                      aria-label={`${label(f.label, f.name)}: ${t('roles.hidden')}`}
                                      checked={p.hiddenFields?.includes(f.name) ?? false}
                                      onChange={(e) => setPerm(o.name, (x) => toggleField(x, 'hiddenFields', f.name, e.target.checked))}
                                    />
                                  </td>
                                  <td>
                                    <input
                                      type="checkbox"
                                      aria-label={`${label(f.label, f.name)}: ${t('roles.readOnly')}`}
                                      checked={p.readOnlyFields?.includes(f.name) ?? false}
                                      onChange={(e) => setPerm(o.name, (x) => toggleField(x, 'readOnlyFields', f.name, e.target.checked))}
                                    />
                                  </td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </td>
                      </tr>
                    ) : null,
                  ];
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
