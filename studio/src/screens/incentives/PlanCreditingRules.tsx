import { Fragment, useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Link } from '../../lib/router.tsx';
import { LintContext, CellInput, CellSelect, CellIssue } from './lint.tsx';
import { PlanCreditFilter } from './PlanCreditFilter.tsx';
import { checkRuleFormats, sumDecimals } from './plan-checks.ts';
import { incentivesApi, RULE_TYPES, type CreditingRule, type CreditingRuleType, type LintIssue } from './api.ts';

const PRIMARY: readonly CreditingRuleType[] = ['owner', 'split', 'assignment'];
const today = () => new Date().toISOString().slice(0, 10);
const slug = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);

/** Primary credit handed out today by rules without conditions: what must total 100%. */
function primaryTotal(rules: readonly CreditingRule[]): string | undefined {
  const d = today();
  return sumDecimals(rules.filter((r) => PRIMARY.includes(r.type) && !r.when && r.effectiveFrom <= d && (!r.effectiveTo || r.effectiveTo >= d)).map((r) => r.pct ?? '100'));
}

/**
 * Who gets credit for a sale, for every plan: the owner, split rows, the territory's payee
 * (primary credit, 100% in total), plus declared extra credit for the owner's team, managers up
 * the org (a rate per level) and product specialists (overlay). The server's check of the rules
 * is shown on the offending cell.
 */
