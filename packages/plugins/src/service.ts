import { createHash } from 'node:crypto';
import { rangeSatisfied, validateManifest, type FormulaSignature, type Plugin, type PluginManifest, type LocalizedText, type PluginJob, type SettingsSchema } from '@attain/sandbox';
import { CHANGE_CHANNEL, isBuiltinFunction, quoteIdent, StoreError, type Actor, type ModuleHandle, type Store } from '@attain/store';
import { auditPlugin } from './audit.ts';
import { checkManifest } from './bundle.ts';
import { beyond, grantOf, type Grant } from './grant.ts';
import { SecretsError, type SecretKeys } from './secrets.ts';
import { MASK, maskSettings, mergeSettings, openSettings, resealSettings, sealSettings } from './settings.ts';
import { INSTALLS_TABLE, PLUGINS_MODULE, VERSIONS_TABLE } from './tables.ts';

type Knex = ModuleHandle['knex'];

interface InstallRow {
  name: string;
  version: string | null;
  previous_version: string | null;
  pending_version: string | null;
  enabled: boolean;
  granted: Grant | null;
  settings: Record<string, unknown>;
  installed_at: Date | string;
  updated_at: Date | string;
}

interface VersionRow {
  name: string;
  version: string;
  manifest: PluginManifest;
  code: string;
  code_hash: string;
}

export type PluginStatus = 'enabled' | 'disabled' | 'awaiting_consent';

/** A tenant's plugin as the API shows it; secret settings are masked. */
export interface PluginView {
  name: string;
  status: PluginStatus;
  version: string | null;
  pendingVersion: string | null;
  previousVersion: string | null;
  description: LocalizedText | null;
  /** What the running version, or the version awaiting consent, asks for. */
  requested: Grant;
  granted: Grant | null;
  /** Requested entries not granted yet (what the consent screen highlights). */
  needsConsent: string[];
  jobs: PluginJob[];
  /** The formula functions it provides, with their argument and result types. */
  formulas: Record<string, FormulaSignature>;
  settingsSchema: SettingsSchema | null;
  settings: Record<string, unknown>;
  versions: string[];
}

/** An enabled plugin as the runtime runs it: bundled code, manifest, settings in clear. */
export interface ActivePlugin {
  name: string;
  version: string;
  plugin: Plugin;
  settings: Record<string, unknown>;
  /** Its secret settings cannot be decrypted here: every call of it fails with this. */
  unavailable?: SecretsError;
}

const hashOf = (code: string): string => createHash('sha256').update(code).digest('hex');
const notInstalled = (name: string): StoreError =>
  new StoreError('not_found', `plugin "${name.slice(0, 64)}" is not installed`, [{ path: '/name', rule: 'installed', message: 'no such plugin in this tenant' }]);

/**
 * Install, consent, upgrade, enable/disable, rollback, uninstall and settings of tenant plugins.
 * Every change is one transaction with an audit entry; `onChange` tells the runtime to reload.
 */
export class PluginService {
  readonly store: Store;
  readonly attainVersion: string;
  readonly #onChange: (tenant: string) => void;
  readonly #keys: () => SecretKeys;

  /** `secrets`: the node's key ring (settings marked secret are stored encrypted with it). */
  constructor(store: Store, opts: { attainVersion: string; onChange?: (tenant: string) => void; secrets: () => SecretKeys }) {
    this.store = store;
    this.attainVersion = opts.attainVersion;
    this.#onChange = opts.onChange ?? (() => {});
    this.#keys = opts.secrets;
  }

