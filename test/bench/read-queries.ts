// Queries per request of the reads issue #19 precomputes (a rep's statement, a manager's team
// board, a rep's My goals) on the demo tenant over PostgreSQL, in-process (app.inject), each read
// once to warm and then counted; with READS_DUMP=<file> also every statement (each rep, each
// period), every rep's My goals and every manager's team board as JSON, to compare a change's answers before and after. `npm run bench reads`.
import { writeFileSync } from 'node:fs';
import { attainModules, buildServer, hashPassword, installModules } from '@attain/server';
import { createDatabase, createStore } from '@attain/store';
import { ensureDemoTenant } from '../../packages/cli/src/demo-tenant.ts';
import { readConfig } from '../../packages/cli/src/config.ts';
import { freshDatabase, PG_ADMIN_URL } from './util.ts';

const PASSWORD = 'Reads-bench-password-9';
const TENANT = 'demo';

export async function benchReadQueries(): Promise<Record<string, unknown>> {
  // READS_KEEP_DB=1 reuses the seeded database of an earlier run (the demo takes a while to seed).
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/attain_bench_reads${process.env.BENCH_DB_SUFFIX ?? ''}`;
  const databaseUrl = process.env.READS_KEEP_DB ? url.toString() : await freshDatabase('attain_bench_reads');
  const db = await createDatabase({ databaseUrl });
  const store = await createStore(db);
  const release = installModules(store, attainModules);
  try {
    await ensureDemoTenant(store, readConfig({ ...process.env, ATTAIN_ADMIN_PASSWORD: PASSWORD }), PASSWORD, true);
  } finally {
    release();
  }
  const app = await buildServer({ store, jwtSecret: 'bench-secret-bench-secret-bench-secret', logger: false, sso: { defaultTotpRoles: [] } });
  try {
    const records = await store.records(TENANT);
    const users = (await records.list('user', { limit: 500 })).data as unknown as Array<{ id: string; email: string; role: string; org_unit_id: string | null; active: boolean }>;
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const login = async (u: { id: string; email: string }) => {
      await store.auth.upsertCredential({ tenant: TENANT, userId: u.id, email: u.email, passwordHash: hash, active: true });
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: TENANT, email: u.email, password: PASSWORD } });
      return { authorization: `Bearer ${(res.json() as { token: string }).token}` };
    };
    const reps = users.filter((u) => u.active && u.role === 'rep');
    const manager = users.find((u) => u.active && u.role === 'manager' && u.org_unit_id);
    const admin = users.find((u) => u.active && u.role === 'admin');
    if (!reps[0] || !manager || !admin) throw new Error('the demo has no rep, manager or admin');
    const rep = await login(reps[0]);
    const mgr = await login(manager);
    const adm = await login(admin);
    const month = new Date().toISOString().slice(0, 7);
    const periods = ((await app.inject({ method: 'GET', url: '/api/v1/incentives/periods', headers: adm })).json() as { data: Array<{ period: string; status: string }> }).data;
    const period = periods[0]?.period ?? month;
    const count = async (path: string, headers: Record<string, string>) => {
      const first = await app.inject({ method: 'GET', url: path, headers });
      if (first.statusCode !== 200) throw new Error(`${path}: ${first.statusCode} ${first.body.slice(0, 200)}`);
      const sql: string[] = [];
      const listener = (q: { sql: string }) => sql.push(q.sql.replace(/\s+/g, ' ').slice(0, 140));
      db.knex.on('query', listener);
      try {
        await app.inject({ method: 'GET', url: path, headers });
      } finally {
        db.knex.off('query', listener);
      }
      // Then the time of one request alone, over 50 in a row (no concurrency: the request's own cost).
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) await app.inject({ method: 'GET', url: path, headers });
      return { queries: sql.length, msPerRequest: Math.round(((performance.now() - t0) / 50) * 10) / 10, sql };
    };
    const result = {
      periods,
      statement: await count(`/api/v1/incentives/statements/${reps[0].id}/${period}`, rep),
      teamBoard: await count(`/api/v1/goals/attainment?kpi=paid_revenue&period=${month}&team=${manager.org_unit_id}`, mgr),
      myGoals: await count(`/api/v1/goals/attainment?kpi=paid_revenue&period=${month}`, rep),
    };
    if (process.env.READS_DUMP) {
      const all: Record<string, unknown> = {};
      for (const u of reps)
        for (const p of periods) all[`${u.email} ${p.period}`] = (await app.inject({ method: 'GET', url: `/api/v1/incentives/statements/${u.id}/${p.period}`, headers: adm })).json();
      // Every rep's My goals (with their rank among their unit's people) and every manager's team board
      for (const u of reps) all[`my goals ${u.email}`] = (await app.inject({ method: 'GET', url: `/api/v1/goals/attainment?kpi=paid_revenue&period=${month}`, headers: await login(u) })).json();
      // and every manager's team board (the demo's managers each head a unit).
      for (const m of users.filter((u) => u.active && u.role === 'manager' && u.org_unit_id)) {
        all[`board ${m.email}`] = (await app.inject({ method: 'GET', url: `/api/v1/goals/attainment?kpi=paid_revenue&period=${month}&team=${m.org_unit_id}`, headers: await login(m) })).json();
      }
      writeFileSync(process.env.READS_DUMP, `${JSON.stringify(all, null, 1)}\n`);
    }
    return result;
  } finally {
    await app.close();
    await store.close();
  }
}
