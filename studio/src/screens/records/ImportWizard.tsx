import { useMemo, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import type { FormDefinition } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { parseCsv } from '../../lib/csv.ts';
import { authoredFields, type FieldInfo } from '../../lib/meta.ts';
import { checkSchema, type Schema, type SchemaIssue } from '../../validation/schema-check.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { failedRowsCsv, writeImport, type ImportOutcome } from './import-run.ts';

const IGNORE = '';

interface RowReport {
  index: number;
  record: Record<string, unknown>;
  issues: SchemaIssue[];
  /** The row as read from the file, for the failed rows' download. */
  cells: unknown[];
}

function normalise(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[\s\-]+/g, '_');
}

/** Turns a spreadsheet cell into the JSON value a field expects; leaves odd values for the validator to report. */
function coerce(field: FieldInfo | undefined, raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (raw instanceof Date) return field?.storage === 'datetime' ? raw.toISOString() : raw.toISOString().slice(0, 10);
  const s = String(raw).trim();
  if (s === '') return undefined;
  switch (field?.storage) {
    case 'integer':
      return /^-?\d+$/.test(s) ? Number(s) : s;
    case 'boolean':
      return /^(true|yes|y|1|是)$/i.test(s) ? true : /^(false|no|n|0|否)$/i.test(s) ? false : s;
    case 'money':
    case 'decimal':
    case 'percent':
      return s.replace(/[,\s]/g, '');
    case 'multi_enum':
      return s
        .split(/[;|]/)
        .map((v) => v.trim())
        .filter(Boolean);
    default:
      return s;
  }
}

