import { useState, type FormEvent } from 'react';
import { ApiError } from './api/client.ts';
import { useI18n, LOCALES, type Locale } from './i18n/i18n.tsx';
import { useSession } from './session.tsx';

const TENANT_KEY = 'attain.tenant';

export function Login() {
  const { t, locale, setLocale } = useI18n();
  const { login } = useSession();
  const [tenant, setTenant] = useState(() => localStorage.getItem(TENANT_KEY) ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      localStorage.setItem(TENANT_KEY, tenant);
      await login(tenant.trim(), email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.status === 400) ? t('login.failed') : t('errors.network'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true">
            A
          </span>
          <span>{t('app.name')}</span>
        </div>
        <h1 id="login-title">{t('login.title')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <label className="field">
          <span>{t('login.tenant')}</span>
          <input name="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} required autoComplete="organization" />
        </label>
        <label className="field">
          <span>{t('login.email')}</span>
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />
        </label>
        {error && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <label className="field field-inline">
          <span>{t('shell.language')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)} name="locale">
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {t(`locales.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
    </main>
  );
}
