import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { templatesApi, type Choice, type Conflict, type UpgradePlan } from './api.ts';

/** A value as the admin reads it: text as is, anything else as compact JSON, absence as a dash. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The field a conflict is about, in words: the document and the path inside it. */
function where(c: Conflict): string {
  const pointer = c.pointer.replace(/^\//, '').replaceAll('/', ' › ').replaceAll('~1', '/').replaceAll('~0', '~');
  return pointer ? `${c.document} › ${pointer}` : c.document;
}

/**
 * The three-way upgrade as the admin decides it: what the new version changes, what the tenant's
 * own changes keep, and each field both changed — the tenant's value or the template's, one choice
 * per field. Every choice re-plans; nothing is applied until "Accept upgrade", which sends the plan's
 * hash so what is applied is what was shown.
 */
export function UpgradePanel({ name, onDone, onCancel }: { name: string; onDone: (message: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [plan, setPlan] = useState<UpgradePlan | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    setError(null);
    templatesApi.planUpgrade(name, choices).then(
      (p) => live && setPlan(p),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [name, choices]);

  const accept = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      const done = await templatesApi.upgrade(name, choices, plan.hash);
      onDone(t('templates.upgraded', { name, version: done.to, revision: done.revision }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const changed = (plan?.changes ?? []).filter((c) => c.action !== 'kept' || c.kept.length > 0);
  return (
    <section className="card stack" aria-label={t('templates.upgradeTitle', { name })} data-testid="template-upgrade">
      <h3>{plan ? t('templates.upgradeFromTo', { from: plan.from, to: plan.to }) : t('templates.planning')}</h3>
      {plan && (
        <>
          <h4>{t('templates.changes')}</h4>
          {changed.length === 0 ? (
            <p className="muted">{t('templates.noChanges')}</p>
          ) : (
            <ul className="template-changes">
              {changed.map((c) => (
                <li key={c.document}>
                  <span className="badge">{t(`templates.action.${c.action}`)}</span> <code>{c.document}</code>
                  {c.kept.length > 0 && <span className="muted"> — {t('templates.keptYours', { count: c.kept.length })}</span>}
                </li>
              ))}
            </ul>
          )}
          <h4>{t('templates.conflicts', { count: plan.conflicts.length })}</h4>
          {plan.conflicts.length === 0 ? (
            <p className="muted">{t('templates.noConflicts')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="template-conflicts">
                <thead>
                  <tr>
                    <th scope="col">{t('templates.field')}</th>
                    <th scope="col">{t('templates.installedValue')}</th>
                    <th scope="col">{t('templates.yourValue')}</th>
                    <th scope="col">{t('templates.newValue')}</th>
                  </tr>
                </thead>
                <tbody>
                  {plan.conflicts.map((c) => (
                    <tr key={c.path}>
                      <th scope="row">
                        <code>{where(c)}</code>
                      </th>
                      <td className="muted">{shown(c.base)}</td>
                      <td>
                        <label>
                          <input type="radio" name={`choice-${c.path}`} checked={choices[c.path] === 'ours'} onChange={() => setChoices({ ...choices, [c.path]: 'ours' })} /> {t('templates.keepMine')}:{' '}
                          {shown(c.ours)}
                        </label>
                      </td>
                      <td>
                        <label>
                          <input type="radio" name={`choice-${c.path}`} checked={choices[c.path] === 'theirs'} onChange={() => setChoices({ ...choices, [c.path]: 'theirs' })} />{' '}
                          {t('templates.takeTemplate')}: {shown(c.theirs)}
                        </label>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {plan.unresolved.length > 0 && (
            <p className="alert alert-warn" role="status">
              {t('templates.chooseEach', { count: plan.unresolved.length })}
            </p>
          )}
        </>
      )}
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={!plan || plan.unresolved.length > 0 || busy} onClick={() => void accept()}>
          {t('templates.acceptUpgrade')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </section>
  );
}
