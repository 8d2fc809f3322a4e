import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from './api/client.ts';
import { useI18n, LOCALES, type Locale } from './i18n/i18n.tsx';
import { SecondFactor } from './SecondFactor.tsx';
import { useSession, type PendingStep } from './session.tsx';

const TENANT_KEY = 'attain.tenant';

/** A sign-in through SSO that needs a second factor comes back as `#second-factor=<token>&step=totp|enrol`. */
function stepFromLocation(): PendingStep | null {
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = hash.get('second-factor');
  const step = hash.get('step');
  if (!token || (step !== 'totp' && step !== 'enrol')) return null;
  return { pendingToken: token, secondFactor: step };
}

export function Login() {
  const { t, locale, setLocale } = useI18n();
  // A failed SSO sign-in comes back as `#sso-error=<code>`.
  const ssoErrorFromLocation = () => {
    const code = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('sso-error');
    return !code ? null : `${t('login.ssoFailed')} (${code})`;
  };
  const { login } = useSession();
  const [tenant, setTenant] = useState(() => localStorage.getItem(TENANT_KEY) ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(ssoErrorFromLocation);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<PendingStep | null>(stepFromLocation);
  const [sso, setSso] = useState<{ tenant: string; label: string } | null>(null);

  // The pending token or error leaves the address bar (and the history) once read.
  useEffect(() => {
    if (/(second-factor|sso-error)=/.test(window.location.hash)) window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }, []);

  // Whether the workspace offers single sign-on (asked once the name stops changing).
  useEffect(() => {
    const name = tenant.trim();
    if (!name) return setSso(null);
    const timer = setTimeout(() => {
      api
        .get<{ oidc: boolean; label?: string }>(`/auth/sso/${encodeURIComponent(name)}`)
        .then((res) => setSso(res.oidc ? { tenant: name, label: res.label ?? 'SSO' } : null))
        .catch(() => setSso(null));
    }, 300);
    return () => clearTimeout(timer);
  }, [tenant]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      localStorage.setItem(TENANT_KEY, tenant);
      const step = await login(tenant.trim(), email.trim(), password);
      if (step) setPending(step);
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.status === 400) ? t('login.failed') : t('errors.network'));
    } finally {
      setBusy(false);
    }
  };

  if (pending) {
    return (
      <main className="login-page">
        <SecondFactor step={pending} onRestart={() => setPending(null)} />
      </main>
    );
  }

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
        {sso && (
          <>
            <a className="btn btn-primary btn-block" href={`/api/v1/auth/oidc/${encodeURIComponent(sso.tenant)}/start`} data-testid="sso-button">
              {t('login.sso', { label: sso.label })}
            </a>
            <p className="muted login-divider">{t('login.or')}</p>
          </>
        )}
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
