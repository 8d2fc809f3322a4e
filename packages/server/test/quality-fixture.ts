// biome-ignore-all lint/suspicious/noExplicitAny: fixture metadata documents are edited field by field
// Seeded bad data for the data-quality tests: one rule of each check over deals and customers, and
// records whose issues are counted by hand in the tables' comments.
import type { Store } from '../src/store-port.ts';
import { baseDocs } from './fixtures/metadata.ts';
import type { TestTenant } from './helpers.ts';

const actor = { userId: null, label: 'test' };
export const rule = (name: string, object: string, check: string, extra: Record<string, unknown>) => ({ kind: 'quality.rule', id: `qr_${name}`, name, label: { en: name }, object, check, ...extra });
export const RULES = [
  rule('deal_complete', 'deal', 'completeness', { fields: ['amount', 'close_date'] }),
  rule('deal_margin', 'deal', 'validity', { formula: 'margin <= 0.9' }),
  rule('deal_name_unique', 'deal', 'uniqueness', { field: 'name' }),
  rule('deal_stale', 'deal', 'staleness', { days: 30, stageField: 'stage', activity: { object: 'task', field: 'deal_id' } }),
  rule('deal_customer', 'deal', 'reference', { field: 'customer_id' }),
  rule('deal_amount', 'deal', 'plausibility', { field: 'amount' }),
  rule('customer_name', 'customer', 'near_duplicate', { field: 'name', normalize: 'name' }),
  rule('customer_email', 'customer', 'near_duplicate', { field: 'email', normalize: 'email' }),
  rule('customer_phone', 'customer', 'near_duplicate', { field: 'phone', normalize: 'phone', severity: 'low' }),
];

export function qualityDocs(): unknown[] {
  const all = baseDocs() as any[];
  const customer = all.find((d) => d.name === 'customer');
  customer.schema.properties.email = { type: 'string', format: 'email', 'x-attain': { id: 'fld_cust_email' } };
  customer.schema.properties.phone = { type: 'string', maxLength: 40, 'x-attain': { id: 'fld_cust_phone', storage: 'phone' } };
  const task = {
    kind: 'object',
    id: 'obj_task',
    name: 'task',
    label: { en: 'Task' },
    schema: {
      type: 'object',
      required: ['subject'],
      properties: {
        subject: { type: 'string', maxLength: 200, 'x-attain': { id: 'fld_task_subject' } },
        deal_id: { type: 'string', 'x-attain': { id: 'fld_task_deal', storage: 'ref', ref: { object: 'deal', inverse: 'tasks' } } },
      },
    },
  };
  return [...all, task, ...RULES];
}

// name, owner, customer name, email, phone — every near-duplicate figure is read from this table.
type Owner = 'repEast' | 'repEast2' | 'repWest';
const CUSTOMERS: Array<[string, Owner, string, string | null, string | null]> = [
  ['c1', 'repEast', 'Acme Ltd', 'sales@acme.com', '+86 138-0013-8000'], // name ~ c3 (acme), email ~ c3, phone ~ c3
  ['c2', 'repEast', 'Globex', null, null], // deleted below: d3's reference dangles; not checked
  ['c3', 'repWest', 'ACME, Ltd.', 'Sales+cn@Acme.com', '13800138000'],
  ['c4', 'repEast', 'Initech', 'info@initech.com', '010-5555-1234'], // name ~ c5, phone ~ c5
  ['c5', 'repEast2', 'initech inc', 'hello@initech.com', '(010) 5555 1234'],
  ['c6', 'repEast2', '伞公司', null, null], // name ~ c7 ("伞")
  ['c7', 'repWest', '伞 有限公司', null, null],
  ['c8', 'repEast', 'Hooli', 'hi@hooli.com', '021-1234-5678'], // clean
];
// name, owner, amount, close date, stage, margin, customer
const DEALS: Array<[string, Owner, string, number | null, string | null, string, number | null, string | null]> = [
  ['d1', 'repEast', 'Alpha', 1000, '2026-01-10', 'open', 0.2, 'c1'], // name = d3; stale
  ['d2', 'repEast', 'Beta', 1200, null, 'open', 0.95, 'c1'], // no close date; margin > 0.9
  ['d3', 'repEast', 'Alpha', 900, '2026-02-01', 'won', 0.3, 'c2'], // name = d1; customer deleted
  ['d4', 'repEast2', 'Gamma', null, '2026-03-01', 'open', null, 'c1'], // no amount (margin unknown: not invalid)
  ['d5', 'repEast2', 'Delta', 1100, '2026-03-05', 'lost', 0.1, null], // old but closed: not stale
  ['d6', 'repWest', 'Epsilon', 1000, '2026-03-10', 'open', 0.99, 'c3'], // margin > 0.9; stale
  ['d7', 'repWest', 'Zeta', 50000, '2026-03-11', 'open', 0.2, 'c3'], // amount outlier
  ['d8', 'repWest', 'Eta', 1050, '2026-04-01', 'open', 0.5, null],
  ['d9', 'repEast', 'Theta', 950, '2026-04-02', 'open', 0.4, null], // old, but a task is recent: not stale
  ['d10', 'repEast2', 'Iota', 1000, '2026-04-03', 'won', 0.1, null],
];

/** Seeds the records of both tables into a tenant that has `qualityDocs()`; returns their ids by key. */
export async function seedQuality(store: Store, t: TestTenant): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const id = (key: string): string => ids[key] as string;
  const records = await store.records(t.name);
  for (const [key, owner, name, email, phone] of CUSTOMERS) {
    ids[key] = (await records.create('customer', { name, owner_id: t.users[owner].id, ...(email ? { email } : {}), ...(phone ? { phone } : {}) }, actor)).id;
  }
  for (const [key, owner, name, amount, close, stage, margin, customer] of DEALS) {
    const data: Record<string, unknown> = { name, stage, owner_id: t.users[owner].id };
    if (amount !== null) data.amount = amount;
    if (close !== null) data.close_date = close;
    if (margin !== null) data.margin = margin;
    if (customer !== null) data.customer_id = ids[customer];
    ids[key] = (await records.create('deal', data, actor)).id;
  }
  await records.create('task', { subject: 'Call', deal_id: ids.d9 }, actor);
  // Existing data that went bad outside the API: an old import, a customer removed underneath.
  // Through the query builder: the table names from the registry, every value bound.
  const schema = (await store.tenants.get(t.name))!.schema;
  const reg = await store.registry(t.name);
  const rows = (o: string) => store.db.knex.withSchema(schema).table(reg.object(o)!.table);
  await rows('deal')
    .whereIn('id', [id('d1'), id('d5'), id('d6'), id('d9')])
    .update({ updated_at: new Date(Date.now() - 60 * 86_400_000) });
  await rows('customer')
    .where({ id: id('c2') })
    .update({ deleted_at: new Date() });
  return ids;
}
