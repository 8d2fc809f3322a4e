import { useEffect, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { ApiError } from '../../api/client.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LintContext, CellInput, CellSelect, CellIssue } from './lint.tsx';
import { incentivesApi, type KeyedList, type LintIssue, type SpecialistRow, type TerritoryRow } from './api.ts';

/** A row as edited: the key is the customer id (territories) or the category (specialists). */
export interface KeyedRow {
  key: string;
  payeeId: string;
  from: string;
  to: string;
}
export interface Payee {
  id: string;
  name: string;
  active?: boolean;
}

const KEY_FIELD = { territories: 'customerId', specialists: 'category' } as const;

const fromApi = (r: TerritoryRow | SpecialistRow): KeyedRow => ({ key: 'customerId' in r ? r.customerId : r.category, payeeId: r.payeeId, from: r.from, to: r.to ?? '' });

function save(list: KeyedList, rows: readonly KeyedRow[]) {
  const base = (r: KeyedRow) => ({ payeeId: r.payeeId, from: r.from, to: r.to || null });
  return list === 'territories'
    ? incentivesApi.setKeyed(
        'territories',
        rows.map((r) => ({ customerId: r.key, ...base(r) })),
      )
    : incentivesApi.setKeyed(
        'specialists',
        rows.map((r) => ({ category: r.key, ...base(r) })),
      );
}

/**
 * One list of assignments (customer → payee or category → payee, each from a date, optionally to
 * one) as a grid. The server checks the whole list on save and names the offending cell
 * (`/territories/3/to`); its message is shown on that cell. Read-only for anyone but an admin.
 */
export function KeyedAssignments({
  list,
  title,
  hint,
  saveLabel,
  keyHeader,
  payees,
  readOnly,
  renderKey,
}: {
  list: KeyedList;
  title: string;
  hint: string;
  saveLabel: string;
  keyHeader: string;
  payees: readonly Payee[];
  readOnly: boolean;
  /** The key cell: a customer picker or a category input, bound to `path`. */
  renderKey: (cell: { row: KeyedRow; index: number; path: string; label: string; onChange: (key: string) => void }) => ReactNode;
}) {
  const { t } = useI18n();
  const stored = useAsync(() => incentivesApi.keyed(list).then((rows) => rows.map(fromApi)), [list]);
  const [rows, setRows] = useState<KeyedRow[]>([]);
  const [issues, setIssues] = useState<LintIssue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setRows(stored.data ?? []), [stored.data]);
  const keyField = KEY_FIELD[list];
  // A finding on a pointer no cell shows is listed under the grid instead of being lost.
  const onCell = new RegExp(`^/${list}(/\\d+(/(${keyField}|payeeId|from|to))?)?$`);

  const change = (next: KeyedRow[]) => {
    setRows(next);
    setIssues([]);
    setDone(null);
  };
  const set = (i: number, patch: Partial<KeyedRow>) => change(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  const add = () => change([...rows, { key: '', payeeId: '', from: `${new Date().toISOString().slice(0, 7)}-01`, to: '' }]);
  const submit = async () => {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      const res = await save(list, rows);
      setRows(res.data.map(fromApi));
      setIssues([]);
      setDone(t('incentives.keyed.saved', { count: res.recomputed.transactions }));
    } catch (e) {
      if (e instanceof ApiError && e.details.length) {
        setIssues(e.details.map((d) => ({ severity: 'error', path: d.path, rule: d.rule, message: d.message })));
        setError(new Error(t('incentives.check.fixCells')));
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const col = (row: number, name: string) => t('incentives.keyed.cell', { row, col: name });
  const payeeName = t('incentives.keyed.payee');
  return (
    <div className="card" data-testid={`keyed-${list}`}>
      <div className="inc-section-h">
        <h2>{title}</h2>
        {!readOnly && (
          <button type="button" className="btn btn-sm btn-primary" disabled={busy || !stored.data} onClick={() => void submit()}>
            {busy ? t('common.saving') : saveLabel}
          </button>
        )}
      </div>
      <p className="muted small">{hint}</p>
      <ErrorAlert error={stored.error ?? error} />
      {done && (
        <div className="alert alert-success" role="status">
          {done}
        </div>
      )}
      <LintContext.Provider value={{ issues, base: '' }}>
        {stored.data && rows.length === 0 && <p className="muted small">{t('incentives.keyed.none')}</p>}
        {rows.length > 0 && (
          <fieldset className="inc-locked" disabled={readOnly}>
            <div className="table-wrap">
              <table className="inc-rate-table inc-text-grid inc-keyed" aria-label={title}>
                <colgroup>
                  <col style={{ width: '34%' }} />
                  <col style={{ width: '26%' }} />
                  <col style={{ width: '17%' }} />
                  <col style={{ width: '17%' }} />
                  <col style={{ width: '6%' }} />
                </colgroup>
                <thead>
                  <tr>
                    <th>{keyHeader}</th>
                    <th>{payeeName}</th>
                    <th>{t('incentives.keyed.from')}</th>
                    <th>{t('incentives.keyed.to')}</th>
                    <th aria-label={t('incentives.keyed.actions')} />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={i} data-testid="keyed-row">
                      <td>{renderKey({ row: r, index: i, path: `/${list}/${i}/${keyField}`, label: col(i + 1, keyHeader), onChange: (key) => set(i, { key }) })}</td>
                      <td>
                        <CellSelect className="inc-cell" path={`/${list}/${i}/payeeId`} aria-label={col(i + 1, payeeName)} value={r.payeeId} onChange={(e) => set(i, { payeeId: e.target.value })}>
                          <option value="">{t('lookup.none')}</option>
                          {r.payeeId && !payees.some((p) => p.id === r.payeeId) && <option value={r.payeeId}>{r.payeeId}</option>}
                          {payees
                            .filter((p) => p.active !== false || p.id === r.payeeId)
                            .map((p) => (
                              <option key={p.id} value={p.id}>
                                {p.name}
                              </option>
                            ))}
                        </CellSelect>
                      </td>
                      <td>
                        <CellInput
                          className="inc-cell"
                          type="date"
                          path={`/${list}/${i}/from`}
                          aria-label={col(i + 1, t('incentives.keyed.from'))}
                          value={r.from}
                          onChange={(e) => set(i, { from: e.target.value })}
                        />
                      </td>
                      <td>
                        <CellInput
                          className="inc-cell"
                          type="date"
                          path={`/${list}/${i}/to`}
                          aria-label={col(i + 1, t('incentives.keyed.to'))}
                          value={r.to}
                          onChange={(e) => set(i, { to: e.target.value })}
                        />
                      </td>
                      <td className="inc-row-actions">
                        {!readOnly && (
                          <button type="button" className="inc-row-del" aria-label={t('incentives.keyed.remove', { row: i + 1 })} onClick={() => change(rows.filter((_, k) => k !== i))}>
                            ×
                          </button>
                        )}
                        <CellIssue path={`/${list}/${i}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </fieldset>
        )}
        <CellIssue path={`/${list}`} />
        {issues
          .filter((x) => !onCell.test(x.path))
          .map((x, k) => (
            <span key={k} className="inc-cell-msg" role="alert" data-testid="cell-issue">
              {x.message}
            </span>
          ))}
      </LintContext.Provider>
      {!readOnly && (
        <div className="inc-comp-actions">
          <button type="button" className="btn btn-sm" disabled={!stored.data} onClick={add}>
            + {t('incentives.keyed.add')}
          </button>
        </div>
      )}
    </div>
  );
}
