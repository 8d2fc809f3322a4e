import { ApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** Shows an error from the server (message + field details) or any other failure. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = api ? api.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="alert alert-error" role="alert">
      <strong>{api?.status === 403 ? t('errors.forbidden') : t('errors.failed')}</strong>
      <p>{message}</p>
      {api && api.details.length > 0 && (
        <ul>
          {api.details.map((d, i) => (
            <li key={i}>
              {d.path && <code>{d.path}</code>} {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
