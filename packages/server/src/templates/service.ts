// Install, upgrade, roll back, uninstall and export templates: the one implementation behind
// `attain template …` and /api/v1/templates. Metadata goes through the store's plan/apply (one
// revision each), data through load-data.ts; the three-way merge is merge3.ts (pure).
import semver from 'semver';
import { readMetadataDir } from '@attain/meta/node';
import { composeDocuments, CORE_METADATA_DIR, docsHash, mergeDocuments, provisionTenant, type MigrationPlan } from '@attain/store';
import type { Actor, Store } from '../store-port.ts';
import { refuse, type TemplateProblem } from './errors.ts';
import { dataProblems } from './data-check.ts';
import { installations, installed, recordInstallation, type Installation } from './installed.ts';
import { loadTemplateData, type LoadReport } from './load-data.ts';
import { requirementProblems, type TemplatePackage } from './manifest.ts';
import { applyMerge, mergeTemplate, type Conflict, type DocChange, type Resolutions } from './merge3.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Plugin names the tenant has (plugin documents in its metadata, when the plugins module is present). */
function tenantPlugins(docs: readonly unknown[]): Set<string> {
  return new Set(docs.filter((d) => isObj(d) && d.kind === 'plugin' && typeof d.name === 'string').map((d) => (d as { name: string }).name));
}

function checkRequirements(pkg: TemplatePackage, docs: readonly unknown[]): void {
  const problems = requirementProblems(pkg.manifest, tenantPlugins(docs));
  if (problems.length) refuse('template_requirements', problems);
}

/** Refuses data whose natural keys name nothing, before any metadata or record is written. */
function checkData(pkg: TemplatePackage, docs: readonly unknown[], existingTenant: boolean, load: boolean | undefined): void {
  if (load === false) return;
  const problems = dataProblems(pkg.data, docs, { existingTenant });
  if (problems.length) refuse('template_data_invalid', problems);
}

export interface InstallResult {
  tenant: string;
  template: string;
  version: string;
  /** The metadata plan (shown before anything is applied when `accept` is false). */
  plan: MigrationPlan;
  applied: boolean;
  revision: number;
  data?: LoadReport;
  admin?: { id: string; email: string; role: string };
  ms: number;
}

export interface NewTenant {
  name: string;
  label?: string;
  admin: { email: string; name?: string; passwordHash: string };
}

/** Into a new tenant: created with the core and the template's metadata, its first admin, then its data. */
export async function installNew(store: Store, pkg: TemplatePackage, tenant: NewTenant, opts: { data?: boolean; actorLabel?: string } = {}): Promise<InstallResult> {
  const started = Date.now();
  checkRequirements(pkg, []);
  const core = await readMetadataDir(CORE_METADATA_DIR);
  const documents = mergeDocuments(core, pkg.documents);
  checkData(pkg, documents, false, opts.data);
  const created = await provisionTenant(store as never, {
    name: tenant.name,
    ...(tenant.label ? { label: tenant.label } : {}),
    admin: tenant.admin,
    documents,
    ...(pkg.manifest.settings ? { settings: pkg.manifest.settings } : {}),
  });
  await recordInstallation(store, tenant.name, {
    name: pkg.manifest.name,
    version: pkg.manifest.version,
    action: 'install',
    manifest: pkg.manifest,
    docs: pkg.documents,
    revision: created.revision,
    previousRevision: 0,
  });
  const actor: Actor = { userId: created.admin.id, label: opts.actorLabel ?? `template ${pkg.manifest.name}` };
  const data = opts.data === false ? undefined : await loadTemplateData(store, tenant.name, pkg.data, actor);
  const plan: MigrationPlan = { fromRevision: 0, toRevision: created.revision, hash: docsHash(documents), empty: false, safe: true, steps: [] };
  return {
    tenant: tenant.name,
    template: pkg.manifest.name,
    version: pkg.manifest.version,
    plan,
    applied: true,
    revision: created.revision,
    ...(data ? { data } : {}),
    admin: created.admin,
    ms: Date.now() - started,
  };
}

