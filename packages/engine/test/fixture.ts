import { fileURLToPath } from 'node:url';
import { readMetadataDir } from '@attain/meta/node';
import type { Store } from '@attain/store';

export const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
export const system = { userId: null, label: 'test' };

export const paidRevenue = {
  kind: 'kpi',
  id: 'kpi.paid_revenue',
  name: 'paid_revenue',
  label: { en: 'Paid revenue' },
  object: 'order',
  measure: { aggregate: 'sum', value: 'amount', filter: 'status = "paid"' },
  dateField: 'order_date',
  unit: 'money',
  dimensions: ['currency'],
};
export const orderCount = {
  kind: 'kpi',
  id: 'kpi.orders',
  name: 'orders',
  label: { en: 'Orders' },
  object: 'order',
  measure: { aggregate: 'count', filter: 'status <> "cancelled"' },
  dateField: 'order_date',
  unit: 'count',
};
export const avgDeal = {
  kind: 'kpi',
  id: 'kpi.avg_deal',
  name: 'avg_deal',
  label: { en: 'Average deal' },
  object: 'order',
  measure: { aggregate: 'avg', value: 'amount' },
  dateField: 'order_date',
  unit: 'money',
};
export const visits = {
  kind: 'kpi',
  id: 'kpi.visits',
  name: 'visits',
  label: { en: 'Visits' },
  object: 'visit',
  measure: { aggregate: 'count' },
  dateField: 'check_in_at',
  unit: 'count',
};

export interface Org {
  tenant: string;
  units: { root: string; east: string; east1: string; west: string };
  users: string[];
  customer: string;
}

let n = 0;
/** A tenant with core metadata + KPIs, an org root → east → east1, root → west, and `people` reps. */
export async function orgTenant(store: Store, people = 4, extraDocs: unknown[] = []): Promise<Org> {
  const tenant = `g${process.pid}x${++n}`;
  await store.tenants.create(tenant);
  await store.metadata.apply(tenant, [...(await readMetadataDir(coreDir)), paidRevenue, orderCount, avgDeal, visits, ...extraDocs], { actor: system });
  const r = await store.records(tenant);
  const root = (await r.create('org_unit', { name: 'Company' }, system)).id;
  const east = (await r.create('org_unit', { name: 'East', parent_id: root }, system)).id;
  const east1 = (await r.create('org_unit', { name: 'East 1', parent_id: east }, system)).id;
  const west = (await r.create('org_unit', { name: 'West', parent_id: root }, system)).id;
  const homes = [east1, west, east, east1];
  const users: string[] = [];
  for (let i = 0; i < people; i++) {
    users.push((await r.create('user', { name: `Rep ${i + 1}`, email: `rep${i + 1}@${tenant}.test`, org_unit_id: homes[i % homes.length], active: true }, system)).id);
  }
  const customer = (await r.create('customer', { name: 'ACME' }, system)).id;
  return { tenant, units: { root, east, east1, west }, users, customer };
}
