import { useMemo, useState } from 'react';
import Form from '@rjsf/core/lib/components/Form.js';
import type { RJSFSchema } from '@rjsf/utils';
import { pickLabel, useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { createValidator } from '../../validation/rjsf-validator.ts';
import { pluginsApi, type Grant, type Localized, type PluginView } from './api.ts';

const text = (d: Localized, locale: string): string => (d === null ? '' : typeof d === 'string' ? d : pickLabel(d, locale));

/** What a plugin asks for, the entries not granted yet marked: the consent the admin gives. */
function Capabilities({ requested, pending }: { requested: Grant; pending: string[] }) {
  const { t } = useI18n();
  const rows: Array<[keyof Grant, string]> = [
    ['read', t('plugins.cap.read')],
    ['write', t('plugins.cap.write')],
    ['fetch', t('plugins.cap.fetch')],
    ['hooks', t('plugins.cap.hooks')],
    ['org', t('plugins.cap.org')],
  ];
  return (
    <dl className="plugin-caps" data-testid="plugin-capabilities">
      {rows.map(([key, label]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd>
            {(requested[key] ?? []).length === 0
              ? '—'
              : (requested[key] ?? []).map((v) => (
                  <code key={v} className={pending.includes(`${key}:${v}`) ? 'plugin-new' : undefined}>
                    {v}
                  </code>
                ))}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function PluginCard({ plugin, onChange }: { plugin: PluginView; onChange: () => void }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const validator = useMemo(() => createValidator((issue) => t(`validation.${issue.rule}`, issue.params)), [t]);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    setSaved(false);
    try {
      await fn();
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  const schema = plugin.settingsSchema ? ({ ...plugin.settingsSchema, additionalProperties: false } as RJSFSchema) : null;
  return (
    <section className="card plugin-card" data-testid={`plugin-${plugin.name}`}>
      <h2>
        {plugin.name} <span className="muted">{plugin.version ?? plugin.pendingVersion}</span> <span className={`badge badge-${plugin.status}`}>{t(`plugins.status.${plugin.status}`)}</span>
      </h2>
      <p>{text(plugin.description, locale)}</p>
      {plugin.status === 'awaiting_consent' ? (
        <div className="plugin-consent">
          <p>{t('plugins.consentIntro', { version: plugin.pendingVersion ?? '' })}</p>
          <Capabilities requested={plugin.requested} pending={plugin.needsConsent} />
          <button type="button" className="btn btn-primary" onClick={() => void run(() => pluginsApi.consent(plugin.name))}>
            {t('plugins.accept')}
          </button>
        </div>
      ) : (
        <Capabilities requested={plugin.requested} pending={[]} />
      )}
      <div className="actions">
        {plugin.status === 'enabled' && (
          <button type="button" className="btn" onClick={() => void run(() => pluginsApi.disable(plugin.name))}>
            {t('plugins.disable')}
          </button>
        )}
        {plugin.status === 'disabled' && (
          <button type="button" className="btn" onClick={() => void run(() => pluginsApi.enable(plugin.name))}>
            {t('plugins.enable')}
          </button>
        )}
        {plugin.previousVersion && plugin.version && (
          <button type="button" className="btn" onClick={() => void run(() => pluginsApi.rollback(plugin.name))}>
            {t('plugins.rollback', { version: plugin.previousVersion })}
          </button>
        )}
        <button type="button" className="btn btn-danger" onClick={() => window.confirm(t('plugins.confirmUninstall', { name: plugin.name })) && void run(() => pluginsApi.uninstall(plugin.name))}>
          {t('plugins.uninstall')}
        </button>
      </div>
      {schema && (
        <div className="plugin-settings">
          <h3>{t('plugins.settings')}</h3>
          <Form
            schema={schema}
            formData={plugin.settings}
            validator={validator}
            showErrorList={false}
            noHtml5Validate
            idPrefix={`plugin-${plugin.name}`}
            onError={() => undefined}
            onSubmit={(e) => void run(() => pluginsApi.configure(plugin.name, (e.formData ?? {}) as Record<string, unknown>)).then(() => setSaved(true))}
          >
            <button type="submit" className="btn btn-primary">
              {t('plugins.saveSettings')}
            </button>
          </Form>
          {saved && (
            <p className="muted" role="status">
              {t('plugins.saved')}
            </p>
          )}
        </div>
      )}
      <ErrorAlert error={error} />
    </section>
  );
}

/**
 * Tenant plugins (admins): the first-party catalog to install from, and each installed plugin with
 * what it asks for (consent), its settings (secrets show as "••••" and are kept unless retyped),
 * enable/disable, rollback and uninstall.
 */
export default function Plugins() {
  const { t, locale } = useI18n();
  const installed = useAsync(() => pluginsApi.list().then((r) => r.data), []);
  const catalog = useAsync(() => pluginsApi.catalog().then((r) => r.data), []);
  const [error, setError] = useState<unknown>(null);
  const names = new Set((installed.data ?? []).map((p) => p.name));
  const install = async (pkg: string) => {
    setError(null);
    try {
      await pluginsApi.install(pkg);
      installed.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="plugins-screen">
      <PageHeader title={t('plugins.title')} />
      <p className="muted">{t('plugins.intro')}</p>
      <ErrorAlert error={installed.error ?? catalog.error ?? error} />
      {(installed.data ?? []).map((p) => (
        <PluginCard key={p.name} plugin={p} onChange={installed.reload} />
      ))}
      <section className="card">
        <h2>{t('plugins.catalog')}</h2>
        <ul className="plugin-catalog">
          {(catalog.data ?? []).map((c) => (
            <li key={c.package}>
              <strong>{c.name}</strong> <span className="muted">{c.version}</span> — {text(c.description, locale)}{' '}
              {names.has(c.name) ? (
                <span className="muted">{t('plugins.installed')}</span>
              ) : (
                <button type="button" className="btn btn-sm" data-testid={`install-${c.package}`} onClick={() => void install(c.package)}>
                  {t('plugins.install')}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
