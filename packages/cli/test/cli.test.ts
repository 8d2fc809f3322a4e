import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readConfig, resolveJwtSecret, type AttainConfig } from '../src/config.ts';
import { startAttain } from '../src/start.ts';
import { runCommand, USAGE } from '../src/commands.ts';
import { describePlan } from '../src/metadata-commands.ts';
import { activeVersion, COMPANY, goalsContext } from '@attain/engine';

const CORE = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
let dir: string;
let env: NodeJS.ProcessEnv;
let config: AttainConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attain-cli-'));
  const id = randomBytes(4).toString('hex');
  // On PostgreSQL (CI) each run gets its own control schema and tenant prefix in the shared database.
  env = {
    ATTAIN_DATA_DIR: join(dir, 'data'),
    ATTAIN_CONTROL_SCHEMA: `attain_cli${id}`,
    ATTAIN_TENANT_SCHEMA_PREFIX: `cli${id}_`,
    ATTAIN_ADMIN_PASSWORD: 'first-password-1',
    // The demo admin signs in by password alone here (the second factor has its own tests).
    ATTAIN_TOTP_ROLES: '',
    PORT: '0',
    HOST: '127.0.0.1',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  config = readConfig(env);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function login(url: string, email: string, password: string): Promise<Response> {
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'demo', email, password }),
  });
}

