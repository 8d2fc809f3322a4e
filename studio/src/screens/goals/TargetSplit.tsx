import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link, useRouter } from '../../lib/router.tsx';
import { useSession } from '../../session.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { goalsApi, METHODS, type GridRow, type Lock, type PlanGrid, type PlanRequest, type PlanVersion, type SplitMethod } from './api.ts';
import { GridCell } from './GridCell.tsx';
import { LockIcon } from './parts.tsx';
import './goals.css';

const sameRequest = (a: PlanRequest | undefined, b: PlanRequest | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const lockKey = (node: string, month?: string) => `${node}|${month ?? 'year'}`;

/** Puts or replaces one lock (a cell or a row's year). */
function withLock(locks: Lock[], lock: Lock): Lock[] {
  return [...locks.filter((l) => lockKey(l.node, l.month) !== lockKey(lock.node, lock.month)), lock];
}

/**
 * The target-split grid: the org tree down the side, the plan's months across. Typing a number
 * into a cell locks it and the server rebalances its siblings (preview, nothing saved); the
 * manager then saves a version and submits it for approval.
 */
export default function TargetSplit() {
  const { t, label, locale, formatNumber } = useI18n();
  const session = useSession();
  const { search, navigate } = useRouter();
  const catalog = useAsync(() => goalsApi.kpis(), []);
  const plans = catalog.data?.plans ?? [];
  const planName = search.get('plan') ?? plans[0]?.name ?? '';
  const plan = plans.find((p) => p.name === planName);
  const kpi = catalog.data?.data.find((k) => k.name === plan?.kpi);

  const [req, setReq] = useState<PlanRequest | undefined>();
  const [saved, setSaved] = useState<PlanRequest | undefined>();
  const [versions, setVersions] = useState<PlanVersion[]>([]);
  const [grid, setGrid] = useState<PlanGrid | undefined>();
  const [changed, setChanged] = useState<Set<string>>(new Set());
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<null | 'submit' | 'approve' | 'reject'>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const edited = useRef<string | null>(null);
  const seq = useRef(0);
  const loads = useRef(0);
  const touched = useRef(false);
  const gridRef = useRef<PlanGrid | undefined>(undefined);

  // Open the plan at its latest version (or its document), so editing continues where it stopped.
  const loadPlan = useCallback(async () => {
    if (!plan) return;
    const n = ++loads.current;
    touched.current = false;
    setProblem(null);
    const list = (await goalsApi.versions(plan.name)).data;
    // A slow load must not wipe what the user typed meanwhile, nor overtake a newer load.
    if (n !== loads.current || touched.current) return;
    setVersions(list);
    const latest = list.at(-1);
    const start: PlanRequest = latest ? (await goalsApi.version(plan.name, latest.id)).request : { total: plan.total, method: plan.method ?? 'equal', weights: {}, locks: [] };
    if (n !== loads.current || touched.current) return;
    setSaved(latest ? start : undefined);
    setReq(start);
  }, [plan]);
  useEffect(() => {
    setGrid(undefined);
    gridRef.current = undefined;
    loadPlan().catch(setProblem);
  }, [loadPlan]);

  // Live rebalance: every change of the request asks the server for a preview.
  useEffect(() => {
    if (!plan || !req) return;
    const n = ++seq.current;
    const timer = setTimeout(() => {
      goalsApi.preview(plan.name, req).then(
        (next) => {
          if (n !== seq.current) return;
          const prev = gridRef.current;
          const moved = new Set<string>();
          if (prev) {
            const before = new Map(prev.rows.map((r) => [r.node, r]));
            for (const r of next.rows) {
              const old = before.get(r.node);
              r.cells.forEach((v, j) => {
                const k = lockKey(r.node, next.months[j]);
                if (old && old.cells[j] !== v && k !== edited.current) moved.add(k);
              });
            }
          }
          gridRef.current = next;
          setChanged(moved);
          setGrid(next);
          setProblem(null);
        },
        (err: unknown) => n === seq.current && setProblem(err),
      );
    }, 120);
    return () => clearTimeout(timer);
  }, [plan, req]);

  const invalid = useMemo(() => {
    const out = new Set<string>();
    if (problem instanceof ApiError) {
      for (const d of problem.details) {
        const m = /^\/cells\/([^/]+)\/([^/]+)$/.exec(d.path);
        if (m) out.add(`${m[1]}|${m[2]}`);
      }
    }
    return out;
  }, [problem]);

  const update = (fn: (r: PlanRequest) => PlanRequest) => {
    touched.current = true;
    setNotice(null);
    setReq((r) => (r ? fn(r) : r));
  };
  const setCell = (row: GridRow, month: string | undefined, value: string) => {
    edited.current = lockKey(row.node, month);
    if (row.parent === null && month === undefined) update((r) => ({ ...r, total: value }));
    else update((r) => ({ ...r, locks: withLock(r.locks ?? [], { node: row.node, ...(month ? { month } : {}), value }) }));
  };
  const unlock = (node: string, month?: string) => {
    edited.current = null;
    update((r) => ({ ...r, locks: (r.locks ?? []).filter((l) => lockKey(l.node, l.month) !== lockKey(node, month)) }));
  };

  const latest = versions.at(-1);
  const dirty = !sameRequest(req, saved);
  const run = async (fn: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setProblem(null);
    try {
      await fn();
      await loadPlan();
      setNotice(done);
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };
  const save = () => plan && req && run(() => goalsApi.save(plan.name, req), t('goals.split.savedNotice'));
  const act = (action: 'submit' | 'approve' | 'reject') => plan && latest && run(() => goalsApi.act(plan.name, latest.id, action), t(`goals.split.${action}Notice`));

  const monthName = useMemo(() => {
    const f = new Intl.DateTimeFormat(locale, { month: 'short' });
    return (m: string) => f.format(new Date(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1));
  }, [locale]);
  const fmt = (v: string) => formatNumber(v, { maximumFractionDigits: grid?.scale ?? 2 });
  const lockedYear = new Set((req?.locks ?? []).filter((l) => !l.month).map((l) => l.node));

  // Rows under a collapsed unit are hidden; a unit's toggle shows whether it has children.
  const visible = useMemo(() => {
    if (!grid) return [];
    const hasKids = new Set(grid.rows.map((r) => r.parent).filter((p): p is string => p !== null));
    const hidden = new Set<string>();
    return grid.rows
      .filter((r) => {
        if (r.parent && (hidden.has(r.parent) || collapsed.has(r.parent))) {
          hidden.add(r.node);
          return false;
        }
        return true;
      })
      .map((r) => ({ row: r, parentOf: hasKids.has(r.node) }));
  }, [grid, collapsed]);

  // Admins start a plan here as a form; the new plan then opens in this grid.
  const newPlan = session.isAdmin ? (
    <Link className="btn" to="/goals/plans/new">
      {t('goals.plan.new')}
    </Link>
  ) : null;
  const statusBadge = (v: PlanVersion) => <span className={`badge goal-status goal-status-${v.status}`}>{t(`goals.status.${v.status}`)}</span>;

  if (catalog.error)
    return (
      <section>
        <PageHeader title={t('goals.nav.targets')} />
        <ErrorAlert error={catalog.error} />
      </section>
    );
  if (catalog.data && !plans.length) {
    return (
      <section>
        <PageHeader title={t('goals.nav.targets')} actions={newPlan} />
        <div className="card empty-state">{t(session.isAdmin ? 'goals.split.noPlansAdmin' : 'goals.split.noPlans')}</div>
      </section>
    );
  }

  return (
    <section className="goal-split">
      <PageHeader
        title={t('goals.nav.targets')}
        actions={
          <>
            {newPlan}
            <button type="button" className="btn" disabled={!dirty || busy || !!problem} onClick={() => void save()}>
              {t('goals.split.save')}
            </button>
            {latest && !dirty && (latest.status === 'draft' || latest.status === 'rejected') && (
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setConfirm('submit')}>
                {t('goals.split.submit')}
              </button>
            )}
            {session.isAdmin && latest && !dirty && latest.status === 'submitted' && (
              <>
                <button type="button" className="btn btn-danger" disabled={busy} onClick={() => setConfirm('reject')}>
                  {t('goals.split.reject')}
                </button>
                <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setConfirm('approve')}>
                  {t('goals.split.approve')}
                </button>
              </>
            )}
          </>
        }
      />

      <div className="card goal-toolbar">
        <div className="field goal-field goal-field-wide">
          <label className="field-label" htmlFor="goal-plan">
            {t('goals.split.plan')}
          </label>
          <select id="goal-plan" value={planName} onChange={(e) => navigate(`/goals/targets?plan=${encodeURIComponent(e.target.value)}`, { replace: true })}>
            {plans.map((p) => (
              <option key={p.name} value={p.name}>
                {label(p.label, p.name)}
              </option>
            ))}
          </select>
        </div>
        <div className="field goal-field">
          <label className="field-label" htmlFor="goal-total">
            {t('goals.split.total')}
          </label>
          <TotalInput
            value={req?.total ?? ''}
            onCommit={(v) => {
              edited.current = null;
              update((r) => ({ ...r, total: v }));
            }}
          />
        </div>
        <div className="field goal-field">
          <label className="field-label" htmlFor="goal-method">
            {t('goals.split.method')}
          </label>
          <select
            id="goal-method"
            value={req?.method ?? 'equal'}
            onChange={(e) => {
              edited.current = null;
              update((r) => ({ ...r, method: e.target.value as SplitMethod }));
            }}
          >
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`goals.methods.${m}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="goal-version" aria-live="polite">
          <span className="field-label">{t('goals.split.version')}</span>
          <span className="row">
            {latest ? (
              <>
                <strong>v{latest.version}</strong>
                {statusBadge(latest)}
              </>
            ) : (
              <span className="muted">{t('goals.split.unsaved')}</span>
            )}
            {dirty && latest && <span className="badge badge-accent">{t('goals.split.edited')}</span>}
          </span>
        </div>
      </div>

      {notice && (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      )}
      <ErrorAlert error={problem} />
      <p className="muted small goal-hint">
        <span>
          <LockIcon /> {t('goals.split.hint')}
          {kpi && <> · {t('goals.split.kpi', { kpi: label(kpi.label, kpi.name) })}</>}
        </span>
      </p>

      <div className="card card-flush">
        <div className="goal-grid-wrap" role="region" aria-label={t('goals.split.grid')} tabIndex={0}>
          {!grid ? (
            <div className="loading">{t('common.loading')}</div>
          ) : (
            <table className="goal-grid">
              <thead>
                <tr>
                  <th scope="col" className="goal-name-col">
                    {t('goals.split.org')}
                  </th>
                  {req?.method === 'weights' && (
                    <th scope="col" className="num">
                      {t('goals.split.weight')}
                    </th>
                  )}
                  <th scope="col" className="num goal-year-col">
                    {t('goals.split.year')}
                  </th>
                  {grid.months.map((m) => (
                    <th key={m} scope="col" className="num" title={m}>
                      {monthName(m)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {visible.map(({ row, parentOf }) => {
                  const isRoot = row.parent === null;
                  const yearLocked = isRoot || lockedYear.has(row.node);
                  return (
                    <tr key={row.node} className={row.kind === 'unit' ? 'goal-unit-row' : 'goal-person-row'} data-node={row.node}>
                      <th scope="row" className="goal-name-col">
                        <span className="goal-name" style={{ paddingInlineStart: row.depth * 14 }}>
                          {parentOf ? (
                            <button
                              type="button"
                              className="goal-toggle"
                              aria-expanded={!collapsed.has(row.node)}
                              aria-label={t(collapsed.has(row.node) ? 'goals.split.expand' : 'goals.split.collapse', { name: row.label })}
                              onClick={() =>
                                setCollapsed((s) => {
                                  const n = new Set(s);
                                  if (n.has(row.node)) n.delete(row.node);
                                  else n.add(row.node);
                                  return n;
                                })
                              }
                            >
                              {collapsed.has(row.node) ? '▸' : '▾'}
                            </button>
                          ) : (
                            <span className="goal-toggle-space" />
                          )}
                          <span className="goal-name-text" title={row.label}>
                            {isRoot && row.node === 'company' ? t('goals.split.company') : row.label}
                          </span>
                        </span>
                      </th>
                      {req?.method === 'weights' && (
                        <td className="num">
                          {!isRoot && (
                            <GridCell
                              value={req.weights?.[row.node] ?? '1'}
                              display={req.weights?.[row.node] ?? '1'}
                              label={t('goals.split.weightOf', { row: row.label })}
                              locked={false}
                              changed={false}
                              invalid={false}
                              onCommit={(v) => {
                                edited.current = null;
                                update((r) => ({ ...r, weights: { ...(r.weights ?? {}), [row.node]: v } }));
                              }}
                            />
                          )}
                        </td>
                      )}
                      <td className="num goal-year-col">
                        <span className="goal-cell">
                          <GridCell
                            value={row.year}
                            display={fmt(row.year)}
                            label={t('goals.split.cellLabel', { row: row.label, month: t('goals.split.year') })}
                            locked={yearLocked && !isRoot}
                            changed={changed.has(lockKey(row.node))}
                            invalid={invalid.has(lockKey(row.node))}
                            onCommit={(v) => setCell(row, undefined, v)}
                          />
                          {!isRoot && lockedYear.has(row.node) && (
                            <button
                              type="button"
                              className="goal-lock"
                              aria-label={t('goals.split.unlock', { cell: `${row.label} ${t('goals.split.year')}` })}
                              title={t('goals.split.unlockHint')}
                              onClick={() => unlock(row.node)}
                            >
                              <LockIcon />
                            </button>
                          )}
                        </span>
                      </td>
                      {grid.months.map((m, j) => {
                        const locked = row.locked[j] !== null;
                        return (
                          <td key={m} className="num">
                            <span className="goal-cell">
                              <GridCell
                                value={row.cells[j]!}
                                display={fmt(row.cells[j]!)}
                                label={t('goals.split.cellLabel', { row: row.label, month: m })}
                                locked={locked}
                                changed={changed.has(lockKey(row.node, m))}
                                invalid={invalid.has(lockKey(row.node, m))}
                                onCommit={(v) => setCell(row, m, v)}
                              />
                              {locked && (
                                <button
                                  type="button"
                                  className="goal-lock"
                                  aria-label={t('goals.split.unlock', { cell: `${row.label} ${m}` })}
                                  title={t('goals.split.unlockHint')}
                                  onClick={() => unlock(row.node, m)}
                                >
                                  <LockIcon />
                                </button>
                              )}
                            </span>
                          </td>
                        );
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      </div>

      {versions.length > 0 && (
        <div className="card">
          <h2>{t('goals.split.versions')}</h2>
          <ul className="goal-versions">
            {[...versions].reverse().map((v) => (
              <li key={v.id}>
                <strong>v{v.version}</strong>
                {statusBadge(v)}
                <span className="mono">{formatNumber(v.total, { maximumFractionDigits: 2 })}</span>
                <span className="muted small">{new Date(v.created_at).toLocaleString(locale)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}

      <ConfirmDialog
        open={confirm !== null}
        title={confirm ? t(`goals.split.${confirm}Title`) : ''}
        message={confirm ? t(`goals.split.${confirm}Message`, { version: latest?.version ?? '' }) : ''}
        confirmLabel={confirm ? t(`goals.split.${confirm}`) : ''}
        danger={confirm === 'reject'}
        onConfirm={async () => {
          const a = confirm;
          setConfirm(null);
          if (a) await act(a);
        }}
        onClose={() => setConfirm(null)}
      />
    </section>
  );
}

/** The plan's top number: edited as a plain decimal, committed on Enter or when leaving the field. */
function TotalInput({ value, onCommit }: { value: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = () => {
    const clean = text.replace(/[,\s]/g, '');
    if (clean !== value && /^-?\d+(\.\d+)?$/.test(clean)) onCommit(clean);
    else setText(value);
  };
  return (
    <input
      id="goal-total"
      type="text"
      inputMode="decimal"
      autoComplete="off"
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}
