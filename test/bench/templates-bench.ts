import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listTemplateDirs } from '@attain/server';
import { ROOT, freshDatabase, round } from './util.ts';

const run = promisify(execFile);

/**
 * `attain template install <name> --tenant t` for every shipped template, the one command a
 * partner runs: wall seconds on a fresh embedded database (a new data directory each time, so
 * the database's creation is counted) and on a fresh PostgreSQL database. The anchor is
 * `attain tenant create` (core metadata and a first admin, no template) on the same kind of
 * database in the same run. Target: under 30 s each (issue #14).
 */
export async function benchTemplates(): Promise<Record<string, unknown>> {
  const names = (await listTemplateDirs()).map((t) => t.manifest.name);
  const install = async (args: string[], env: NodeJS.ProcessEnv): Promise<number> => {
    const t0 = performance.now();
    await run(process.execPath, [join(ROOT, 'packages/cli/src/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...env, ATTAIN_ADMIN_PASSWORD: 'bench-password-1', ATTAIN_TOTP_ROLES: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return round((performance.now() - t0) / 1000, 1);
  };
  const embedded = async (args: string[]): Promise<number> => {
    const dir = await mkdtemp(join(tmpdir(), 'attain-template-bench-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ATTAIN_DATA_DIR: join(dir, 'data') };
    delete env.DATABASE_URL;
    try {
      return await install(args, env);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const postgres = async (args: string[], base: string): Promise<number> => install(args, { ...process.env, DATABASE_URL: await freshDatabase(base) });

  const result: Record<string, unknown> = {};
  const anchor = ['tenant', 'create', 'bench', '--admin-email', 'admin@bench.local'];
  const anchorEmbedded = await embedded(anchor);
  const anchorPg = await postgres(anchor, 'attain_bench_tpl_anchor');
  result.anchor_tenant_create_seconds = { embedded: anchorEmbedded, postgres: anchorPg };
  for (const name of names) {
    const args = ['template', 'install', name, '--tenant', 'bench', '--admin-email', 'admin@bench.local'];
    const e = await embedded(args);
    const p = await postgres(args, `attain_bench_tpl_${name.replace(/\W/g, '_')}`);
    result[name] = { embedded_seconds: e, postgres_seconds: p, ratio_to_anchor: { embedded: round(e / anchorEmbedded, 1), postgres: round(p / anchorPg, 1) } };
  }
  result.target = 'each install < 30 s';
  return result;
}
