import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { fxApi } from './api.ts';

/** The base currency, time zone and fiscal year start; admins change them until the first calculation. */
export function TenantSettingsPanel({ editable }: { editable: boolean }) {
  const { t } = useI18n();
  const settings = useAsync(() => fxApi.settings().then((r) => r.data), []);
  const [edit, setEdit] = useState<{ baseCurrency: string; timeZone: string; fiscalYearStartMonth: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const s = settings.data;
  if (!s) return <ErrorAlert error={settings.error} />;
  const canEdit = editable && !s.locked;
  const save = async () => {
    if (!edit) return;
    setError(null);
    try {
      await fxApi.saveSettings({ baseCurrency: edit.baseCurrency.trim().toUpperCase(), timeZone: edit.timeZone.trim(), fiscalYearStartMonth: Number(edit.fiscalYearStartMonth) });
      setEdit(null);
      settings.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="fx-settings" data-testid="tenant-settings">
      {edit ? (
        <div className="fx-add">
          <label>
            {t('fx.settings.baseCurrency')} <input maxLength={3} size={4} value={edit.baseCurrency} onChange={(e) => setEdit({ ...edit, baseCurrency: e.target.value })} />
          </label>
          <label>
            {t('fx.settings.timeZone')} <input size={20} value={edit.timeZone} onChange={(e) => setEdit({ ...edit, timeZone: e.target.value })} />
          </label>
          <label>
            {t('fx.settings.fiscalYearStartMonth')}{' '}
            <input type="number" min={1} max={12} value={edit.fiscalYearStartMonth} onChange={(e) => setEdit({ ...edit, fiscalYearStartMonth: e.target.value })} />
          </label>
          <button type="button" className="btn btn-primary" onClick={() => void save()}>
            {t('fx.settings.save')}
          </button>
          <button type="button" className="btn" onClick={() => setEdit(null)}>
            {t('fx.settings.cancel')}
          </button>
        </div>
      ) : (
        <p>
          {t('fx.settings.summary', { base: s.baseCurrency, tz: s.timeZone, month: s.fiscalYearStartMonth })}{' '}
          {s.locked ? (
            <span className="muted">{t('fx.settings.locked')}</span>
          ) : (
            canEdit && (
              <button type="button" className="btn btn-sm" onClick={() => setEdit({ baseCurrency: s.baseCurrency, timeZone: s.timeZone, fiscalYearStartMonth: String(s.fiscalYearStartMonth) })}>
                {t('fx.settings.edit')}
              </button>
            )
          )}
        </p>
      )}
      <ErrorAlert error={error} />
    </div>
  );
}