/** Into an existing tenant: the template's documents merged into the tenant's; only the plan unless `accept`. */
export async function installInto(store: Store, tenant: string, pkg: TemplatePackage, actor: Actor, opts: { accept?: boolean; data?: boolean } = {}): Promise<InstallResult> {
  const started = Date.now();
  const current = (await store.registry(tenant)).docs;
  checkRequirements(pkg, current);
  if ((await installed(store, tenant)).some((i) => i.name === pkg.manifest.name)) {
    refuse('template_installed', [{ path: '/template', rule: 'unique', message: `"${pkg.manifest.name}" is already installed in this tenant: upgrade it instead` }], 409);
  }
  const next = await composeDocuments(current, pkg.documents, 'merge');
  checkData(pkg, next, true, opts.data);
  const base = { tenant, template: pkg.manifest.name, version: pkg.manifest.version };
  if (!opts.accept) {
    const plan = await store.metadata.plan(tenant, next);
    return { ...base, plan, applied: false, revision: plan.fromRevision, ms: Date.now() - started };
  }
  const { revision, plan } = await store.metadata.apply(tenant, next, { actor });
  await recordInstallation(store, tenant, {
    name: pkg.manifest.name,
    version: pkg.manifest.version,
    action: 'install',
    manifest: pkg.manifest,
    docs: pkg.documents,
    revision,
    previousRevision: plan.fromRevision,
  });
  const data = opts.data === false ? undefined : await loadTemplateData(store, tenant, pkg.data, actor);
  return { ...base, plan, applied: true, revision, ...(data ? { data } : {}), ms: Date.now() - started };
}

async function current(store: Store, tenant: string, name: string): Promise<Installation> {
  const found = (await installed(store, tenant)).find((i) => i.name === name);
  return found ?? refuse('template_not_installed', [{ path: '/template', rule: 'installed', message: `"${name}" is not installed in this tenant` }], 404);
}

export interface UpgradePlan {
  template: string;
  from: string;
  to: string;
  changes: DocChange[];
  conflicts: Conflict[];
  /** Conflicts without a choice yet: the upgrade is refused until each is chosen. */
  unresolved: string[];
  removed: string[];
  migration: MigrationPlan;
  /** Of the resulting documents: accept with it so what is applied is what was shown. */
  hash: string;
}

async function upgradeDocs(store: Store, tenant: string, pkg: TemplatePackage, resolutions: Resolutions): Promise<{ plan: UpgradePlan; next: unknown[]; was: Installation }> {
  const was = await current(store, tenant, pkg.manifest.name);
  const ours = (await store.registry(tenant)).docs;
  checkRequirements(pkg, ours);
  if (was.version && !semver.gt(pkg.manifest.version, was.version)) {
    refuse(
      'template_version',
      [{ path: 'template.json#/version', rule: 'newer', message: `the tenant has ${was.version}; an upgrade needs a newer version than that, not ${pkg.manifest.version}` }],
      409,
    );
  }
  const bad: TemplateProblem[] = Object.entries(resolutions)
    .filter(([, v]) => v !== 'ours' && v !== 'theirs')
    .map(([k]) => ({ path: `/resolutions/${k}`, rule: 'enum', message: 'must be "ours" (keep the tenant’s value) or "theirs" (take the new version’s)' }));
  if (bad.length) refuse('invalid_body', bad, 400);
  const merge = mergeTemplate(was.docs, pkg.documents, ours, resolutions);
  const next = applyMerge(ours, merge);
  const migration = await store.metadata.plan(tenant, next);
  const unresolved = merge.conflicts.map((c) => c.path).filter((p) => !Object.hasOwn(resolutions, p));
  return {
    plan: {
      template: pkg.manifest.name,
      from: was.version ?? '',
      to: pkg.manifest.version,
      changes: merge.changes,
      conflicts: merge.conflicts,
      unresolved,
      removed: merge.removed,
      migration,
      hash: docsHash(next),
    },
    next,
    was,
  };
}

