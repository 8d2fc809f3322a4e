import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { api, ApiError } from '../../api/client.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { loadRoles } from '../../lib/roles.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LintContext, CellInput, CellSelect, CellIssue } from './lint.tsx';
import { incentivesApi, type LintIssue, type RoleAssignment } from './api.ts';

/**
 * The plan by role: everyone who holds a role (optionally within an org unit and below) in a
 * date range is on the plan, as people change roles. The server keeps one list for all plans;
 * this card edits this plan's rows and sends the others back unchanged.
 */
export function PlanRoleAssignments({ planId, stored }: { planId: string; stored: boolean }) {
  const { t, label } = useI18n();
  const roles = useAsync(() => loadRoles(), []);
  const units = useAsync(() => api.get<{ data: Array<{ id: string; name: string }> }>('/objects/org_unit', { limit: 200, sort: 'name' }).then((r) => r.data), []);
  const current = useAsync(() => incentivesApi.roleAssignments(), []);
  const [all, setAll] = useState<RoleAssignment[]>([]);
  const [issues, setIssues] = useState<LintIssue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  useEffect(() => setAll(current.data ?? []), [current.data]);
  const mine = useMemo(() => all.map((r, i) => ({ r, i })).filter(({ r }) => r.planId === planId), [all, planId]);
  const change = (next: RoleAssignment[]) => {
    setAll(next);
    setIssues([]);
    setDone(false);
  };
  const set = (i: number, patch: Partial<RoleAssignment>) =>
    change(
      all.map((r, k) => {
        if (k !== i) return r;
        const next: Record<string, unknown> = { ...r, ...patch };
        for (const [key, v] of Object.entries(next)) if (v === undefined || v === '') delete next[key];
        return next as unknown as RoleAssignment;
      }),
    );
  const add = () => {
    const n = all.filter((r) => r.planId === planId).length + 1;
    change([...all, { id: `${planId}_role_${n}_${Date.now().toString(36)}`, planId, role: roles.data?.find((r) => !r.admin)?.name ?? 'rep', from: `${new Date().toISOString().slice(0, 7)}-01` }]);
  };
  const save = async () => {
    setError(null);
    setDone(false);
    try {
      const r = await incentivesApi.setRoleAssignments(all);
      setIssues(r.issues);
      setDone(true);
      current.reload();
    } catch (e) {
      if (e instanceof ApiError && e.details.length) setIssues(e.details.map((d) => ({ severity: 'error', path: d.path, rule: d.rule, message: d.message })));
      setError(e);
    }
  };
  // A double payment found by the plan linter names the plan's cells, not a row: shown below the grid.
  const planIssues = issues.filter((i) => i.path.startsWith('/plans/'));
  return (
    <div className="card" data-testid="plan-role-assignments">
      <div className="inc-section-h">
        <h2>{t('incentives.roleAssign.title')}</h2>
        <button type="button" className="btn btn-sm btn-primary" disabled={!stored || !current.data} onClick={() => void save()}>
          {t('incentives.roleAssign.save')}
        </button>
      </div>
      {!stored && <p className="muted small">{t('incentives.assign.saveFirst')}</p>}
      <ErrorAlert error={current.error ?? error} />
      {done && (
        <div className="alert alert-success" role="status">
          {t('incentives.roleAssign.saved')}
        </div>
      )}
      <LintContext.Provider value={{ issues, base: '' }}>
        {mine.length === 0 ? (
          <p className="muted small">{t('incentives.roleAssign.none')}</p>
        ) : (
          <ul className="inc-assign-list">
            {mine.map(({ r, i }, row) => (
              <li key={r.id} data-testid="role-assignment">
                <span className="inc-role-cell">
                  <CellSelect path={`/roleAssignments/${i}/role`} aria-label={t('incentives.roleAssign.role', { row: row + 1 })} value={r.role} onChange={(e) => set(i, { role: e.target.value })}>
                    {!roles.data?.some((x) => x.name === r.role) && <option value={r.role}>{r.role}</option>}
                    {(roles.data ?? []).map((x) => (
                      <option key={x.name} value={x.name}>
                        {label(x.label, x.name)}
                      </option>
                    ))}
                  </CellSelect>
                </span>
                <span className="inc-role-cell">
                  <CellSelect
                    path={`/roleAssignments/${i}/orgUnitId`}
                    aria-label={t('incentives.roleAssign.unit', { row: row + 1 })}
                    value={r.orgUnitId ?? ''}
                    onChange={(e) => set(i, { orgUnitId: e.target.value || undefined })}
                  >
                    <option value="">{t('incentives.roleAssign.anyUnit')}</option>
                    {(units.data ?? []).map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name}
                      </option>
                    ))}
                  </CellSelect>
                </span>
                <span className="inc-role-cell">
                  <CellInput
                    type="date"
                    path={`/roleAssignments/${i}/from`}
                    aria-label={t('incentives.roleAssign.from', { row: row + 1 })}
                    value={r.from}
                    onChange={(e) => set(i, { from: e.target.value })}
                  />
                </span>
                <span className="inc-role-cell">
                  <CellInput
                    type="date"
                    path={`/roleAssignments/${i}/to`}
                    aria-label={t('incentives.roleAssign.to', { row: row + 1 })}
                    value={r.to ?? ''}
                    onChange={(e) => set(i, { to: e.target.value || undefined })}
                  />
                </span>
                <button type="button" className="inc-row-del" aria-label={t('incentives.roleAssign.remove', { row: row + 1 })} onClick={() => change(all.filter((_, k) => k !== i))}>
                  ×
                </button>
                <CellIssue path={`/roleAssignments/${i}/id`} />
                <CellIssue path={`/roleAssignments/${i}/planId`} />
              </li>
            ))}
          </ul>
        )}
        {planIssues.map((p, k) => (
          <span key={k} className="inc-cell-msg" role="alert" data-testid="cell-issue">
            {p.message}
          </span>
        ))}
      </LintContext.Provider>
      <div className="inc-comp-actions">
        <button type="button" className="btn btn-sm" disabled={!stored} onClick={add}>
          + {t('incentives.roleAssign.add')}
        </button>
      </div>
    </div>
  );
}