export function PlanCreditingRules() {
  const { t } = useI18n();
  const [stored, setStored] = useState<CreditingRule[] | null>(null);
  const [rules, setRules] = useState<CreditingRule[]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const [serverIssues, setServerIssues] = useState<LintIssue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = () =>
    incentivesApi.rules().then((r) => {
      setStored(r);
      setRules(r);
    }, setError);
  useEffect(() => void load(), []);

  const formatIssues = useMemo(() => checkRuleFormats(rules, (rule) => t(`incentives.check.${rule}`)), [rules, t]);
  const issues = useMemo(() => [...formatIssues, ...serverIssues], [formatIssues, serverIssues]);
  const storedIds = new Set((stored ?? []).map((r) => r.id));
  const total = primaryTotal(rules);
  const change = (next: CreditingRule[]) => {
    setRules(next);
    setServerIssues([]);
    setSaved(false);
  };
  const set = (i: number, patch: Partial<CreditingRule>) =>
    change(
      rules.map((r, k) => {
        if (k !== i) return r;
        const next: Record<string, unknown> = { ...r, ...patch };
        for (const [key, v] of Object.entries(next)) if (v === undefined || v === '') delete next[key];
        return next as unknown as CreditingRule;
      }),
    );
  const setLabel = (i: number, r: CreditingRule, text: string) => {
    // A new rule takes its API name from its label; a stored rule keeps its id (credits refer to it).
    const name = storedIds.has(r.id) ? r.name : slug(text) || r.name;
    set(i, { label: { ...r.label, en: text }, ...(storedIds.has(r.id) ? {} : { name, id: name }) });
  };
  const add = () => {
    const n = rules.length + 1;
    change([...rules, { kind: 'crediting_rule', id: `rule_${n}`, name: `rule_${n}`, label: { en: '' }, effectiveFrom: `${today().slice(0, 7)}-01`, type: 'owner', pct: '100' }]);
    setOpen(rules.length);
  };
  const save = async (list: CreditingRule[]) => {
    setError(null);
    setSaved(false);
    if (checkRuleFormats(list, (rule) => rule).length) {
      setError(new Error(t('incentives.check.fixCells')));
      return;
    }
    setBusy(true);
    try {
      const warnings = await incentivesApi.saveRules(list);
      setServerIssues(warnings.issues.map(atRules));
      setSaved(true);
      // Stored as sent; the rows keep the order the admin sees (a reload lists them by id).
      setStored(list);
      setRules(list);
    } catch (e) {
      // The rules' check names its cells: each finding is shown on its cell, not in a list.
      if (e instanceof ApiError && e.status === 422 && e.details.length) {
        setServerIssues(e.details.map((d) => atRules({ severity: 'error', path: d.path, rule: d.rule, message: d.message })));
        setError(new Error(t('incentives.check.fixCells')));
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="crediting-rules">
      <div className="inc-section-h">
        <h2>{t('incentives.rules.title')}</h2>
        {rules.length > 0 && (
          <span className={`badge ${total === '100' ? 'badge-success' : 'badge-danger'}`} data-testid="primary-total">
            {t('incentives.rules.total', { pct: total ?? '?' })}
          </span>
        )}
      </div>
      <p className="muted small">
        {t('incentives.rules.hint')} <Link to="/incentives/territories">{t('incentives.rules.assignmentsLink')}</Link>
      </p>
      {stored && stored.length === 0 && rules.length === 0 && (
        <div className="alert alert-warn" role="status">
          <p>{t('incentives.designer.noRules')}</p>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() =>
              void save([{ kind: 'crediting_rule', id: 'owner', name: 'owner', label: { en: 'Record owner', 'zh-CN': '记录负责人' }, effectiveFrom: '2000-01-01', type: 'owner', pct: '100' }])
            }
          >
            {t('incentives.designer.addOwnerRule')}
          </button>
        </div>
      )}
      <ErrorAlert error={error} />
      {saved && (
        <div className="alert alert-success" role="status">
          {t('incentives.rules.saved')}
        </div>
      )}
      <LintContext.Provider value={{ issues, base: '' }}>
        {rules.length > 0 && (
          <div className="table-wrap">
            <table className="inc-rate-table inc-text-grid inc-rules" aria-label={t('incentives.rules.title')}>
              <colgroup>
                <col style={{ width: '27%' }} />
                <col style={{ width: '23%' }} />
                <col style={{ width: '11%' }} />
                <col style={{ width: '16%' }} />
                <col style={{ width: '16%' }} />
                <col style={{ width: '7%' }} />
              </colgroup>
              <thead>
                <tr>
                  <th>{t('incentives.rules.label')}</th>
                  <th>{t('incentives.rules.type')}</th>
                  <th>{t('incentives.rules.pct')}</th>
                  <th>{t('incentives.designer.effectiveFrom')}</th>
                  <th>{t('incentives.payoutRules.effectiveTo')}</th>
                  <th aria-label={t('incentives.rules.more')} />
                </tr>
              </thead>
              <tbody>
                {rules.map((r, i) => (
                  <Fragment key={i}>
                    <tr data-testid="rule-row">
                      <td>
                        <CellInput
                          className="inc-cell"
                          path={`/rules/${i}/label`}
                          aria-label={t('incentives.rules.cell', { row: i + 1, col: t('incentives.rules.label') })}
                          value={r.label.en}
                          onChange={(e) => setLabel(i, r, e.target.value)}
                        />
                        <CellIssue path={`/rules/${i}/name`} />
                      </td>
                      <td>
                        <CellSelect
                          className="inc-cell"
                          path={`/rules/${i}/type`}
                          aria-label={t('incentives.rules.cell', { row: i + 1, col: t('incentives.rules.type') })}
                          value={r.type}
                          onChange={(e) => {
                            const type = e.target.value as CreditingRuleType;
                            set(i, { type, ...(type === 'rollup' ? { pct: undefined, levels: r.levels ?? [{ pct: '10' }] } : { levels: undefined }) });
                          }}
                        >
                          {RULE_TYPES.map((x) => (
                            <option key={x} value={x}>
                              {t(`incentives.rules.types.${x}`)}
                            </option>
                          ))}
                        </CellSelect>
                      </td>
                      <td>
                        {r.type === 'rollup' ? (
                          <span className="inc-cell muted">{t('incentives.rules.levelsCount', { count: r.levels?.length ?? 0 })}</span>
                        ) : (
                          <CellInput
                            className="inc-cell"
                            path={`/rules/${i}/pct`}
                            aria-label={t('incentives.rules.cell', { row: i + 1, col: t('incentives.rules.pct') })}
                            inputMode="decimal"
                            placeholder="100"
                            value={r.pct ?? ''}
                            onChange={(e) => set(i, { pct: e.target.value || undefined })}
                          />
                        )}
                      </td>
                      <td>
                        <CellInput
                          className="inc-cell"
                          type="date"
                          path={`/rules/${i}/effectiveFrom`}
                          aria-label={t('incentives.rules.cell', { row: i + 1, col: t('incentives.designer.effectiveFrom') })}
                          value={r.effectiveFrom}
                          onChange={(e) => set(i, { effectiveFrom: e.target.value })}
                        />
                      </td>
                      <td>
                        <CellInput
                          className="inc-cell"
                          type="date"
                          path={`/rules/${i}/effectiveTo`}
                          aria-label={t('incentives.rules.cell', { row: i + 1, col: t('incentives.payoutRules.effectiveTo') })}
                          value={r.effectiveTo ?? ''}
                          onChange={(e) => set(i, { effectiveTo: e.target.value || undefined })}
                        />
                      </td>
                      <td className="inc-row-actions">
                        <button
                          type="button"
                          className="btn btn-ghost btn-sm"
                          aria-expanded={open === i}
                          aria-label={t('incentives.rules.details', { row: i + 1 })}
                          onClick={() => setOpen(open === i ? null : i)}
                        >
                          {open === i ? '▴' : '▾'}
                        </button>
                        <button
                          type="button"
                          className="inc-row-del"
                          aria-label={t('incentives.rules.remove', { row: i + 1 })}
                          onClick={() => {
                            change(rules.filter((_, k) => k !== i));
                            setOpen(null);
                          }}
                        >
                          ×
                        </button>
                      </td>
                    </tr>
                    {(open === i || r.type === 'rollup') && (
                      <tr className="inc-rule-more">
                        <td colSpan={6}>
                          <RuleDetails index={i} rule={r} showFilter={open === i} set={(patch) => set(i, patch)} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <CellIssue path="/rules" />
      </LintContext.Provider>
      <div className="inc-comp-actions" style={{ gap: 8 }}>
        <button type="button" className="btn btn-sm" onClick={add}>
          + {t('incentives.rules.add')}
        </button>
        <button type="button" className="btn btn-sm btn-primary" disabled={busy || !stored} onClick={() => void save(rules)}>
          {busy ? t('common.saving') : t('incentives.rules.save')}
        </button>
      </div>
    </div>
  );
}

/** The server answers with pointers into the `rules` array; the grid's cells live under /rules. */
function atRules(i: LintIssue): LintIssue {
  return i.path.startsWith('/rules') ? i : { ...i, path: `/rules${i.path}` };
}

/** A rule's roll-up levels (a rate per manager level) and the conditions on which sales it applies. */
function RuleDetails({ index, rule, showFilter, set }: { index: number; rule: CreditingRule; showFilter: boolean; set: (patch: Partial<CreditingRule>) => void }) {
  const { t } = useI18n();
  const levels = rule.levels ?? [];
  return (
    <div className="inc-rule-details">
      {showFilter && <p className="muted small">{t(`incentives.rules.typeHint.${rule.type}`)}</p>}
      {rule.type === 'rollup' && (
        <div className="inc-levels" data-testid="rollup-levels">
          <span className="field-label">{t('incentives.rules.levels')}</span>
          {levels.map((l, j) => (
            <span key={j} className="inc-level">
              <CellInput
                className="inc-cell"
                path={`/rules/${index}/levels/${j}/pct`}
                aria-label={t('incentives.rules.level', { rule: index + 1, level: j + 1 })}
                inputMode="decimal"
                value={l.pct}
                onChange={(e) => set({ levels: levels.map((x, k) => (k === j ? { pct: e.target.value } : x)) })}
              />
              <button type="button" className="inc-row-del" aria-label={t('incentives.rules.removeLevel', { level: j + 1 })} onClick={() => set({ levels: levels.filter((_, k) => k !== j) })}>
                ×
              </button>
            </span>
          ))}
          <button type="button" className="btn btn-sm" onClick={() => set({ levels: [...levels, { pct: levels.at(-1)?.pct ?? '5' }] })}>
            + {t('incentives.rules.addLevel')}
          </button>
          <CellIssue path={`/rules/${index}/levels`} />
        </div>
      )}
      {showFilter && (
        <fieldset className="inc-plain-fieldset">
          <legend>{t('incentives.rules.when')}</legend>
          <PlanCreditFilter id={`r${index}-when`} path={`/rules/${index}/when`} value={rule.when} fields={['objects', 'products', 'categories', 'from', 'to']} onChange={(when) => set({ when })} />
        </fieldset>
      )}
    </div>
  );
}