describe('attain start', () => {
  it('creates the demo tenant from the template on first start and serves it', async () => {
    const lines: string[] = [];
    const running = await startAttain({ config, log: (l) => lines.push(l), logger: false });
    try {
      const text = lines.join('\n');
      expect(text).toMatch(/Created the demo tenant from metadata\/templates\/demo: \d+ sample records/);
      expect(text).toContain('admin@demo.local / first-password-1');
      expect(text).toMatch(/rep\s+\S+@demo\.local \/ first-password-1/);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      const res = await login(running.url, 'admin@demo.local', 'first-password-1');
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const headers = { authorization: `Bearer ${token}` };
      const users = (await (await fetch(`${running.url}/api/v1/objects/user?count=true&limit=1`, { headers })).json()) as { total: number };
      expect(users.total).toBeGreaterThanOrEqual(50);
      const opps = (await (await fetch(`${running.url}/api/v1/objects/opportunity?count=true&limit=5&sort=-amount`, { headers })).json()) as { total: number; data: Array<{ amount: string }> };
      expect(opps.total).toBeGreaterThan(1000);
      const orders = (await (await fetch(`${running.url}/api/v1/objects/order?count=true&limit=1`, { headers })).json()) as { total: number };
      expect(orders.total).toBeGreaterThan(1000);
      const units = (await (await fetch(`${running.url}/api/v1/objects/org_unit?limit=50`, { headers })).json()) as {
        data: Array<{ level: number; parent_id: string | null; head_id: string | null }>;
      };
      expect(new Set(units.data.map((u) => u.level))).toEqual(new Set([0, 1, 2]));
      expect(units.data.every((u) => u.head_id)).toBe(true);
      // A sample rep can log in and sees only their own customers.
      const repEmail = /rep\s+(\S+@demo\.local)/.exec(text)?.[1] ?? '';
      const rep = (await (await login(running.url, repEmail, 'first-password-1')).json()) as { token: string; user: { id: string } };
      const mine = (await (await fetch(`${running.url}/api/v1/objects/customer?limit=200`, { headers: { authorization: `Bearer ${rep.token}` } })).json()) as { data: Array<{ owner_id: string }> };
      expect(mine.data.length).toBeGreaterThan(0);
      expect(mine.data.every((c) => c.owner_id === rep.user.id)).toBe(true);

      // The SPM modules are at work: KPIs, an approved target plan for this year split to months.
      // any: these are API bodies read by a few fields; typing each would only restate the server.
      // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field in assertions
      const get = async (path: string, token: string) => (await fetch(`${running.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
      const kpis = await get('/goals/kpis', token);
      expect(kpis.data.map((k: { name: string }) => k.name).sort()).toEqual(['paid_revenue', 'visits', 'won_deals']);
      const year = new Date().getUTCFullYear();
      expect(kpis.plans).toEqual([expect.objectContaining({ name: 'revenue_targets', kpi: 'paid_revenue', year })]);
      const versions = (await get('/goals/plans/revenue_targets/versions', token)).data as Array<{ id: string; status: string; total: string }>;
      expect(versions.map((v) => v.status)).toEqual(['active']);
      const ctx = await goalsContext(running.store, 'demo');
      expect((await activeVersion(ctx, 'revenue_targets'))?.id).toBe(versions[0]!.id);
      const rows = (
        await ctx.knex.raw(
          `SELECT kind, to_char(month, 'YYYY-MM') AS m, sum(amount)::text AS a FROM ${ctx.t.target} WHERE version_id = ? AND (node = ? OR kind = 'person') GROUP BY 1, 2 ORDER BY 1, 2`,
          [versions[0]!.id, COMPANY],
        )
      ).rows as Array<{ kind: string; m: string; a: string }>;
      const cents = (v: string) => {
        const [whole = '0', frac = ''] = v.split('.');
        return BigInt(whole + frac.padEnd(2, '0').slice(0, 2));
      };
      const company = rows.filter((r) => r.kind === 'unit');
      expect(company.map((r) => r.m)).toEqual(Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`));
      expect(company.reduce((sum, r) => sum + cents(r.a), 0n)).toBe(cents(versions[0]!.total));
      expect(rows.filter((r) => r.kind === 'person').reduce((sum, r) => sum + cents(r.a), 0n)).toBe(cents(versions[0]!.total));
      expect(new Set(company.map((r) => r.a)).size).toBeGreaterThan(1); // seasonality, not twelve equal months

      // A rep sees their attainment and a statement for this month, each line with its trace.
      const month = new Date().toISOString().slice(0, 7);
      const attained = await get(`/goals/attainment?kpi=paid_revenue&period=${month}`, rep.token);
      expect(attained.data).toEqual([expect.objectContaining({ subject: expect.objectContaining({ id: rep.user.id }), kpi: 'paid_revenue' })]);
      expect(attained.data[0].target).toBeGreaterThan(0);
      const statement = (await get(`/incentives/statements/${rep.user.id}/${month}`, rep.token)).data as {
        status: string;
        lines: Array<{ component: string; amount: string; trace: { plan: { name: string }; steps: unknown[] } }>;
      };
      expect(statement.status).toBe('calculated');
      expect(statement.lines.map((l) => l.component)).toEqual(expect.arrayContaining(['commission', 'software_spif', 'visit_points']));
      for (const line of statement.lines) {
        expect(line.trace.plan.name).toBe('rep_commission');
        expect(line.trace.steps.length).toBeGreaterThan(0);
      }
      const periods = (await get('/incentives/periods', token)).data as Array<{ period: string; status: string }>;
      expect(periods.map((p) => p.status)).toEqual(['calculated', 'calculated']);
      expect(periods[1]?.period).toBe(month);
      expect((await get('/incentives/crediting-rules', token)).data.map((r: { type: string }) => r.type).sort()).toEqual(['assignment', 'rollup', 'split']);
      // A key-account territory; orders are credited line by line, one of them split 60/40, with nothing left out.
      expect((await get('/incentives/territories', token)).data).toHaveLength(1);
      expect((await get('/incentives/problems', token)).data).toEqual([]);

      // Workflow: the big-deal approval flow and the won-deal automation, their formulas valid.
      expect((await get('/workflow/flows?object=opportunity', token)).data).toEqual([expect.objectContaining({ name: 'big_deal_approval', entryCondition: 'amount > 500000' })]);
      expect((await get('/workflow/automations', token)).data).toEqual([expect.objectContaining({ name: 'won_deal_notify', object: 'opportunity' })]);
      expect((await get('/workflow/check', token)).problems).toEqual([]);
    } finally {
      await running.close();
    }
    // Seeding the demo tenant is a few thousand records through the engine: a bound against a hang
    // (its speed is `npm run bench -- start`), generous for a loaded machine.
  }, 240_000);

  it('keeps the tenant on restart and resets the admin password when asked', async () => {
    const lines: string[] = [];
    // With ATTAIN_MAIL_DOMAIN the inbound-mail receiver starts beside the API (port 0: any free one).
    const mail = { domain: 'log.demo.test', port: 0, host: '127.0.0.1', maxBytes: 1024 * 1024 };
    const running = await startAttain({ config: { ...config, adminPassword: 'second-password-2', mail }, log: (l) => lines.push(l), logger: false });
    try {
      expect(lines.join('\n')).not.toContain('Created the demo tenant');
      const smtpPort = Number(/Inbound mail \(activity log\) on port (\d+): log\+<tenant>@log\.demo\.test/.exec(lines.join('\n'))?.[1]);
      const banner = await new Promise<string>((resolve, reject) => {
        const socket = connect(smtpPort, '127.0.0.1');
        socket.once('data', (d) => {
          socket.end();
          resolve(d.toString());
        });
        socket.once('error', reject);
      });
      expect(banner).toMatch(/^220 log\.demo\.test /);
      expect((await login(running.url, 'admin@demo.local', 'first-password-1')).status).toBe(401);
      const admin = (await (await login(running.url, 'admin@demo.local', 'second-password-2')).json()) as { token: string };
      // Attachments land on the local disk beside the database when no S3 bucket is configured.
      expect(lines.join('\n')).toContain(`files:    on disk at ${join(dir, 'files')}`);
      const headers = { authorization: `Bearer ${admin.token}` };
      const customer = ((await (await fetch(`${running.url}/api/v1/objects/customer?limit=1`, { headers })).json()) as { data: Array<{ id: string }> }).data[0]?.id;
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('delivery note\n')]), 'note.txt');
      const uploaded = await fetch(`${running.url}/api/v1/objects/customer/${customer}/files`, { method: 'POST', headers, body: form });
      expect(uploaded.status).toBe(201);
      expect((await readdir(join(dir, 'files'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile())).toHaveLength(1);
    } finally {
      await running.close();
    }
  });

  it('keeps a JWT secret across restarts unless one is configured', async () => {
    const a = await resolveJwtSecret(config);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(await resolveJwtSecret(config)).toBe(a);
    expect(await resolveJwtSecret({ ...config, jwtSecret: 'configured' })).toBe('configured');
    expect(() => readConfig({ PORT: 'x' })).toThrow(/PORT/);
    expect(() => readConfig({ ATTAIN_LIST_CACHE_MB: '-1' })).toThrow(/ATTAIN_LIST_CACHE_MB/);
    expect(readConfig({ ATTAIN_LIST_CACHE_MB: '0' }).listCacheMb).toBe(0);
    expect(readConfig({}).listCacheMb).toBe(64);
    // Single sign-on: the public origin of the redirect URI, and the roles that must use TOTP.
    expect(readConfig({ ATTAIN_PUBLIC_URL: 'https://attain.example.com/' }).publicUrl).toBe('https://attain.example.com');
    expect(() => readConfig({ ATTAIN_PUBLIC_URL: 'attain.example.com/x' })).toThrow(/ATTAIN_PUBLIC_URL/);
    expect(readConfig({ ATTAIN_TOTP_ROLES: 'admin, finance ,' }).totpRoles).toEqual(['admin', 'finance']);
    expect(readConfig({ ATTAIN_TOTP_ROLES: '' }).totpRoles).toEqual([]);
    expect(readConfig({}).totpRoles).toBeUndefined();
  });
});

