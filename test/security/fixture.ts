import type { FastifyInstance } from 'fastify';
import { createTenant, login, testServer, type TestTenant } from '../../packages/server/test/helpers.ts';
import type { Store } from '../../packages/server/src/store-port.ts';

/** Who calls: the four roles of tenant A, nobody, and two users of tenant B. */
export type CallerName = 'admin' | 'manager' | 'rep' | 'finance' | 'anonymous' | 'otherAdmin' | 'otherRep';
export const CALLERS: readonly CallerName[] = ['admin', 'manager', 'rep', 'finance', 'anonymous', 'otherAdmin', 'otherRep'];
export const OTHER_TENANT: ReadonlySet<CallerName> = new Set(['otherAdmin', 'otherRep']);

/** Seeded ids of one tenant, by the kind of thing a path or body parameter names. */
export interface TenantIds {
  /** object name → a record id of that object (for deals: one owned by repEast2, the "victim"). */
  records: Record<string, string>;
  /** A user whose password the suite may change (no test logs in as them). */
  victimUser: string;
  /** Another rep's id, for payee/person parameters. */
  otherRep: string;
  apiToken: string;
  /** Every seeded id, and the deal and customer ids by owner. */
  all: string[];
  byOwner: Record<string, string[]>;
}

export interface SecurityFixture {
  app: FastifyInstance;
  store: Store;
  a: TestTenant;
  b: TestTenant;
  tokens: Record<CallerName, string | undefined>;
  ids: { a: TenantIds; b: TenantIds };
  /**
   * Text that only some callers of tenant A may see: the names of other reps' records, the value
   * of the hidden field, and everything of tenant B (and B's callers may see nothing of A).
   */
  forbiddenText: Record<CallerName, string[]>;
  /** Ids a caller may never be shown unless it sent them itself. */
  forbiddenIds: Record<CallerName, string[]>;
}

/** The hidden field's value: reps may not read `deal.margin`. */
export const MARGIN = '0.8642';
const marker = (tenant: 'A' | 'B', owner: string, what: string) => `SECRET${tenant}_${owner}_${what}`;
/** Matches every record name seeded for `owner` (so any of their records, however reached). */
const ownerMarker = (tenant: 'A' | 'B', owner: string) => `SECRET${tenant}_${owner}_`;
const OWNERS = ['repEast', 'repEast2', 'repWest'] as const;
const actor = { userId: null, label: 'security-suite' };

async function seed(store: Store, t: TestTenant, tag: 'A' | 'B'): Promise<TenantIds> {
  const records = await store.records(t.name);
  const deals: Record<string, string> = {};
  const customers: Record<string, string> = {};
  for (const owner of OWNERS) {
    const id = t.users[owner].id;
    const customer = await records.create('customer', { name: marker(tag, owner, 'customer'), owner_id: id }, actor);
    customers[owner] = customer.id;
    const deal = await records.create('deal', { name: marker(tag, owner, 'deal'), amount: '1234.00', margin: MARGIN, owner_id: id, customer_id: customer.id, close_date: '2026-01-15' }, actor);
    deals[owner] = deal.id;
  }
  // Another rep's deal on repEast's customer: reading the customer's deals through a formula
  // must not reach it.
  const linked = await records.create('deal', { name: marker(tag, 'repWest', 'linked'), amount: '99.00', margin: MARGIN, owner_id: t.users.repWest.id, customer_id: customers.repEast }, actor);
  const victim = await records.create('user', { name: `Victim${tag}`, email: `victim@${t.name}.test`, role: 'rep', org_unit_id: t.orgUnits.west, active: true }, actor);
  const token = await store.auth.apiTokens.create({ tenant: t.name, userId: t.users.admin.id, name: 'suite', tokenHash: `suite-${t.name}`, expiresAt: null });
  return {
    records: { deal: deals.repEast2 as string, customer: customers.repEast2 as string, user: t.users.repEast2.id, org_unit: t.orgUnits.east1 },
    victimUser: victim.id,
    otherRep: t.users.repEast2.id,
    apiToken: token.id,
    all: [...Object.values(deals), ...Object.values(customers), linked.id, victim.id, ...Object.values(t.users).map((u) => u.id)],
    byOwner: Object.fromEntries(OWNERS.map((o) => [o, [deals[o] as string, customers[o] as string, ...(o === 'repWest' ? [linked.id] : [])]])),
  };
}

/** One server, tenants A and B with the fixture metadata, seeded records and a session per caller. */
export async function securityFixture(): Promise<SecurityFixture> {
  const { app, store } = await testServer();
  const a = await createTenant(store, 'seca');
  const b = await createTenant(store, 'secb');
  const ids = { a: await seed(store, a, 'A'), b: await seed(store, b, 'B') };
  const tokens: Record<CallerName, string | undefined> = {
    admin: await login(app, a.name, a.users.admin.email),
    manager: await login(app, a.name, a.users.mgrEast.email),
    rep: await login(app, a.name, a.users.repEast.email),
    finance: await login(app, a.name, a.users.finance.email),
    anonymous: undefined,
    otherAdmin: await login(app, b.name, b.users.admin.email),
    otherRep: await login(app, b.name, b.users.repEast.email),
  };
  const everythingOf = (tag: 'A' | 'B') => [`SECRET${tag}_`];
  const ofOwners = (tag: 'A' | 'B', owners: readonly string[]) => owners.map((o) => ownerMarker(tag, o));
  const forbiddenText: Record<CallerName, string[]> = {
    admin: everythingOf('B'),
    finance: everythingOf('B'),
    manager: [...everythingOf('B'), ...ofOwners('A', ['repWest'])],
    rep: [...everythingOf('B'), ...ofOwners('A', ['repEast2', 'repWest']), MARGIN],
    anonymous: [...everythingOf('A'), ...everythingOf('B'), MARGIN],
    otherAdmin: everythingOf('A'),
    otherRep: [...everythingOf('A'), ...ofOwners('B', ['repEast2', 'repWest']), MARGIN],
  };
  const idsOf = (x: TenantIds, owners: readonly string[]) => owners.flatMap((o) => x.byOwner[o] ?? []);
  const forbiddenIds: Record<CallerName, string[]> = {
    admin: ids.b.all,
    finance: ids.b.all,
    manager: [...ids.b.all, ...idsOf(ids.a, ['repWest'])],
    rep: [...ids.b.all, ...idsOf(ids.a, ['repEast2', 'repWest'])],
    anonymous: [...ids.a.all, ...ids.b.all],
    otherAdmin: ids.a.all,
    otherRep: [...ids.a.all, ...idsOf(ids.b, ['repEast2', 'repWest'])],
  };
  return { app, store, a, b, tokens, ids, forbiddenText, forbiddenIds };
}

/** Logs the caller in again (after a route under test ended its session). */
export async function refreshToken(f: SecurityFixture, caller: CallerName): Promise<void> {
  const user = { admin: ['a', 'admin'], manager: ['a', 'mgrEast'], rep: ['a', 'repEast'], finance: ['a', 'finance'], otherAdmin: ['b', 'admin'], otherRep: ['b', 'repEast'] } as const;
  if (caller === 'anonymous') return;
  const [tenant, key] = user[caller];
  const t = tenant === 'a' ? f.a : f.b;
  f.tokens[caller] = await login(f.app, t.name, t.users[key].email);
}
