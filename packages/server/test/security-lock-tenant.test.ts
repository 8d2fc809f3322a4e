// Issue #11 item 11: a fresh tenant someone can log in to. The operator API creates the tenant
// with the core metadata and a first admin, answers with the admin's one-time password, and
// that admin logs in over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testServer } from './helpers.ts';
import type { Store } from '../src/store-port.ts';

let app: FastifyInstance;
let store: Store;
const TOKEN = 'operator-token-for-tests-0123456789';
const saved = process.env.ATTAIN_OPERATOR_TOKEN;
let n = 0;
const fresh = () => `op${process.pid}x${++n}`;

const create = (payload: unknown, token: string | null = TOKEN) =>
  app.inject({ method: 'POST', url: '/api/v1/operator/tenants', headers: token === null ? {} : { authorization: `Bearer ${token}` }, payload: payload as object });

beforeAll(async () => {
  ({ app, store } = await testServer());
  process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
});

afterAll(() => {
  if (saved === undefined) delete process.env.ATTAIN_OPERATOR_TOKEN;
  else process.env.ATTAIN_OPERATOR_TOKEN = saved;
});

describe('POST /api/v1/operator/tenants', () => {
  it('creates a tenant with the core metadata and a first admin who can log in with the one-time password', async () => {
    const name = fresh();
    const res = await create({ name, adminEmail: `Boss@${name}.example.com`, adminName: 'Boss', baseCurrency: 'CNY', timeZone: 'Asia/Shanghai' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as { tenant: { name: string; revision: number }; admin: { id: string; email: string; name: string; role: string; password: string } };
    expect(body.tenant).toMatchObject({ name, revision: 1 });
    expect(body.admin).toMatchObject({ email: `boss@${name}.example.com`, name: 'Boss', role: 'admin' });
    expect(body.admin.password.length).toBeGreaterThanOrEqual(20);

    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: name, email: `boss@${name}.example.com`, password: body.admin.password } });
    expect(login.statusCode, login.body).toBe(200);
    const headers = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    const me = await app.inject({ method: 'GET', url: '/api/v1/objects/user', headers });
    expect(me.statusCode).toBe(200);
    expect((me.json() as { data: Array<{ id: string; role: string }> }).data).toEqual([expect.objectContaining({ id: body.admin.id, role: 'admin' })]);
    // The core metadata is there, and the admin may administer it.
    const objects = await app.inject({ method: 'GET', url: '/api/v1/metadata/objects', headers });
    expect(objects.statusCode).toBe(200);
    expect((objects.json() as { data: Array<{ name: string }> }).data.map((o) => o.name)).toEqual(expect.arrayContaining(['user', 'org_unit', 'order', 'opportunity']));

    const again = await create({ name, adminEmail: `other@${name}.example.com` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('tenant_exists');
  });

  it('refuses bad names, emails and settings with 422 naming the field, and creates nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ name: 'Bad Name!', adminEmail: 'a@b.example' }, '/name', 'api_name'],
      [{ name: 'select', adminEmail: 'a@b.example' }, '/name', 'api_name'],
      [{ adminEmail: 'a@b.example' }, '/name', 'required'],
      [{ name: fresh(), adminEmail: 'not-an-email' }, '/adminEmail', 'format'],
      [{ name: fresh() }, '/adminEmail', 'required'],
      [{ name: fresh(), adminEmail: 'a@b.example', baseCurrency: 'yuan' }, '/baseCurrency', 'format'],
      [{ name: fresh(), adminEmail: 'a@b.example', timeZone: 'Mars/Olympus' }, '/timeZone', 'enum'],
      [{ name: fresh(), adminEmail: 'a@b.example', role: 'admin' }, '/role', 'additionalProperties'],
    ];
    for (const [payload, path, rule] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'validation_failed' });
      expect(res.json().error.details).toContainEqual(expect.objectContaining({ path, rule }));
      if (typeof payload.name === 'string') expect(await store.tenants.get(payload.name)).toBeUndefined();
    }
    expect((await create([1, 2])).statusCode).toBe(400);
  });

  it('needs the operator token (401), and does not exist when no token is configured (404)', async () => {
    const name = fresh();
    for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
      const res = await create({ name, adminEmail: `a@${name}.example.com` }, token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('invalid_operator_token');
    }
    delete process.env.ATTAIN_OPERATOR_TOKEN;
    try {
      const res = await create({ name, adminEmail: `a@${name}.example.com` }, TOKEN);
      expect(res.statusCode).toBe(404);
    } finally {
      process.env.ATTAIN_OPERATOR_TOKEN = TOKEN;
    }
    expect(await store.tenants.get(name)).toBeUndefined();
  });
});
