import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from './api/client.ts';
import { useI18n } from './i18n/i18n.tsx';
import { QrCode } from './QrCode.tsx';
import { useSession, type PendingStep } from './session.tsx';

interface SignedIn {
  csrfToken: string;
}

/**
 * The second step of a sign-in (password or SSO) for a user who must use TOTP: the code prompt
 * (or a recovery code), or, for a role that requires a factor not yet set up, the enrolment: the
 * authenticator link and secret, the first code, then the recovery codes (shown once).
 */
export function SecondFactor({ step, onRestart }: { step: PendingStep; onRestart: () => void }) {
  const { t } = useI18n();
  const { completeSignIn } = useSession();
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<{ codes: string[]; csrfToken: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const explain = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'second_factor_expired') return t('login.expired');
    if (err instanceof ApiError && err.status < 500) return t('login.codeFailed');
    return t('errors.network');
  };

  useEffect(() => {
    if (step.secondFactor !== 'enrol') return;
    api
      .post<{ secret: string; otpauthUrl: string }>('/auth/totp/enrol', { pendingToken: step.pendingToken })
      .then(setEnrolment)
      .catch((err: unknown) => setError(explain(err)));
    // The enrolment is made once per pending step (explain only translates).
  }, [step]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (step.secondFactor === 'enrol') {
        const res = await api.post<SignedIn & { recoveryCodes: string[] }>('/auth/totp/confirm', { pendingToken: step.pendingToken, code: code.trim() });
        setRecoveryCodes({ codes: res.recoveryCodes, csrfToken: res.csrfToken });
      } else {
        const body = recovery ? { pendingToken: step.pendingToken, recoveryCode: code.trim() } : { pendingToken: step.pendingToken, code: code.trim() };
        const res = await api.post<SignedIn>('/auth/totp/verify', body);
        await completeSignIn(res.csrfToken);
      }
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };

  if (recoveryCodes) {
    return (
      <div className="login-card" aria-labelledby="recovery-title">
        <h1 id="recovery-title">{t('login.recoveryTitle')}</h1>
        <p className="muted">{t('login.recoveryPrompt')}</p>
        <ul className="recovery-codes" data-testid="recovery-codes">
          {recoveryCodes.codes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button className="btn btn-primary btn-block" type="button" onClick={() => void completeSignIn(recoveryCodes.csrfToken)}>
          {t('login.continue')}
        </button>
      </div>
    );
  }

  const enrolling = step.secondFactor === 'enrol';
  return (
    <form className="login-card" onSubmit={submit} aria-labelledby="totp-title">
      <h1 id="totp-title">{enrolling ? t('login.enrolTitle') : t('login.totpTitle')}</h1>
      <p className="muted">{enrolling ? t('login.enrolPrompt') : t('login.totpPrompt')}</p>
      {enrolling && enrolment && (
        <>
          <QrCode text={enrolment.otpauthUrl} label={t('login.qr')} />
          <label className="field">
            <span>{t('login.otpauthUrl')}</span>
            <a href={enrolment.otpauthUrl} data-testid="otpauth-url" className="otpauth-url">
              {enrolment.otpauthUrl}
            </a>
          </label>
          <label className="field">
            <span>{t('login.secret')}</span>
            <input name="secret" readOnly value={enrolment.secret} />
          </label>
        </>
      )}
      <label className="field">
        <span>{recovery ? t('login.recoveryCode') : t('login.code')}</span>
        <input
          name={recovery ? 'recoveryCode' : 'code'}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          autoComplete="one-time-code"
          inputMode={recovery ? 'text' : 'numeric'}
          autoFocus
        />
      </label>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <button className="btn btn-primary btn-block" type="submit" disabled={busy || (enrolling && !enrolment)}>
        {busy ? t('common.working') : enrolling ? t('login.confirm') : t('login.verify')}
      </button>
      {!enrolling && (
        <button className="btn btn-ghost btn-block" type="button" onClick={() => setRecovery(!recovery)}>
          {recovery ? t('login.useCode') : t('login.useRecovery')}
        </button>
      )}
      <button className="btn btn-ghost btn-block" type="button" onClick={onRestart}>
        {t('login.startOver')}
      </button>
    </form>
  );
}
