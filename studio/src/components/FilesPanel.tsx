import { useState } from 'react';
import { api, uploadFile } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/useAsync.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

export interface StoredFile {
  id: string;
  name: string;
  type: string;
  size: number;
  thumbnail: boolean;
  exif?: { takenAt?: string | null; lat?: number | null; lng?: number | null } | null;
  createdAt: string;
}

const kb = (n: number) => `${Math.max(1, Math.round(n / 1024))} kB`;

/**
 * Photos and files on a record: thumbnails, the photo's own time and place (EXIF), a download link,
 * and — for whoever may update the record — a picker that takes a photo on a phone, and delete.
 * The server checks every upload on its bytes and answers in words (type, size, scan).
 */
export function FilesPanel({ object, id, canEdit }: { object: string; id: string; canEdit: boolean }) {
  const { t, locale } = useI18n();
  const files = useAsync(() => api.get<{ data: StoredFile[] }>(`/objects/${object}/${id}/files`).then((r) => r.data), [object, id]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const upload = async (list: FileList | null) => {
    const file = list?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      await uploadFile(`/objects/${object}/${id}/files`, file, file.name, { 'idempotency-key': `${id}-${file.name}-${file.size}-${file.lastModified}` });
      files.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (f: StoredFile) => {
    setError(null);
    try {
      await api.del(`/files/${f.id}`);
      files.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card files-panel" aria-label={t('files.title')} data-testid="files-panel">
      <h2>{t('files.title')}</h2>
      <ErrorAlert error={files.error ?? error} />
      {files.data && files.data.length === 0 && <p className="muted">{t('files.none')}</p>}
      <ul className="files-list">
        {(files.data ?? []).map((f) => (
          <li key={f.id}>
            {f.thumbnail ? <img src={`/api/v1/files/${f.id}/content?thumbnail=true`} alt={f.name} width={96} height={72} /> : <span className="file-icon">{f.type.split('/')[1] ?? f.type}</span>}
            <span className="file-meta">
              <a href={`/api/v1/files/${f.id}/content`} download={f.name}>
                {f.name}
              </a>{' '}
              <span className="muted small">{kb(f.size)}</span>
              {f.exif?.takenAt && <span className="muted small">{t('files.taken', { when: when.format(new Date(f.exif.takenAt)) })}</span>}
              {typeof f.exif?.lat === 'number' && typeof f.exif?.lng === 'number' && (
                <span className="muted small">{t('files.place', { lat: f.exif.lat.toFixed(5), lng: f.exif.lng.toFixed(5) })}</span>
              )}
            </span>
            {canEdit && (
              <button type="button" className="btn btn-sm" onClick={() => void remove(f)} aria-label={t('files.delete', { name: f.name })}>
                {t('files.deleteShort')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {canEdit && (
        <label className="btn">
          {busy ? t('common.working') : t('files.add')}
          <input type="file" className="visually-hidden" accept="image/*,application/pdf,text/plain" capture="environment" disabled={busy} onChange={(e) => void upload(e.target.files)} />
        </label>
      )}
    </section>
  );
}