/** What an upgrade would do: nothing is applied. */
export async function planUpgrade(store: Store, tenant: string, pkg: TemplatePackage, resolutions: Resolutions = {}): Promise<UpgradePlan> {
  return (await upgradeDocs(store, tenant, pkg, resolutions)).plan;
}

/** Applies an accepted upgrade as one metadata revision; refused while a conflict has no choice or the plan changed since it was shown. */
export async function acceptUpgrade(store: Store, tenant: string, pkg: TemplatePackage, actor: Actor, opts: { resolutions?: Resolutions; hash?: string }): Promise<UpgradePlan & { revision: number }> {
  const { plan, next } = await upgradeDocs(store, tenant, pkg, opts.resolutions ?? {});
  if (plan.unresolved.length) {
    refuse(
      'upgrade_conflicts',
      plan.unresolved.map((p) => ({ path: `/resolutions/${p}`, rule: 'conflict', message: 'both the tenant and the new version changed this: choose "ours" or "theirs"' })),
      409,
    );
  }
  if (opts.hash !== undefined && opts.hash !== plan.hash) {
    refuse('plan_changed', [{ path: '/hash', rule: 'stale', message: 'the tenant or the template changed since this plan was shown: plan again' }], 409);
  }
  const { revision, plan: migration } = await store.metadata.apply(tenant, next, { actor: { ...actor, label: actor.label ?? `template upgrade ${plan.template} ${plan.from} → ${plan.to}` } });
  await recordInstallation(store, tenant, {
    name: pkg.manifest.name,
    version: pkg.manifest.version,
    action: 'upgrade',
    manifest: pkg.manifest,
    docs: pkg.documents,
    revision,
    previousRevision: migration.fromRevision,
  });
  return { ...plan, migration, revision };
}

/** Undoes the last upgrade: the metadata goes back to the revision before it (a new revision), the template to its version then. */
export async function rollbackUpgrade(store: Store, tenant: string, name: string, actor: Actor): Promise<{ version: string; revision: number }> {
  const [last, before] = await installations(store, tenant, name);
  if (!last || last.action !== 'upgrade' || !before || last.previousRevision === null) {
    refuse('nothing_to_roll_back', [{ path: '/template', rule: 'upgrade', message: `the last change of "${name}" is not an upgrade` }], 409);
  }
  const { revision } = await store.metadata.rollback(tenant, last.previousRevision, actor);
  await recordInstallation(store, tenant, { name, version: before.version, action: 'rollback', manifest: before.manifest, docs: before.docs, revision, previousRevision: last.revision });
  return { version: before.version ?? '', revision };
}

/** Removes the template's documents that are not core ones (their records stay in the database); the plan only unless `accept`. */
export async function uninstall(store: Store, tenant: string, name: string, actor: Actor, opts: { accept?: boolean } = {}): Promise<{ plan: MigrationPlan; applied: boolean; revision: number }> {
  const was = await current(store, tenant, name);
  const core = new Set((await readMetadataDir(CORE_METADATA_DIR)).map((d) => (d as { id: string }).id));
  const drop = new Set(was.docs.map((d) => (d as { id?: string }).id).filter((id): id is string => !!id && !core.has(id)));
  const next = (await store.registry(tenant)).docs.filter((d) => !drop.has(d.id));
  if (!opts.accept) {
    const plan = await store.metadata.plan(tenant, next);
    return { plan, applied: false, revision: plan.fromRevision };
  }
  const { plan, revision } = await store.metadata.apply(tenant, next, { actor });
  await recordInstallation(store, tenant, { name, version: null, action: 'uninstall', manifest: null, docs: [], revision, previousRevision: plan.fromRevision });
  return { plan, applied: true, revision };
}
