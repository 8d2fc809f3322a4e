import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMetadataDir } from '@attain/meta/node';
import { composeDocuments, type ApplyMode, type MigrationPlan, type Store } from '@attain/store';

export function describePlan(plan: MigrationPlan): string {
  if (plan.empty) return 'No changes: the metadata is already up to date.';
  const lines = plan.steps.map((s) => `${s.safe ? '  -' : '  ✗'} ${s.sentence}${s.safe ? '' : `\n      refused: ${s.reason ?? 'unsafe'}`}`);
  const head = plan.safe
    ? `Plan: revision ${plan.fromRevision} → ${plan.toRevision ?? plan.fromRevision + 1}, ${plan.steps.length} step(s)`
    : `Plan refused: ${plan.steps.filter((s) => !s.safe).length} unsafe step(s); nothing will be applied`;
  return [head, ...lines].join('\n');
}

/** The tenant's next documents: the folder merged into what it has (by id), or the whole set with `replace`. */
async function nextDocs(store: Store, tenant: string, dir: string, mode: ApplyMode): Promise<unknown[]> {
  const incoming = await readMetadataDir(dir);
  return composeDocuments((await store.registry(tenant)).docs, incoming, mode);
}

export async function planDir(store: Store, tenant: string, dir: string, mode: ApplyMode = 'merge'): Promise<MigrationPlan> {
  return store.metadata.plan(tenant, await nextDocs(store, tenant, dir, mode));
}

export async function applyDir(store: Store, tenant: string, dir: string, mode: ApplyMode = 'merge'): Promise<{ revision: number; plan: MigrationPlan }> {
  return store.metadata.apply(tenant, await nextDocs(store, tenant, dir, mode), { actor: { userId: null, label: 'attain cli' } });
}

/** Writes one file per document (`objects/<name>.json`, `roles/<name>.json`), stable and diffable. */
export async function exportDir(store: Store, tenant: string, dir: string): Promise<number> {
  const registry = await store.registry(tenant);
  let count = 0;
  for (const doc of registry.docs) {
    const folder = join(dir, `${doc.kind}s`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${doc.name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    count++;
  }
  return count;
}
