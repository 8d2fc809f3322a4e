import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { parseCsv } from '../../lib/csv.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { failedRowsCsv } from '../records/import-run.ts';
import { importsApi, type ImportKindInfo, type ImportResult } from './api.ts';

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** The field a sheet column fills by its header: the field's name, an alias or its label. */
function guess(kind: ImportKindInfo, header: string): string {
  const n = norm(header);
  return kind.columns.find((c) => norm(c.field) === n || c.aliases?.includes(n) || Object.values(c.label).some((l) => l !== undefined && norm(l) === n))?.field ?? '';
}

/** A cell as text, for the sample column and the failed rows' download (the server reads the file itself). */
const text = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v === null || v === undefined ? '' : String(v));

/**
 * Imports of data that are not records: pick a kind, upload a CSV or XLSX file, map its columns,
 * check it on the server (a dry run: per-row results, nothing written), import, and download the
 * rows that failed with the reason. A bad row fails alone; the others are imported.
 */
export default function DataImport() {
  const { t, label, locale } = useI18n();
  const kinds = useAsync(() => importsApi.kinds(), []);
  const [kindName, setKindName] = useState('');
  const kind = kinds.data?.data.find((k) => k.name === kindName) ?? kinds.data?.data[0];
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<string[]>([]);
  const [cells, setCells] = useState<string[][]>([]);
  const [mapping, setMapping] = useState<string[]>([]);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const reset = () => {
    setResult(null);
    setError(null);
  };

  const onFile = async (f: File | undefined) => {
    reset();
    setFile(null);
    setHeader([]);
    if (!f || !kind) return;
    try {
      let data: unknown[][];
      if (/\.xlsx$/i.test(f.name)) {
        const { readSheet } = await import('read-excel-file/browser');
        data = (await readSheet(f, { parseNumber: (s: string) => s })) as unknown[][];
      } else data = parseCsv(await f.text());
      const [head = [], ...body] = data;
      const cols = head.map((h) => text(h).trim());
      setFile(f);
      setHeader(cols);
      setCells(body.filter((r) => r.some((c) => text(c).trim() !== '')).map((r) => r.map(text)));
      setMapping(cols.map((c) => guess(kind, c)));
    } catch (err) {
      setError(err);
    }
  };

  const run = async (dryRun: boolean) => {
    if (!file || !kind) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await importsApi.run(kind.name, file, Object.fromEntries(header.map((h, c) => [h, mapping[c] ?? ''])), dryRun));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fieldLabel = (field: string) => {
    const c = kind?.columns.find((x) => x.field === field);
    return c ? label(c.label, field) : field;
  };
  const failed = result?.rows.filter((r) => r.status === 'failed') ?? [];
  const downloadFailed = () => {
    const rows = failed.map((r) => ({ index: r.row, cells: cells[r.row - 2] ?? [], reasons: (r.errors ?? []).map((e) => `${fieldLabel(e.field) || '—'}: ${e.message}`) }));
    const blob = new Blob([failedRowsCsv(header, rows, t('import.reason'))], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${kind?.name ?? 'import'}-failed-rows.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    <section data-testid="data-import">
      <PageHeader title={t('dataImport.title')} />
      <p className="muted">{t('dataImport.intro')}</p>
      <ErrorAlert error={kinds.error ?? error} />
      {kinds.data && !kind && <p className="empty-state">{t('dataImport.none')}</p>}
      {kind && (
        <div className="card">
          <h2>{t('dataImport.step1')}</h2>
          <label className="field">
            <span>{t('dataImport.kind')}</span>
            <select
              aria-label={t('dataImport.kind')}
              value={kind.name}
              onChange={(e) => {
                setKindName(e.target.value);
                setFile(null);
                setHeader([]);
                reset();
              }}
            >
              {kinds.data?.data.map((k) => (
                <option key={k.name} value={k.name}>
                  {label(k.label, k.name)}
                </option>
              ))}
            </select>
          </label>
          <p className="muted">
            {t('dataImport.columns')} {kind.columns.map((c) => `${label(c.label, c.field)} (${c.field}${c.required ? ', *' : ''})`).join(' · ')}
          </p>
          <div className="row" style={{ flexWrap: 'wrap', gap: 8 }}>
            <button type="button" className="btn" onClick={() => void importsApi.template(kind.name, 'csv', locale).catch(setError)}>
              {t('dataImport.templateCsv')}
            </button>
            <button type="button" className="btn" onClick={() => void importsApi.template(kind.name, 'xlsx', locale).catch(setError)}>
              {t('dataImport.templateXlsx')}
            </button>
          </div>
          <label className="field">
            <span>{t('import.file')}</span>
            <input
              key={kind.name}
              type="file"
              aria-label={t('import.file')}
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => void onFile(e.target.files?.[0])}
            />
          </label>
          {file && <p className="muted">{t('import.parsed', { file: file.name, rows: cells.length, columns: header.length })}</p>}
        </div>
      )}
      {kind && header.length > 0 && (
        <div className="card">
          <h2>{t('import.step2')}</h2>
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t('import.column')}</th>
                  <th scope="col">{t('import.sample')}</th>
                  <th scope="col">{t('import.field')}</th>
                </tr>
              </thead>
              <tbody>
                {header.map((col, c) => (
                  <tr key={`${col}-${c}`}>
                    <td>{col}</td>
                    <td className="muted">{cells[0]?.[c] ?? ''}</td>
                    <td>
                      <select
                        aria-label={t('import.mapColumn', { column: col })}
                        value={mapping[c] ?? ''}
                        onChange={(e) => {
                          setMapping((m) => m.map((x, j) => (j === c ? e.target.value : x)));
                          reset();
                        }}
                      >
                        <option value="">{t('import.ignore')}</option>
                        {kind.columns.map((x) => (
                          <option key={x.field} value={x.field}>
                            {label(x.label, x.field)}
                            {x.required ? ' *' : ''}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="row" style={{ marginTop: 12, flexWrap: 'wrap', gap: 8 }}>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void run(true)}>
              {t('import.dryRun')}
            </button>
            {result?.dryRun && result.summary.valid > 0 && (
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void run(false)}>
                {t('import.run', { count: result.summary.valid })}
              </button>
            )}
          </div>
        </div>
      )}
      {result && (
        <div className="card">
          <h2>{result.dryRun ? t('dataImport.checked') : t('dataImport.imported')}</h2>
          <p role="status" data-testid="data-import-summary">
            <span className="badge badge-success">{result.dryRun ? t('import.validRows', { count: result.summary.valid }) : t('import.done', { count: result.summary.imported })}</span>{' '}
            <span className={failed.length ? 'badge badge-danger' : 'badge'}>{t('import.invalidRows', { count: failed.length })}</span>
          </p>
          {failed.length > 0 && (
            <>
              <div className="table-wrap">
                <table className="data" data-testid="data-import-failed">
                  <thead>
                    <tr>
                      <th scope="col">{t('import.row')}</th>
                      <th scope="col">{t('import.problems')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {failed.slice(0, 200).map((r) => (
                      <tr key={r.row}>
                        <td>{r.row}</td>
                        <td>
                          {(r.errors ?? []).map((e, k) => (
                            <div key={k}>
                              <strong>{fieldLabel(e.field) || '—'}</strong>: {e.message} <span className="muted">({e.rule})</span>
                            </div>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <button type="button" className="btn" style={{ marginTop: 8 }} onClick={downloadFailed}>
                {t('import.downloadFailed', { count: failed.length })}
              </button>
            </>
          )}
        </div>
      )}
    </section>
  );
}