export default function ImportWizard({ params }: ScreenProps) {
  const objectName = params.object ?? '';
  const { t, label, locale } = useI18n();
  const session = useSession();
  const doc = session.object(objectName);
  const fields = useMemo(() => (doc ? authoredFields(doc).filter((f) => !f.readOnly) : []), [doc]);
  const form = useAsync(() => api.get<FormDefinition>(`/metadata/objects/${objectName}/form`, { locale }), [objectName, locale]);

  const [fileName, setFileName] = useState('');
  const [header, setHeader] = useState<string[]>([]);
  const [rows, setRows] = useState<unknown[][]>([]);
  const [mapping, setMapping] = useState<string[]>([]);
  const [report, setReport] = useState<RowReport[] | null>(null);
  const [parseError, setParseError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const [done, setDone] = useState<ImportOutcome | null>(null);
  const [progress, setProgress] = useState(0);
  const [importError, setImportError] = useState<unknown>(null);

  if (!doc)
    return (
      <div className="empty-state">
        <h1>{t('errors.notFound')}</h1>
      </div>
    );

  const targets: Array<{ name: string; text: string }> = [{ name: 'external_id', text: t('import.externalId') }, ...fields.map((f) => ({ name: f.name, text: label(f.label, f.name) }))];

  const guess = (col: string): string => {
    const n = normalise(col);
    const hit = targets.find((x) => x.name === n) ?? fields.find((f) => Object.values(f.label).some((l) => l !== undefined && normalise(l) === n));
    return hit ? hit.name : IGNORE;
  };

  const onFile = async (file: File | undefined) => {
    setParseError(null);
    setReport(null);
    setDone(null);
    if (!file) return;
    try {
      let data: unknown[][];
      if (/\.xlsx$/i.test(file.name)) {
        const { readSheet } = await import('read-excel-file/browser');
        // Numbers stay text so decimals are not rounded through floating point.
        data = (await readSheet(file, { parseNumber: (s: string) => s })) as unknown[][];
      } else data = parseCsv(await file.text());
      const [head = [], ...body] = data;
      const cols = head.map((h) => String(h ?? '').trim());
      setFileName(file.name);
      setHeader(cols);
      setRows(body);
      setMapping(cols.map(guess));
    } catch (err) {
      setParseError(err);
    }
  };

  const dryRun = () => {
    const schema = (form.data?.schema ?? { type: 'object', properties: {} }) as Schema;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    // Required fields are checked, unknown columns are never sent. A row with an External ID updates
    // the record that has it (or creates one); a row without one is a new record.
    const rowSchema: Schema = { type: 'object', properties: props, required: schema.required ?? [] };
    const out = rows.map((cells, index) => {
      const record: Record<string, unknown> = {};
      mapping.forEach((target, c) => {
        if (!target) return;
        const v = coerce(
          fields.find((f) => f.name === target),
          cells[c],
        );
        if (v !== undefined) record[target] = v;
      });
      const issues = checkSchema(rowSchema, record);
      return { index: index + 2, record, issues, cells };
    });
    setReport(out);
  };

  const valid = report?.filter((r) => r.issues.length === 0) ?? [];
  const invalid = report?.filter((r) => r.issues.length > 0) ?? [];

  const runImport = async () => {
    setImporting(true);
    setImportError(null);
    try {
      setDone(await writeImport(objectName, valid, setProgress));
    } catch (err) {
      setImportError(err instanceof ApiError ? err : err);
    } finally {
      setImporting(false);
    }
  };
  const downloadFailed = (outcome: ImportOutcome) => {
    const blob = new Blob([failedRowsCsv(header, outcome.failed, t('import.reason'))], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${objectName}-failed-rows.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const fieldLabel = (name: string) => targets.find((x) => x.name === name)?.text ?? name;
  return (
    <section>
      <PageHeader
        title={t('import.titleFor', { object: label(doc.pluralLabel ?? doc.label, objectName) })}
        crumbs={[{ to: `/o/${objectName}`, text: label(doc.pluralLabel ?? doc.label, objectName) }]}
      />
      <div className="card">
        <h2>{t('import.step1')}</h2>
        <label className="field">
          <span>{t('import.file')}</span>
          <input type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => void onFile(e.target.files?.[0])} />
          <span className="field-hint">{t('import.fileHint')}</span>
        </label>
        <ErrorAlert error={parseError} />
        {fileName && <p className="muted">{t('import.parsed', { file: fileName, rows: rows.length, columns: header.length })}</p>}
      </div>
      {header.length > 0 && (
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
                    <td className="muted">{String(rows[0]?.[c] ?? '')}</td>
                    <td>
                      <select
                        aria-label={t('import.mapColumn', { column: col })}
                        value={mapping[c] ?? IGNORE}
                        onChange={(e) => {
                          setMapping((m) => m.map((x, j) => (j === c ? e.target.value : x)));
                          setReport(null);
                        }}
                      >
                        <option value={IGNORE}>{t('import.ignore')}</option>
                        {targets.map((x) => (
                          <option key={x.name} value={x.name}>
                            {x.text}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="row" style={{ marginTop: 12 }}>
            <button type="button" className="btn btn-primary" onClick={dryRun} disabled={!form.data}>
              {t('import.dryRun')}
            </button>
          </div>
        </div>
      )}
      {report && (
        <div className="card">
          <h2>{t('import.step3')}</h2>
          <p role="status">
            <span className="badge badge-success">{t('import.validRows', { count: valid.length })}</span>{' '}
            <span className={invalid.length ? 'badge badge-danger' : 'badge'}>{t('import.invalidRows', { count: invalid.length })}</span>
          </p>
          {invalid.length > 0 && (
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">{t('import.row')}</th>
                    <th scope="col">{t('import.problems')}</th>
                  </tr>
                </thead>
                <tbody>
                  {invalid.slice(0, 200).map((r) => (
                    <tr key={r.index}>
                      <td>{r.index}</td>
                      <td>
                        {r.issues.map((i, k) => (
                          <div key={k}>
                            <strong>{fieldLabel(i.path.split('/')[1] ?? '')}</strong>: {t(`validation.${i.rule}`, i.params)}
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <ErrorAlert error={importError} />
          {done ? (
            <>
              <div className={done.failed.length ? 'alert alert-warn' : 'alert alert-success'} role="status">
                {t('import.done', { count: done.created + done.upserted })} {t('import.doneDetail', { created: done.created, upserted: done.upserted, failed: done.failed.length })}{' '}
                <Link to={`/o/${objectName}`}>{t('records.viewAll')}</Link>
              </div>
              {done.failed.length > 0 && (
                <div className="stack">
                  <div className="table-wrap">
                    <table className="data" data-testid="import-failed">
                      <thead>
                        <tr>
                          <th scope="col">{t('import.row')}</th>
                          <th scope="col">{t('import.reason')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {done.failed.slice(0, 200).map((f) => (
                          <tr key={f.index}>
                            <td>{f.index}</td>
                            <td>{f.reasons.join('; ')}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <button type="button" className="btn" onClick={() => downloadFailed(done)}>
                    {t('import.downloadFailed', { count: done.failed.length })}
                  </button>
                </div>
              )}
            </>
          ) : (
            <div className="row" style={{ marginTop: 12 }}>
              <button type="button" className="btn btn-primary" disabled={importing || valid.length === 0} onClick={() => void runImport()}>
                {importing ? t('import.progress', { done: progress, count: valid.length }) : t('import.run', { count: valid.length })}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
