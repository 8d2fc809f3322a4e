import { readTemplateDir } from '@attain/server';
import type { Store } from '@attain/store';
import { buildDemoData, DEFAULT_SEED_SIZE, type SeedSize } from './seed/demo-data.ts';
import { SeedInserter } from './seed/insert.ts';
import { datedDocuments, setupSpm, type SpmReport } from './seed/spm-setup.ts';

export interface InstallOptions {
  admin: { email: string; passwordHash: string; name?: string };
  /** Hash for the sample users of each role (one per role gets a login). */
  sampleLoginHash?: string;
  today?: Date;
  seed?: boolean;
}

export interface InstallReport {
  revision: number;
  records: Record<string, number>;
  logins: Array<{ email: string; role: string }>;
  /** What the SPM modules were set up with (when the template seeds records). */
  spm?: SpmReport;
}

/** Applies a template's metadata to a tenant and seeds its sample data and logins. */
export async function installTemplate(store: Store, tenant: string, dir: string, opts: InstallOptions): Promise<InstallReport> {
  // The one reader of template folders (the server's), which the template commands and API use too.
  const { manifest, documents } = await readTemplateDir(dir);
  const today = opts.today ?? new Date();
  const system = { userId: null, label: `template ${manifest.name}` };
  const { revision } = await store.metadata.apply(tenant, datedDocuments(documents, today), { actor: system });
  const records = await store.records(tenant);
  const registry = await store.registry(tenant);
  const counts: Record<string, number> = {};
  const logins: InstallReport['logins'] = [];
  let spm: SpmReport | undefined;

  const [admin] = (
    await records.upsert('user', [{ external_id: 'user-admin', name: opts.admin.name ?? 'Demo Admin', email: opts.admin.email, role: 'admin', title: 'Administrator', active: true }], system)
  ).records;
  if (!admin) throw new Error('could not create the admin user');
  await store.auth.credentials.upsertCredential({ tenant, userId: admin.id, email: opts.admin.email, passwordHash: opts.admin.passwordHash, active: true });
  logins.push({ email: opts.admin.email, role: 'admin' });

  if (manifest.seed && opts.seed !== false) {
    const size: SeedSize = { ...DEFAULT_SEED_SIZE, ...(manifest.seed as Partial<SeedSize>) };
    const data = buildDemoData(today, size);
    const inserter = new SeedInserter(records, registry, { userId: admin.id, label: `template ${manifest.name}` });
    for (const batch of data.batches) {
      if (batch.afterInsert === 'link_org') await inserter.link(batch.object, batch.records);
      else counts[batch.object] = (counts[batch.object] ?? 0) + (await inserter.upsert(batch.object, batch.records));
    }
    const hq = inserter.idOf('org_unit', 'ou-hq');
    if (hq) await records.update('user', admin.id, { org_unit_id: hq }, system);
    spm = await setupSpm(store, tenant, { today, adminId: admin.id, data, idOf: (object, externalId) => inserter.idOf(object, externalId) });
    if (opts.sampleLoginHash) {
      const seen = new Set<string>();
      for (const person of data.people) {
        if (seen.has(person.role)) continue;
        seen.add(person.role);
        const userId = inserter.idOf('user', person.external_id);
        if (!userId) continue;
        await store.auth.credentials.upsertCredential({ tenant, userId, email: person.email, passwordHash: opts.sampleLoginHash, active: true });
        logins.push({ email: person.email, role: person.role });
      }
    }
  }
  return { revision, records: counts, logins, ...(spm ? { spm } : {}) };
}
