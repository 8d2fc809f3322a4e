import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isAttainError, MetaValidationError } from '@attain/meta';
import { createDatabase, createStore, StoreError, type Store } from '@attain/store';
import { attainModules, installModules } from '@attain/server';
import { createTenantWithAdmin } from './tenant-create.ts';
import { readConfig, storeOptions } from './config.ts';
import { applyDir, describePlan, exportDir, planDir } from './metadata-commands.ts';
import { startAttain } from './start.ts';
import { runTemplateCommand, type TemplateFlags } from './template-commands.ts';
import { generateTenantTypes } from './typegen.ts';
import { pluginCommand } from './plugin-commands.ts';
import { secretsCommand } from './secrets-command.ts';
import { SDK_TYPES } from '@attain/plugins';

import { backup } from './backup/dump.ts';
import { restore } from './backup/load.ts';
import { tenantModules } from './backup/modules.ts';

export const USAGE = `attain — sales performance management on metadata

  attain start                                 serve the API and studio (creates the demo tenant on first start)
  attain tenant create <name> --admin-email E [--admin-name N] [--label L]
                     [--base-currency CNY] [--time-zone Asia/Shanghai] [--fiscal-year-start 4]
                                               create a tenant with the core metadata and its first admin
                                               (password: ATTAIN_ADMIN_PASSWORD, else a generated one printed once;
                                               settings default to ATTAIN_BASE_CURRENCY, ATTAIN_TIME_ZONE,
                                               ATTAIN_FISCAL_YEAR_START_MONTH, else USD, UTC, 1)
  attain metadata plan <dir> --tenant <t> [--replace]
                                               show what applying the documents in <dir> would change
  attain metadata apply <dir> --tenant <t> [--replace]
                                               apply them (one transaction, new revision): merged into the
                                               tenant's metadata by id; --replace makes them the whole set
                                               (refused when it would hide a core object)
  attain metadata export <dir> --tenant <t>    write the tenant's metadata as files
  attain template list [--tenant <t>]          the templates shipped in metadata/templates (and those installed)
  attain template show <name|dir>              a template's manifest, metadata and data
  attain template install <name|dir> --tenant <t> [--admin-email E] [--yes] [--no-data]
                                               a new tenant (created with E as first admin) or, into an
                                               existing one, the plan first and --yes to merge it
  attain template upgrade <name|dir> --tenant <t> [--resolve '<path>=ours|theirs' …] [--yes]
                                               three-way merge keeping the tenant's changes; conflicts listed
  attain template rollback <name> --tenant <t> undo the last upgrade (a new revision)
  attain template uninstall <name> --tenant <t> [--yes]
  attain template export <dir> --tenant <t> [--name N] [--version V] [--records order,order_line]
                                               the tenant's configuration (and those objects' records) as a template
  attain template new <dir> [--name N]         a template skeleton to start from (docs/templates.md)
  attain typegen --tenant <t> <out.ts>         TypeScript types of the tenant's objects (and attain-sdk.d.ts,
                                               the plugin SDK's types, next to it)
  attain typegen --sdk <out.d.ts>              only the plugin SDK's types
  attain plugin install <dir> --tenant <t> [--yes]
                                               bundle a plugin folder and install or upgrade it; --yes consents
                                               to the capabilities it asks for (else: attain plugin consent)
  attain plugin list|consent|enable|disable|rollback|uninstall [<name>] --tenant <t>
  attain secrets rotate [--tenant <t>]         re-encrypt plugins' secret settings with the first key of
                                               ATTAIN_SECRETS_KEY (list the old key after it until done)
  attain backup <file> [--tenant <t>]          every tenant (or one) from one consistent snapshot, with its
                                               metadata revisions, into a gzip'd NDJSON file
  attain restore <file> [--tenant <t>]         rebuild the backup's tenants (or one) in this database; a tenant
                                               that exists here is refused (see docs/operations.md)

Environment: DATABASE_URL, ATTAIN_DATA_DIR, PORT, ATTAIN_JOB_LEASE_MS, ATTAIN_DB_POOL, ATTAIN_PREPARED_STATEMENTS, ATTAIN_SHUTDOWN_DELAY_MS, ATTAIN_SHUTDOWN_TIMEOUT_MS, ATTAIN_ADMIN_EMAIL, ATTAIN_ADMIN_PASSWORD, ATTAIN_JWT_SECRET, ATTAIN_METRICS_TOKEN, ATTAIN_METRICS_ADDR, ATTAIN_TRUST_PROXY`;

