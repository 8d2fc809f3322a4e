import type { Store } from '../src/index.ts';

/**
 * Plans and applies adding one nullable field to an object (the caller fills the table first),
 * and returns the milliseconds both took. PostgreSQL adds a nullable column without rewriting
 * the table, so this should stay near-instant whatever the row count.
 */
export async function benchAddField(store: Store, tenant: string, object: string): Promise<number> {
  const registry = await store.registry(tenant);
  const docs = registry.docs.map((d) => structuredClone(d)) as unknown as Array<Record<string, unknown>>;
  const doc = docs.find((d) => d.kind === 'object' && d.name === object) as { schema: { properties: Record<string, unknown> } } | undefined;
  if (!doc) throw new Error(`no object "${object}" in tenant "${tenant}"`);
  const name = `bench_note_${Date.now().toString(36)}`;
  doc.schema.properties[name] = { type: 'string', maxLength: 200, 'x-attain': { id: `bench.${name}`, label: { en: 'Bench note' } } };
  const t0 = performance.now();
  const plan = await store.metadata.plan(tenant, docs);
  if (!plan.safe || plan.steps.length === 0) throw new Error(`unexpected plan: ${plan.steps.map((s) => s.sentence).join('; ')}`);
  await store.metadata.apply(tenant, docs, { actor: { userId: null, label: 'bench' } });
  return performance.now() - t0;
}
