import { useState } from 'react';
import { pickLabel, useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useSession } from '../../session.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { PlanView } from '../designer/PlanView.tsx';
import type { Plan } from '../../api/types.ts';
import { templatesApi, type GalleryEntry } from './api.ts';
import { UpgradePanel } from './UpgradePanel.tsx';

type Pending = { name: string; kind: 'install' | 'uninstall'; plan: Plan } | { name: string; kind: 'upgrade' };

/** The records an install loaded, in words: "12 customers, 40 orders". */
function loaded(records: Record<string, number> | undefined): string {
  return Object.entries(records ?? {})
    .filter(([, n]) => n > 0)
    .map(([object, n]) => `${n} ${object}`)
    .join(', ');
}

/**
 * The template gallery (admins): the industry templates this server ships, which of them the
 * tenant has installed, and install, upgrade (a three-way merge the admin decides), roll back and
 * uninstall — each shows its plan first and changes nothing until accepted.
 */
export default function Templates() {
  const { t, locale } = useI18n();
  const session = useSession();
  const gallery = useAsync(() => templatesApi.gallery(), []);
  const [pending, setPending] = useState<Pending | null>(null);
  const [withData, setWithData] = useState(true);
  const [confirmRollback, setConfirmRollback] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const done = await fn();
      if (done) {
        setMessage(done);
        setPending(null);
        await session.refreshMetadata();
        gallery.reload();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // The plan first: `accept: false` answers what would happen and changes nothing.
  const planInstall = (name: string) =>
    run(async () => {
      const answer = await templatesApi.install(name, false, withData);
      setPending({ name, kind: 'install', plan: answer.plan as Plan });
      return null;
    });
  const planUninstall = (name: string) =>
    run(async () => {
      const answer = await templatesApi.uninstall(name, false);
      setPending({ name, kind: 'uninstall', plan: answer.plan as Plan });
      return null;
    });
  const install = (entry: GalleryEntry) =>
    run(async () => {
      const done = await templatesApi.install(entry.name, true, withData);
      const records = loaded(done.data?.records);
      return records ? t('templates.installedWithData', { name: title(entry), version: done.version, records }) : t('templates.installedDone', { name: title(entry), version: done.version });
    });
  const uninstall = (entry: GalleryEntry) =>
    run(async () => {
      await templatesApi.uninstall(entry.name, true);
      return t('templates.uninstalled', { name: title(entry) });
    });
  const rollback = (name: string) =>
    run(async () => {
      const done = await templatesApi.rollback(name);
      return t('templates.rolledBack', { name, version: done.version });
    });
  const title = (e: GalleryEntry) => (e.label ? pickLabel(e.label, locale) : e.name);

  return (
    <div className="templates-screen">
      <PageHeader title={t('templates.title')} />
      <p className="muted">{t('templates.intro')}</p>
      {message && (
        <p className="alert alert-success" role="status">
          {message}
        </p>
      )}
      <ErrorAlert error={gallery.error ?? error} />
      <div className="template-gallery">
        {(gallery.data ?? []).map((e) => {
          const open = pending?.name === e.name ? pending : null;
          return (
            <section key={e.name} className="card stack template-card" aria-label={title(e)} data-testid={`template-${e.name}`}>
              <h2>
                {title(e)} <span className="muted">{e.version}</span> {e.installed && <span className="badge badge-enabled">{t('templates.installedVersion', { version: e.installed })}</span>}
              </h2>
              {e.industry && <p className="muted">{t('templates.industry', { industry: e.industry })}</p>}
              {e.description && <p>{e.description}</p>}
              <div className="actions">
                {!e.installed && (
                  <>
                    <label>
                      <input type="checkbox" checked={withData} onChange={(ev) => setWithData(ev.target.checked)} /> {t('templates.withData')}
                    </label>
                    <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void planInstall(e.name)}>
                      {t('templates.install')}
                    </button>
                  </>
                )}
                {e.installed && e.installed !== e.version && (
                  <button type="button" className="btn btn-primary" disabled={busy} onClick={() => setPending({ name: e.name, kind: 'upgrade' })}>
                    {t('templates.upgradeTo', { version: e.version })}
                  </button>
                )}
                {e.installed && (
                  <>
                    {e.canRollBack && (
                      <button type="button" className="btn" disabled={busy} onClick={() => setConfirmRollback(e.name)}>
                        {t('templates.rollback')}
                      </button>
                    )}
                    <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void planUninstall(e.name)}>
                      {t('templates.uninstall')}
                    </button>
                  </>
                )}
              </div>
              {open && open.kind !== 'upgrade' && (
                <div className="stack" data-testid={`template-plan-${e.name}`}>
                  <PlanView plan={open.plan} />
                  <div className="actions">
                    <button
                      type="button"
                      className={open.kind === 'uninstall' ? 'btn btn-danger' : 'btn btn-primary'}
                      disabled={busy}
                      onClick={() => void (open.kind === 'install' ? install(e) : uninstall(e))}
                    >
                      {open.kind === 'install' ? t('templates.acceptInstall') : t('templates.acceptUninstall')}
                    </button>
                    <button type="button" className="btn" onClick={() => setPending(null)}>
                      {t('common.cancel')}
                    </button>
                  </div>
                </div>
              )}
              {open?.kind === 'upgrade' && <UpgradePanel name={e.name} onCancel={() => setPending(null)} onDone={(m) => void run(async () => m)} />}
            </section>
          );
        })}
      </div>
      <ConfirmDialog
        open={confirmRollback !== null}
        title={t('templates.rollbackTitle', { name: confirmRollback ?? '' })}
        message={t('templates.rollbackMessage')}
        confirmLabel={t('templates.rollback')}
        onConfirm={() => {
          const name = confirmRollback;
          setConfirmRollback(null);
          if (name) void rollback(name);
        }}
        onClose={() => setConfirmRollback(null)}
      />
    </div>
  );
}