describe('attain commands', () => {
  const out: string[] = [];
  const run = (command: string, args: string[], flags: Record<string, string | boolean> = {}) => runCommand(command, args, flags, (l) => out.push(l), env);

  it('creates a tenant, plans and applies metadata, exports it and generates types', async () => {
    expect(await run('tenant', ['create', 'acme'], { label: 'Acme', 'admin-email': 'boss@acme.test' })).toBe(0);
    expect(out.join('\n')).toMatch(/Created tenant "acme" \(schema \S+\) with the core metadata \(revision 1\)/);
    expect(out.join('\n')).toContain('First admin: boss@acme.test (role admin)');
    out.length = 0;
    const docs = join(dir, 'docs');
    await cp(CORE, docs, { recursive: true });
    await writeFile(
      join(docs, 'objects', 'deal_review.json'),
      JSON.stringify({
        kind: 'object',
        id: 'acme.deal_review',
        name: 'deal_review',
        label: { en: 'Deal review', 'zh-CN': '商机评审' },
        schema: {
          type: 'object',
          required: ['title'],
          properties: {
            title: { type: 'string', 'x-attain': { id: 'acme.deal_review.title' } },
            opportunity_id: { type: 'string', 'x-attain': { id: 'acme.deal_review.opp', ref: { object: 'opportunity' } } },
            score: { type: 'integer', minimum: 0, maximum: 10, 'x-attain': { id: 'acme.deal_review.score' } },
          },
        },
      }),
    );
    expect(await run('metadata', ['plan', docs], { tenant: 'acme' })).toBe(0);
    expect(out.join('\n')).toMatch(/Plan: revision 1 → 2/);
    expect(out.join('\n')).toMatch(/deal_review/);
    out.length = 0;
    expect(await run('metadata', ['apply', docs], { tenant: 'acme' })).toBe(0);
    expect(out.pop()).toBe('Applied: tenant "acme" is now at revision 2.');
    expect(await run('metadata', ['apply', docs], { tenant: 'acme' })).toBe(0);
    expect(out.pop()).toBe('Tenant "acme" stays at revision 2.');

    const exported = join(dir, 'exported');
    expect(await run('metadata', ['export', exported], { tenant: 'acme' })).toBe(0);
    expect((await readdir(join(exported, 'objects'))).sort()).toContain('deal_review.json');
    expect((await readdir(join(exported, 'roles'))).sort()).toEqual(['admin.json', 'finance.json', 'manager.json', 'rep.json']);
    const roundTrip = JSON.parse(await readFile(join(exported, 'objects', 'deal_review.json'), 'utf8')) as { id: string };
    expect(roundTrip.id).toBe('acme.deal_review');

    const typesFile = join(dir, 'types', 'acme.ts');
    expect(await run('typegen', [typesFile], { tenant: 'acme' })).toBe(0);
    const types = await readFile(typesFile, 'utf8');
    expect(types).toContain('export interface DealReview {');
    expect(types).toContain('export interface OpportunityCreate {');
    expect(types).toMatch(/score\?: number \| null/);
  });

  it('refuses bad metadata with every problem and applies nothing', async () => {
    const bad = join(dir, 'bad');
    // The core stays (see below); the one bad document is the problem.
    await cp(CORE, bad, { recursive: true });
    await writeFile(join(bad, 'x.json'), JSON.stringify({ kind: 'object', id: 'x', name: 'Select', label: { en: 'X' }, schema: { type: 'object', properties: {} } }));
    out.length = 0;
    expect(await run('metadata', ['apply', bad], { tenant: 'acme' })).toBe(2);
    expect(out[0]).toMatch(/problem\(s\); nothing was applied/);
    expect(out.join('\n')).toMatch(/\/name: object "Select": must start with a lower-case letter/);
    expect(await run('metadata', ['plan', bad], { tenant: 'acme' })).toBe(2);

    // A folder without the core objects merges by default (the tenant keeps them) ...
    const partial = join(dir, 'partial');
    await mkdir(join(partial, 'objects'), { recursive: true });
    await cp(join(CORE, 'objects', 'product.json'), join(partial, 'objects', 'product.json'));
    out.length = 0;
    expect(await run('metadata', ['apply', partial], { tenant: 'acme' })).toBe(0);
    expect(out[0]).toMatch(/^Merged the documents of .* into the metadata of "acme"/);
    expect(out.pop()).toBe('Tenant "acme" stays at revision 2.');
    // ... and with --replace it would hide them: refused, naming each, at revision 2 still.
    out.length = 0;
    expect(await run('metadata', ['apply', partial], { tenant: 'acme', replace: true })).toBe(2);
    expect(out.join('\n')).toMatch(/\/objects\/user: replacing the metadata would hide the core object "user" .* \[replace_hides_core_object\]/);
    expect(out.join('\n')).toMatch(/\/objects\/customer: .* \[replace_hides_core_object\]/);
    expect(out.join('\n')).not.toMatch(/\/objects\/product:/);
    expect(await run('metadata', ['plan', partial], { tenant: 'acme', replace: true })).toBe(2);
  });

  it('replaces the whole set only when asked, and a merge adds a template part alone', async () => {
    // The demo template's SPM part names objects it does not carry: merged, it applies.
    const spm = fileURLToPath(new URL('../../../metadata/templates/demo/spm', import.meta.url));
    out.length = 0;
    expect(await run('metadata', ['plan', spm], { tenant: 'acme' })).toBe(0);
    expect(out.join('\n')).toMatch(/Plan: revision 2 → 3/);
    // A replace that keeps every core object but drops deal_review is allowed (the object is the tenant's own).
    out.length = 0;
    expect(await run('metadata', ['apply', CORE], { tenant: 'acme', replace: true })).toBe(0);
    expect(out[0]).toMatch(/^Replaced the metadata of "acme"/);
    expect(out.pop()).toBe('Applied: tenant "acme" is now at revision 3.');
  });

  it('explains usage and refuses unknown commands', async () => {
    expect(await run('help', [])).toBe(0);
    expect(out.pop()).toBe(USAGE);
    await expect(run('launch', [])).rejects.toThrow(/unknown command "launch"/);
    await expect(run('tenant', ['drop'])).rejects.toThrow(/unknown tenant command/);
    await expect(run('metadata', ['sync', '.'], { tenant: 'acme' })).rejects.toThrow(/unknown metadata command/);
    await expect(run('metadata', ['plan'], {})).rejects.toThrow(/missing --tenant/);
    await expect(run('typegen', [], { tenant: 'acme' })).rejects.toThrow(/missing output file/);
  });

  it('describes refused and empty plans', () => {
    expect(describePlan({ fromRevision: 3, toRevision: null, hash: 'h', empty: true, safe: true, steps: [] })).toMatch(/No changes/);
    const refused = describePlan({
      fromRevision: 3,
      toRevision: 4,
      hash: 'h',
      empty: false,
      safe: false,
      steps: [
        {
          kind: 'widen_column',
          object: { id: 'o', name: 'deal' },
          field: { id: 'f', name: 'code' },
          sentence: 'Change "code" from text(20) to text(10)',
          safe: false,
          reason: 'narrowing would cut values',
        },
      ],
    });
    expect(refused).toMatch(/Plan refused: 1 unsafe step/);
    expect(refused).toMatch(/refused: narrowing would cut values/);
  });
});
