// Issue #12, finding 1: a formula run for a user reads related records (parent lookups and child
// aggregates) only inside that user's record scope, in the SQL and the sandbox back end alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, createTenant, login, testServer, type Caller, type TestTenant } from './helpers.ts';

let app: FastifyInstance;
let t: TestTenant;
let admin: Caller;
let rep: Caller;
let mgr: Caller;
const customers: Record<string, string> = {};
const deals: Record<string, string> = {};

beforeAll(async () => {
  const server = await testServer();
  app = server.app;
  t = await createTenant(server.store, 'scf');
  admin = as(app, await login(app, t.name, t.users.admin.email));
  rep = as(app, await login(app, t.name, t.users.repEast.email));
  mgr = as(app, await login(app, t.name, t.users.mgrEast.email));
  for (const key of ['repEast', 'repEast2', 'repWest'] as const) {
    const c = await admin.post('/api/v1/objects/customer', { name: `${key} customer`, region: 'north', owner_id: t.users[key].id });
    customers[key] = c.json().id;
  }
  // repEast's own deal on repEast's customer, and deals of others on the same customer.
  const mk = async (key: string, owner: string, customer: string, amount: string) => {
    const d = await admin.post('/api/v1/objects/deal', { name: key, amount, owner_id: owner, customer_id: customer });
    expect(d.statusCode).toBe(201);
    deals[key] = d.json().id;
  };
  await mk('mine', t.users.repEast.id, customers.repEast!, '100.00');
  await mk('west on my customer', t.users.repWest.id, customers.repEast!, '7000.00');
  await mk('east2 on my customer', t.users.repEast2.id, customers.repEast!, '300.00');
  // repEast's own deal pointing at another rep's customer (which repEast cannot read).
  await mk('mine on west customer', t.users.repEast.id, customers.repWest!, '50.00');
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const preview = async (caller: Caller, object: string, formula: string, engine = 'sql') => {
  const res = await caller.post(`/api/v1/formula/preview${engine === 'sql' ? '' : `?engine=${engine}`}`, { object, formula, limit: 50 });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { type: string; rows: Array<{ id: string; value: unknown }> };
};
const valueOf = (r: { rows: Array<{ id: string; value: unknown }> }, id: string) => r.rows.find((x) => x.id === id)?.value;

describe('formula preview obeys record scope on related rows', () => {
  it('a child aggregate counts only the children the rep may list', async () => {
    const listed = (await rep.get('/api/v1/objects/deal?count=true')).json().total as number;
    expect(listed).toBe(2);
    const r = await preview(rep, 'customer', 'COUNT(deals)');
    expect(r.rows.map((x) => x.id)).toEqual([customers.repEast]);
    expect(Number(valueOf(r, customers.repEast!))).toBe(1);
    // The admin sees every child: the same formula is not simply broken.
    expect(Number(valueOf(await preview(admin, 'customer', 'COUNT(deals)'), customers.repEast!))).toBe(3);
  });

  it("a conditional aggregate cannot total another rep's pipeline or read their names", async () => {
    const sum = await preview(rep, 'customer', `SUM(deals.amount, deals.owner_id = "${t.users.repWest.id}")`);
    expect(Number(valueOf(sum, customers.repEast!))).toBe(0);
    const all = await preview(rep, 'customer', 'SUM(deals.amount)');
    expect(Number(valueOf(all, customers.repEast!))).toBe(100);
    const names = await preview(rep, 'customer', `MAX(deals.name, deals.owner_id <> "${t.users.repEast.id}")`);
    expect(valueOf(names, customers.repEast!)).toBeNull();
    expect(valueOf(await preview(admin, 'customer', `MAX(deals.name, deals.owner_id <> "${t.users.repEast.id}")`), customers.repEast!)).toBe('west on my customer');
  });

  it('a parent the rep gets 404 for reads as blank', async () => {
    expect((await rep.get(`/api/v1/objects/customer/${customers.repWest}`)).statusCode).toBe(404);
    const r = await preview(rep, 'deal', 'customer.name & "|" & customer.region');
    expect(valueOf(r, deals['mine on west customer']!)).toBe('|');
    expect(valueOf(r, deals.mine!)).toBe('repEast customer|north');
    const isBlank = await preview(rep, 'deal', 'ISBLANK(customer.name)');
    expect(valueOf(isBlank, deals['mine on west customer']!)).toBe(true);
    // The admin reads the same parent.
    expect(valueOf(await preview(admin, 'deal', 'customer.name'), deals['mine on west customer']!)).toBe('repWest customer');
  });

  it('an aggregate reached through a parent obeys both scopes', async () => {
    const r = await preview(rep, 'deal', 'COUNT(customer.deals)');
    expect(Number(valueOf(r, deals.mine!))).toBe(1);
    expect(Number(valueOf(r, deals['mine on west customer']!))).toBe(0);
  });

  it('a manager aggregates the team subtree, not other teams', async () => {
    const r = await preview(mgr, 'customer', 'COUNT(deals)');
    // repEast and repEast2 are in the manager's team; repWest is not.
    expect(Number(valueOf(r, customers.repEast!))).toBe(2);
    expect(r.rows.some((x) => x.id === customers.repWest)).toBe(false);
  });

  it('the sandbox engine gives the same scoped answers', async () => {
    const count = await preview(rep, 'customer', 'COUNT(deals)', 'sandbox');
    expect(Number(valueOf(count, customers.repEast!))).toBe(1);
    const sum = await preview(rep, 'customer', `SUM(deals.amount, deals.owner_id = "${t.users.repWest.id}")`, 'sandbox');
    expect(Number(valueOf(sum, customers.repEast!))).toBe(0);
    const parent = await preview(rep, 'deal', 'customer.name', 'sandbox');
    expect(valueOf(parent, deals['mine on west customer']!)).toBeNull();
    expect(valueOf(parent, deals.mine!)).toBe('repEast customer');
    const through = await preview(rep, 'deal', 'COUNT(customer.deals)', 'sandbox');
    expect(Number(valueOf(through, deals.mine!))).toBe(1);
    expect(Number(valueOf(through, deals['mine on west customer']!))).toBe(0);
  }, 60_000);
});