  async #handle(tenant: string): Promise<ModuleHandle> {
    return this.store.modules.ensure(tenant, PLUGINS_MODULE);
  }

  #installs(q: Knex, h: ModuleHandle) {
    return q.withSchema(h.schema).table(INSTALLS_TABLE);
  }

  #versions(q: Knex, h: ModuleHandle) {
    return q.withSchema(h.schema).table(VERSIONS_TABLE);
  }

  async #change<T>(tenant: string, name: string, fn: (trx: Knex, h: ModuleHandle, row: InstallRow | undefined) => Promise<T>): Promise<T> {
    const h = await this.#handle(tenant);
    const out = await h.knex.transaction(async (trx) => {
      const row = (await this.#installs(trx, h).where({ name }).forUpdate().first()) as InstallRow | undefined;
      const result = await fn(trx, h, row);
      // Every node's runtime keys its cached plugin list on the tenant's metadata version in the
      // change feed: announce the change as one (delivered after commit, by whoever listens).
      await trx.raw('select pg_notify(?, ?)', [CHANGE_CHANNEL, `m:${h.schema}`]);
      return result;
    });
    this.store.db.changes.bumpMeta(h.schema);
    this.#onChange(h.tenant);
    return out;
  }

  async #version(q: Knex, h: ModuleHandle, name: string, version: string): Promise<VersionRow> {
    const row = (await this.#versions(q, h).where({ name, version }).first()) as VersionRow | undefined;
    if (!row) throw new StoreError('not_found', `plugin "${name}" has no version ${version}`);
    // Stored manifests were validated at install; validate again so a row edited by hand cannot widen a grant silently.
    return { ...row, manifest: validateManifest(row.manifest) };
  }

  /**
   * Installs a bundled plugin, or upgrades (or downgrades) an installed one. A first install,
   * or a version asking for anything not granted yet, waits for consent unless `consent` is set
   * (the admin saw and accepted the request, e.g. `--yes`).
   */
  async install(tenant: string, input: Plugin, actor: Actor, opts: { consent?: boolean } = {}): Promise<PluginView> {
    const manifest = checkManifest(input.manifest);
    if (typeof input.code !== 'string' || input.code.length === 0)
      throw new StoreError('validation_failed', 'the plugin has no code', [{ path: '/code', rule: 'required', message: 'bundle the plugin first' }]);
    if (manifest.attain !== undefined && !rangeSatisfied(manifest.attain, this.attainVersion)) {
      throw new StoreError('validation_failed', `plugin "${manifest.name}" supports Attain ${manifest.attain}, this is ${this.attainVersion}`, [
        { path: '/manifest/attain', rule: 'compatible', message: `Attain ${this.attainVersion} is not in ${manifest.attain}` },
      ]);
    }
    const name = manifest.name;
    const hash = hashOf(input.code);
    const builtins = Object.keys(manifest.formulas ?? {}).filter(isBuiltinFunction);
    if (builtins.length > 0) {
      throw new StoreError(
        'validation_failed',
        `${builtins.join(', ')} ${builtins.length === 1 ? 'is a function' : 'are functions'} of the formula language; name the plugin's function differently`,
        builtins.map((f) => ({ path: `/manifest/formulas/${f}`, rule: 'formula_builtin', message: `${f} is a built-in formula function` })),
      );
    }
    await this.#change(tenant, name, async (trx, h, row) => {
      await this.#formulaConflicts(trx, h, name, manifest);
      const existing = (await this.#versions(trx, h).where({ name, version: manifest.version }).first('code_hash')) as { code_hash: string } | undefined;
      if (existing && existing.code_hash !== hash) {
        throw new StoreError('conflict', `version ${manifest.version} of "${name}" is installed with different code; give the new build a new version`, [
          { path: '/manifest/version', rule: 'unique', message: 'bump the version' },
        ]);
      }
      if (!existing) await this.#versions(trx, h).insert({ name, version: manifest.version, manifest: JSON.stringify(manifest), code: input.code, code_hash: hash });
      const wanted = grantOf(manifest);
      const more = beyond(row?.granted ?? null, wanted);
      const now = new Date();
      if (!row) {
        const consented = opts.consent === true;
        await this.#installs(trx, h).insert({
          name,
          version: consented ? manifest.version : null,
          pending_version: consented ? null : manifest.version,
          enabled: consented,
          granted: consented ? JSON.stringify(wanted) : null,
          settings: JSON.stringify({}),
          installed_at: now,
          updated_at: now,
        });
        await auditPlugin(this.store, trx, h, actor, 'plugin.install', name, { version: manifest.version, consented, requested: wanted });
        return;
      }
      if (row.version === manifest.version && row.pending_version === null) return;
      if (more.length > 0 && opts.consent !== true) {
        await this.#installs(trx, h).where({ name }).update({ pending_version: manifest.version, updated_at: now });
        await auditPlugin(this.store, trx, h, actor, 'plugin.upgrade_requested', name, { version: manifest.version, needsConsent: more });
        return;
      }
      await this.#installs(trx, h)
        .where({ name })
        .update({
          version: manifest.version,
          previous_version: row.version ?? row.previous_version,
          pending_version: null,
          enabled: row.version === null ? true : row.enabled,
          granted: JSON.stringify(more.length > 0 || row.granted === null ? mergeGrant(row.granted, wanted) : row.granted),
          updated_at: now,
        });
      await auditPlugin(this.store, trx, h, actor, 'plugin.upgrade', name, { version: manifest.version, consented: more }, { version: row.version });
    });
    return this.get(tenant, name);
  }

  /** One formula function name, one plugin: another installed plugin (any version kept) may not declare it too. */
  async #formulaConflicts(trx: Knex, h: ModuleHandle, name: string, manifest: PluginManifest): Promise<void> {
    const mine = Object.keys(manifest.formulas ?? {});
    if (mine.length === 0) return;
    const others = (await this.#installs(trx, h).whereNot({ name }).select('name', 'version', 'pending_version')) as Array<Pick<InstallRow, 'name' | 'version' | 'pending_version'>>;
    for (const o of others) {
      for (const v of [o.version, o.pending_version]) {
        if (v === null) continue;
        const theirs = (await this.#version(trx, h, o.name, v)).manifest.formulas ?? {};
        const taken = mine.filter((f) => Object.hasOwn(theirs, f));
        if (taken.length > 0) {
          throw new StoreError(
            'conflict',
            `plugin "${o.name}" already provides the formula function ${taken.join(', ')}`,
            taken.map((f) => ({ path: `/manifest/formulas/${f}`, rule: 'formula_conflict', message: `${f} is provided by plugin "${o.name}"` })),
          );
        }
      }
    }
  }

  /** The admin accepts what the pending version asks for; it becomes the running version. */
  async consent(tenant: string, name: string, actor: Actor): Promise<PluginView> {
    await this.#change(tenant, name, async (trx, h, row) => {
      if (!row) throw notInstalled(name);
      if (row.pending_version === null)
        throw new StoreError('conflict', `plugin "${name}" is not waiting for consent`, [{ path: '/name', rule: 'awaiting_consent', message: 'nothing to consent to' }]);
      const v = await this.#version(trx, h, name, row.pending_version);
      const wanted = grantOf(v.manifest);
      await this.#installs(trx, h)
        .where({ name })
        .update({
          version: v.version,
          previous_version: row.version ?? row.previous_version,
          pending_version: null,
          enabled: row.version === null ? true : row.enabled,
          granted: JSON.stringify(mergeGrant(row.granted, wanted)),
          updated_at: new Date(),
        });
      await auditPlugin(this.store, trx, h, actor, 'plugin.consent', name, { version: v.version, granted: wanted }, { version: row.version });
    });
    return this.get(tenant, name);
  }

  async setEnabled(tenant: string, name: string, enabled: boolean, actor: Actor): Promise<PluginView> {
    await this.#change(tenant, name, async (trx, h, row) => {
      if (!row) throw notInstalled(name);
      if (enabled && row.version === null)
        throw new StoreError('consent_required', `plugin "${name}" needs consent before it can run`, [{ path: '/name', rule: 'consent', message: 'consent to its capabilities first' }]);
      await this.#installs(trx, h).where({ name }).update({ enabled, updated_at: new Date() });
      await auditPlugin(this.store, trx, h, actor, enabled ? 'plugin.enable' : 'plugin.disable', name, { version: row.version });
    });
    return this.get(tenant, name);
  }

  /** Back to the version that ran before the last upgrade (its grant was given then). */
  async rollback(tenant: string, name: string, actor: Actor): Promise<PluginView> {
    await this.#change(tenant, name, async (trx, h, row) => {
      if (!row) throw notInstalled(name);
      if (row.previous_version === null || row.version === null)
        throw new StoreError('conflict', `plugin "${name}" has no earlier version to roll back to`, [{ path: '/name', rule: 'previous_version', message: 'nothing to roll back to' }]);
      const v = await this.#version(trx, h, name, row.previous_version);
      const more = beyond(row.granted, grantOf(v.manifest));
      if (more.length > 0)
        throw new StoreError(
          'consent_required',
          `version ${v.version} asks for ${more.join(', ')}`,
          more.map((m) => ({ path: '/granted', rule: 'consent', message: m })),
        );
      await this.#installs(trx, h).where({ name }).update({ version: v.version, previous_version: row.version, pending_version: null, updated_at: new Date() });
      await auditPlugin(this.store, trx, h, actor, 'plugin.rollback', name, { version: v.version }, { version: row.version });
    });
    return this.get(tenant, name);
  }

  async uninstall(tenant: string, name: string, actor: Actor): Promise<void> {
    await this.#change(tenant, name, async (trx, h, row) => {
      if (!row) throw notInstalled(name);
      await this.#installs(trx, h).where({ name }).delete();
      await this.#versions(trx, h).where({ name }).delete();
      await auditPlugin(this.store, trx, h, actor, 'plugin.uninstall', name, {}, { version: row.version });
    });
  }

  async configure(tenant: string, name: string, input: unknown, actor: Actor): Promise<PluginView> {
    await this.#change(tenant, name, async (trx, h, row) => {
      if (!row) throw notInstalled(name);
      const version = row.version ?? row.pending_version;
      const schema = version === null ? undefined : (await this.#version(trx, h, name, version)).manifest.settings;
      const keys = this.#keys();
      // Secrets being replaced need not decrypt (so a value saved under a lost key can be re-entered).
      const given = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
      const replaced = new Set(Object.keys(given).filter((k) => given[k] !== undefined && given[k] !== MASK));
      const next = mergeSettings(schema, openSettings(name, row.settings ?? {}, keys, replaced), input);
      await this.#installs(trx, h)
        .where({ name })
        .update({ settings: JSON.stringify(sealSettings(schema, next, keys)), updated_at: new Date() });
      await auditPlugin(this.store, trx, h, actor, 'plugin.configure', name, { settings: maskSettings(schema, next) }, { settings: maskSettings(schema, row.settings ?? {}) });
    });
    return this.get(tenant, name);
  }

  async list(tenant: string): Promise<PluginView[]> {
    const h = await this.#handle(tenant);
    const rows = (await this.#installs(h.knex, h).orderBy('name').select('*')) as InstallRow[];
    return Promise.all(rows.map((r) => this.#view(h, r)));
  }

  async get(tenant: string, name: string): Promise<PluginView> {
    const h = await this.#handle(tenant);
    const row = (await this.#installs(h.knex, h).where({ name }).first()) as InstallRow | undefined;
    if (!row) throw notInstalled(name);
    return this.#view(h, row);
  }

  async #view(h: ModuleHandle, row: InstallRow): Promise<PluginView> {
    const shown = row.pending_version ?? row.version;
    const v = shown === null ? undefined : await this.#version(h.knex, h, row.name, shown);
    const versions = ((await this.#versions(h.knex, h).where({ name: row.name }).orderBy('created_at').select('version')) as Array<{ version: string }>).map((r) => r.version);
    const requested = v ? grantOf(v.manifest) : { read: [], write: [], fetch: [], hooks: [], org: [] };
    const schema = v?.manifest.settings;
    return {
      name: row.name,
      status: row.pending_version !== null ? 'awaiting_consent' : row.enabled ? 'enabled' : 'disabled',
      version: row.version,
      pendingVersion: row.pending_version,
      previousVersion: row.previous_version,
      description: v?.manifest.description ?? null,
      requested,
      granted: row.granted,
      needsConsent: beyond(row.granted, requested),
      jobs: v?.manifest.jobs ?? [],
      formulas: v?.manifest.formulas ?? {},
      settingsSchema: schema ?? null,
      settings: maskSettings(schema, row.settings ?? {}),
      versions,
    };
  }

  /** Whether the tenant ever had a plugin (its plugin tables exist), without creating them. */
  async #hasTables(tenant: string): Promise<boolean> {
    const snapshot = await this.store.snapshot(tenant);
    if (!snapshot) return false;
    const found = (await this.store.db.knex.raw('select to_regclass(?) as t', [`${quoteIdent(snapshot.tenant.schema)}.${quoteIdent(INSTALLS_TABLE)}`])) as { rows: Array<{ t: unknown }> };
    return Boolean(found.rows[0]?.t);
  }

  /**
   * The formula functions of every installed plugin at its running version; those of a disabled
   * plugin (or one whose grant no longer covers it) with `enabled: false`. Reads no registry, so
   * the store may ask while it hands out one.
   */
  async formulaFunctions(tenant: string): Promise<PluginFormulaFunction[]> {
    const t = await this.store.tenants.get(tenant);
    if (!t) return [];
    const found = (await this.store.db.knex.raw('select to_regclass(?) as t', [`${quoteIdent(t.schema)}.${quoteIdent(INSTALLS_TABLE)}`])) as { rows: Array<{ t: unknown }> };
    if (!found.rows[0]?.t) return [];
    const h = await this.#handle(tenant);
    const rows = (await this.#installs(h.knex, h).whereNotNull('version').orderBy('name').select('*')) as InstallRow[];
    const out: PluginFormulaFunction[] = [];
    for (const r of rows) {
      const v = await this.#version(h.knex, h, r.name, r.version as string);
      const enabled = r.enabled && beyond(r.granted, grantOf(v.manifest)).length === 0;
      for (const [name, signature] of Object.entries(v.manifest.formulas ?? {})) out.push({ name, plugin: r.name, version: v.version, signature, enabled });
    }
    return out;
  }

  /** The tenant's enabled plugins at their running versions, for the runtime. */
  async active(tenant: string): Promise<ActivePlugin[]> {
    // Every write asks (cached for a few seconds): a tenant that never installed a plugin gets no
    // plugin tables for it, just one catalog lookup.
    if (!(await this.#hasTables(tenant))) return [];
    const h = await this.#handle(tenant);
    const rows = (await this.#installs(h.knex, h).where({ enabled: true }).whereNotNull('version').select('*')) as InstallRow[];
    const out: ActivePlugin[] = [];
    for (const r of rows) {
      const v = await this.#version(h.knex, h, r.name, r.version as string);
      // Defence in depth: a version whose requests exceed the grant never runs.
      if (beyond(r.granted, grantOf(v.manifest)).length > 0) continue;
      const active: ActivePlugin = { name: r.name, version: v.version, plugin: { manifest: v.manifest, code: v.code }, settings: {} };
      try {
        active.settings = openSettings(r.name, r.settings ?? {}, this.#keys());
      } catch (error) {
        if (!(error instanceof SecretsError)) throw error;
        active.unavailable = error;
      }
      out.push(active);
    }
    return out;
  }

  /**
   * Re-encrypts every secret setting of the tenant's plugins with the current key (values sealed
   * with an older key of the ring, or stored in clear before encryption or before the setting was
   * marked secret). Returns how many plugins' settings changed.
   */
  async rotateSecrets(tenant: string, actor: Actor): Promise<number> {
    if (!(await this.#hasTables(tenant))) return 0;
    const h = await this.#handle(tenant);
    const names = ((await this.#installs(h.knex, h).select('name')) as Array<{ name: string }>).map((r) => r.name);
    let changed = 0;
    for (const name of names) {
      const done = await this.#change(tenant, name, async (trx, h2, row) => {
        const version = row ? (row.version ?? row.pending_version) : null;
        if (!row || version === null) return false;
        const schema = (await this.#version(trx, h2, name, version)).manifest.settings;
        const next = resealSettings(name, schema, row.settings ?? {}, this.#keys());
        if (next === null) return false;
        await this.#installs(trx, h2)
          .where({ name })
          .update({ settings: JSON.stringify(next), updated_at: new Date() });
        await auditPlugin(this.store, trx, h2, actor, 'plugin.secrets_rotated', name, { key: this.#keys().currentId });
        return true;
      });
      if (done) changed++;
    }
    return changed;
  }
}

/** A plugin formula function as the formula checker and the runtime know it. */
export interface PluginFormulaFunction {
  name: string;
  plugin: string;
  version: string;
  signature: FormulaSignature;
  enabled: boolean;
}

function mergeGrant(a: Grant | null, b: Grant): Grant {
  const u = (x: string[] | undefined, y: string[]) => [...new Set([...(x ?? []), ...y])].sort();
  return { read: u(a?.read, b.read), write: u(a?.write, b.write), fetch: u(a?.fetch, b.fetch), hooks: u(a?.hooks, b.hooks), org: u(a?.org, b.org) };
}
