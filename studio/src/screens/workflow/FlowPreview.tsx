import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { titleField } from '../../lib/meta.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useText } from './text.ts';

type PreviewStep = { step: string; skipped: boolean; approvers: string[] };

/**
 * Who would approve a record under the saved flow: the record is found by its title (a search
 * over the records the admin may read), with a plain message when no title matches.
 */
export function FlowPreview({ flow, object, personText }: { flow: string; object: string; personText: (id: string) => string }) {
  const x = useText();
  const { label } = useI18n();
  const session = useSession();
  const doc = session.object(object);
  const title = doc ? titleField(doc) : 'id';
  const [q, setQ] = useState('');
  const [matches, setMatches] = useState<Array<{ id: string; text: string }> | null>(null);
  const [recordId, setRecordId] = useState('');
  const [preview, setPreview] = useState<PreviewStep[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const text = q.trim();
    if (!text || !object) {
      setMatches(null);
      setRecordId('');
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.get<ListResponse>(`/objects/${object}`, { q: text, limit: 20 }).then(
        (res) => {
          if (!live) return;
          const rows = res.data.map((r) => ({ id: r.id, text: r[title] === null || r[title] === undefined ? r.id : String(r[title]) }));
          setMatches(rows);
          setRecordId(rows[0]?.id ?? '');
        },
        (e: unknown) => live && setError(e),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, object, title]);
  const run = async () => {
    setError(null);
    try {
      setPreview((await api.post<{ steps: PreviewStep[] }>(`/workflow/flows/${encodeURIComponent(flow)}/preview`, { recordId })).steps);
    } catch (err) {
      setError(err);
    }
  };
  const objectLabel = doc ? label(doc.label, object) : object;
  return (
    <div className="card stack" style={{ marginTop: 16 }}>
      <ErrorAlert error={error} />
      <div className="row">
        <label htmlFor="preview-search">{x('findRecord')}</label>
        <input id="preview-search" type="search" value={q} onChange={(e) => (setQ(e.target.value), setPreview(null))} style={{ minWidth: 240 }} />
        {matches && matches.length > 0 && (
          <>
            <label htmlFor="preview-record">{x('record')}</label>
            <select id="preview-record" value={recordId} onChange={(e) => (setRecordId(e.target.value), setPreview(null))}>
              {matches.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.text}
                </option>
              ))}
            </select>
          </>
        )}
        <button type="button" className="btn" onClick={() => void run()} disabled={!recordId}>
          {x('preview')}
        </button>
      </div>
      {!q.trim() && <p className="muted small">{x('typeToFind')}</p>}
      {matches && matches.length === 0 && (
        <p className="alert alert-warning" role="alert" data-testid="preview-none">
          {x('noRecord', { object: objectLabel, q: q.trim() })}
        </p>
      )}
      {preview && (
        <ol data-testid="flow-preview">
          {preview.map((p) => (
            <li key={p.step}>
              <strong>{p.step}</strong>: {p.skipped ? x('skipped') : p.approvers.map(personText).join(', ') || x('nobody')}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
