import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, metadataPlans, plansAsMetadata, syncPlansFromMetadata, type IncentivePlanDoc } from '../src/index.ts';
import { plan } from './incentives-fixture.ts';

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(async () => {
  await store.close();
});

const fromMeta: IncentivePlanDoc = plan([{ name: 'commission', type: 'rate', measure: 'revenue', rate: '0.1' }], {}, 'plan_meta');
const registry = (docs: unknown[]) => ({ documentsOf: (kind: string) => docs.filter((d) => (d as { kind: string }).kind === kind) }) as never;

describe('plans from metadata', () => {
  it('takes metadata plans into the engine, linted, and exports stored plans as metadata', async () => {
    const name = `meta${process.pid}`;
    await store.tenants.create(name);
    const e = new IncentiveEngine(store, name);
    expect(metadataPlans(registry([fromMeta, { kind: 'kpi' }]))).toEqual([fromMeta]);
    expect(Object.keys(await syncPlansFromMetadata(e, registry([fromMeta])))).toEqual(['plan_meta']);
    expect(await syncPlansFromMetadata(e, registry([fromMeta]))).toEqual({});
    expect(await e.plans()).toEqual([fromMeta]);
    const bad = structuredClone(fromMeta);
    bad.versions[0]!.components[0]!.measure = 'nope';
    // An invalid metadata plan keeps the stored version and is reported; the sync itself goes on.
    expect((await syncPlansFromMetadata(e, registry([bad]))).plan_meta).toContainEqual(expect.objectContaining({ severity: 'error', rule: 'unknown_measure' }));
    expect(await e.plans()).toEqual([fromMeta]);
    const out = await plansAsMetadata(e);
    expect(out.docs).toEqual([fromMeta]);
    expect(out.issues).toEqual([]);
  });
});