type Flags = TemplateFlags & {
  yes?: boolean;
  sdk?: boolean;
  tenant?: string;
  replace?: boolean;
  label?: string;
  'no-seed'?: boolean;
  'admin-email'?: string;
  'admin-name'?: string;
  'base-currency'?: string;
  'time-zone'?: string;
  'fiscal-year-start'?: string;
};
type Log = (line: string) => void;

async function withStore<T>(env: NodeJS.ProcessEnv, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = readConfig(env);
  const db = await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const store = await createStore(db, storeOptions(config));
  // Plans and applies from the CLI see the same kinds and document checks as the API's.
  installModules(store, attainModules);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`missing ${what}\n\n${USAGE}`);
  return value;
}

export async function runCommand(command: string, args: string[], flags: Flags, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  switch (command) {
    case 'start': {
      const config = readConfig(env);
      const running = await startAttain({ config, log, seed: !flags['no-seed'] });
      const stop = (signal: string) => {
        log(`${signal}: draining requests and jobs (at most ${config.shutdownTimeoutMs} ms)…`);
        // A second signal, or a drain past its bound, ends the process at once; a job left running is taken over by another node when its lease ends.
        const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
        process.once('SIGINT', () => process.exit(1));
        process.once('SIGTERM', () => process.exit(1));
        running.shutdown().then(
          () => {
            clearTimeout(force);
            log('Stopped.');
            process.exit(0);
          },
          (error: unknown) => {
            log(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      return 0;
    }
    case 'tenant': {
      if (args[0] !== 'create') throw new Error(`unknown tenant command "${args[0] ?? ''}"\n\n${USAGE}`);
      const name = need(args[1], 'tenant name');
      // Settings are validated by the store (an unknown currency or time zone is refused, naming the field).
      const settings = {
        ...(flags['base-currency'] ? { baseCurrency: flags['base-currency'] } : {}),
        ...(flags['time-zone'] ? { timeZone: flags['time-zone'] } : {}),
        ...(flags['fiscal-year-start'] ? { fiscalYearStartMonth: Number(flags['fiscal-year-start']) } : {}),
      };
      return createTenantWithAdmin(
        { name, label: flags.label, adminEmail: flags['admin-email'], adminName: flags['admin-name'], password: env.ATTAIN_ADMIN_PASSWORD || undefined, settings },
        (fn) => withStore(env, fn),
        log,
      );
    }
    case 'metadata': {
      const [sub, dir] = args;
      const tenant = need(flags.tenant, '--tenant');
      const mode = flags.replace ? 'replace' : 'merge';
      try {
        if (sub === 'plan') {
          const plan = await withStore(env, (store) => planDir(store, tenant, resolve(need(dir, 'folder')), mode));
          log(describePlan(plan));
          return plan.safe ? 0 : 2;
        }
        if (sub === 'apply') {
          const { revision, plan } = await withStore(env, (store) => applyDir(store, tenant, resolve(need(dir, 'folder')), mode));
          log(
            mode === 'merge'
              ? `Merged the documents of ${dir} into the metadata of "${tenant}" (by id; --replace to make them the whole set).`
              : `Replaced the metadata of "${tenant}" with the documents of ${dir}.`,
          );
          log(describePlan(plan));
          log(plan.empty ? `Tenant "${tenant}" stays at revision ${revision}.` : `Applied: tenant "${tenant}" is now at revision ${revision}.`);
          return 0;
        }
        if (sub === 'export') {
          const count = await withStore(env, (store) => exportDir(store, tenant, resolve(need(dir, 'folder'))));
          log(`Wrote ${count} document(s) to ${dir}.`);
          return 0;
        }
      } catch (error) {
        if (error instanceof MetaValidationError) {
          log(`The metadata has ${error.issues.length} problem(s); nothing was applied:`);
          for (const i of error.issues) log(`  ${i.document} ${i.path || '/'}: ${i.message} [${i.rule}]`);
          return 2;
        }
        if (error instanceof StoreError && (error.code === 'metadata_invalid' || error.code === 'unsafe_change' || error.code === 'core_object_required')) {
          log(`The metadata has ${error.details.length || 1} problem(s); nothing was applied:`);
          for (const d of error.details.length ? error.details : [{ path: '', rule: error.code, message: error.message }]) log(`  ${d.path || '/'}: ${d.message} [${d.rule}]`);
          return 2;
        }
        throw error;
      }
      throw new Error(`unknown metadata command "${sub ?? ''}"\n\n${USAGE}`);
    }
    case 'template':
      return runTemplateCommand(args, flags, (fn) => withStore(env, fn), log, env);
    case 'typegen': {
      const out = resolve(need(args[0], 'output file'));
      await mkdir(dirname(out), { recursive: true });
      if (flags.sdk) {
        await writeFile(out, SDK_TYPES);
        log(`Wrote the plugin SDK's types to ${out}.`);
        return 0;
      }
      const tenant = need(flags.tenant, '--tenant');
      const source = await withStore(env, async (store) => generateTenantTypes(await store.registry(tenant), tenant));
      await writeFile(out, source);
      const sdk = resolve(dirname(out), 'attain-sdk.d.ts');
      await writeFile(sdk, SDK_TYPES);
      log(`Wrote types for tenant "${tenant}" to ${out} and the plugin SDK's types to ${sdk}.`);
      return 0;
    }
    case 'backup': {
      const file = resolve(need(args[0], 'backup file'));
      const report = await withStore(env, (store) => backup(store, file, flags.tenant ? { tenant: flags.tenant } : {}));
      for (const t of report.tenants)
        log(
          `  ${t.name}: revision ${t.revision}, ${Object.entries(t.counts).reduce((a, [k, n]) => a + (k.startsWith('control.') ? 0 : n), 0)} rows in ${Object.keys(t.counts).filter((k) => !k.startsWith('control.')).length} tables`,
        );
      log(`Wrote ${report.tenants.length} tenant(s) to ${file}.`);
      return 0;
    }
    case 'restore': {
      const file = resolve(need(args[0], 'backup file'));
      const report = await withStore(env, (store) => restore(store, file, tenantModules(), flags.tenant ? { tenant: flags.tenant } : {}));
      for (const t of report.tenants) log(`  ${t.name}: revision ${t.revision}`);
      log(`Restored ${report.tenants.length} tenant(s) from ${file}.`);
      return 0;
    }
    case 'plugin': {
      const tenant = need(flags.tenant, '--tenant');
      try {
        return await pluginCommand(args[0], args.slice(1), tenant, flags.yes === true, log, (fn) => withStore(env, fn));
      } catch (error) {
        if (error instanceof StoreError) {
          log(`${error.message} [${error.code}]`);
          for (const d of error.details) log(`  ${d.path || '/'}: ${d.message} [${d.rule}]`);
          return 2;
        }
        throw error;
      }
    }
    case 'secrets': {
      try {
        return await secretsCommand(args[0], flags.tenant, readConfig(env), log, (fn) => withStore(env, fn));
      } catch (error) {
        if (isAttainError(error)) {
          log(`${error.message} [${error.code}]`);
          for (const d of error.details) log(`  ${d.path || '/'}: ${d.message} [${d.rule}]`);
          return 2;
        }
        throw error;
      }
    }
    case 'help':
    case '--help':
    case '-h':
      log(USAGE);
      return 0;
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}
