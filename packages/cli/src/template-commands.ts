// `attain template list | show | install | upgrade | rollback | uninstall | export | new`: the CLI
// face of the server's template service (packages/server/src/templates), which the API shares.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  acceptUpgrade,
  exportTemplate,
  hashPassword,
  installed,
  installInto,
  installNew,
  listTemplateDirs,
  passwordProblems,
  planUpgrade,
  readTemplateDir,
  rollbackUpgrade,
  SHIPPED_TEMPLATES_DIR,
  uninstall,
  writeTemplateDir,
  type Resolutions,
  type TemplatePackage,
  type UpgradePlan,
} from '@attain/server';
import type { Store } from '@attain/store';
import { generatePassword } from './config.ts';
import { describePlan } from './metadata-commands.ts';

export interface TemplateFlags {
  tenant?: string;
  yes?: boolean;
  'admin-email'?: string;
  'admin-name'?: string;
  'no-data'?: boolean;
  resolve?: string[];
  name?: string;
  version?: string;
  /** export: objects whose records go into data/records (comma-separated). */
  records?: string;
}

type Log = (line: string) => void;
type WithStore = <T>(fn: (store: Store) => Promise<T>) => Promise<T>;

/** A folder path, or the name of a shipped template (metadata/templates/<name>). */
async function source(arg: string): Promise<TemplatePackage> {
  const asDir = resolve(arg);
  const isDir = await stat(asDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return readTemplateDir(isDir ? asDir : join(SHIPPED_TEMPLATES_DIR, arg));
}

function resolutions(list: string[] | undefined): Resolutions {
  const out: Resolutions = {};
  for (const r of list ?? []) {
    const at = r.lastIndexOf('=');
    const choice = r.slice(at + 1);
    if (at < 1 || (choice !== 'ours' && choice !== 'theirs')) throw new Error(`--resolve takes <path>=ours|theirs, not "${r}"`);
    out[r.slice(0, at)] = choice;
  }
  return out;
}

function describeUpgrade(plan: UpgradePlan, log: Log): void {
  log(`Upgrade ${plan.template} ${plan.from} → ${plan.to}:`);
  for (const c of plan.changes)
    log(`  ${c.action.padEnd(8)} ${c.kind} ${c.document}${c.taken.length ? `  new: ${c.taken.join(', ')}` : ''}${c.kept.length ? `  yours kept: ${c.kept.join(', ')}` : ''}`);
  for (const c of plan.conflicts) {
    log(`  conflict ${c.path}: installed ${JSON.stringify(c.base)}, yours ${JSON.stringify(c.ours)}, new ${JSON.stringify(c.theirs)}${plan.unresolved.includes(c.path) ? '' : ' (chosen)'}`);
  }
  log(describePlan(plan.migration));
}

export async function runTemplateCommand(args: string[], flags: TemplateFlags, withStore: WithStore, log: Log, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, arg] = args;
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new Error(`missing ${what}`);
    return v;
  };
  const actor = { userId: null, label: 'attain cli' };
  switch (sub) {
    case 'list': {
      for (const { manifest: m } of await listTemplateDirs()) log(`${m.name.padEnd(12)} ${m.version.padEnd(8)} ${m.label.en} / ${m.label['zh-CN']}${m.industry ? `  [${m.industry}]` : ''}`);
      if (flags.tenant) {
        const tenant = flags.tenant;
        const mine = await withStore((store) => installed(store, tenant));
        log(mine.length ? `Installed in "${tenant}": ${mine.map((i) => `${i.name} ${i.version}`).join(', ')}` : `Nothing installed in "${tenant}".`);
      }
      return 0;
    }
    case 'show': {
      const pkg = await source(need(arg, 'template name or folder'));
      const m = pkg.manifest;
      log(`${m.name} ${m.version}: ${m.label.en} / ${m.label['zh-CN']}`);
      if (m.description) log(m.description);
      log(`Needs Attain ${m.requires?.attain ?? 'any'}; plugins: ${(m.requires?.plugins ?? []).map((p) => p.name).join(', ') || 'none'}`);
      const kinds = new Map<string, number>();
      for (const d of pkg.documents as Array<{ kind: string }>) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
      log(`Metadata: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);
      const d = pkg.data;
      log(
        `Data: ${d.orgUnits?.length ?? 0} units, ${d.people?.length ?? 0} people, ${(d.records ?? []).map((r) => `${r.rows.length} ${r.object}`).join(', ') || 'no records'}, periods ${(d.periods ?? []).join(', ') || 'none'}`,
      );
      return 0;
    }
    case 'install': {
      const pkg = await source(need(arg, 'template name or folder'));
      const tenant = need(flags.tenant, '--tenant');
      const exists = await withStore(async (store) => Boolean(await store.tenants.get(tenant)));
      if (!exists) {
        const email = need(flags['admin-email'], '--admin-email (the new tenant’s first admin)');
        const password = env.ATTAIN_ADMIN_PASSWORD || generatePassword();
        const weak = passwordProblems(password, email);
        if (weak.length) throw new Error(`ATTAIN_ADMIN_PASSWORD: ${weak[0]?.message}`);
        const result = await withStore(async (store) =>
          installNew(
            store,
            pkg,
            { name: tenant, admin: { email, ...(flags['admin-name'] ? { name: flags['admin-name'] } : {}), passwordHash: await hashPassword(password) } },
            { data: !flags['no-data'] },
          ),
        );
        log(`Created tenant "${tenant}" from template ${pkg.manifest.name} ${pkg.manifest.version} (revision ${result.revision}) in ${(result.ms / 1000).toFixed(1)} s.`);
        if (result.data)
          log(
            `Loaded: ${Object.entries(result.data.records)
              .map(([o, n]) => `${n} ${o}`)
              .join(', ')}; calculated ${result.data.periods.join(', ') || 'no periods'} (${result.data.statementLines} statement lines).`,
          );
        log(`First admin: ${email}`);
        log(env.ATTAIN_ADMIN_PASSWORD ? 'Password: the one in ATTAIN_ADMIN_PASSWORD.' : `Password: ${password}  (shown once; change it after the first login)`);
        return 0;
      }
      const result = await withStore((store) => installInto(store, tenant, pkg, actor, { accept: flags.yes === true, data: !flags['no-data'] }));
      log(describePlan(result.plan));
      log(result.applied ? `Installed ${pkg.manifest.name} ${pkg.manifest.version} into "${tenant}" (revision ${result.revision}).` : 'Nothing applied: run again with --yes to install.');
      return 0;
    }
    case 'upgrade': {
      const pkg = await source(need(arg, 'template name or folder'));
      const tenant = need(flags.tenant, '--tenant');
      const chosen = resolutions(flags.resolve);
      if (!flags.yes) {
        const plan = await withStore((store) => planUpgrade(store, tenant, pkg, chosen));
        describeUpgrade(plan, log);
        log(plan.unresolved.length ? `Nothing applied: choose each conflict with --resolve '<path>=ours|theirs', then --yes.` : 'Nothing applied: run again with --yes to upgrade.');
        return plan.unresolved.length ? 2 : 0;
      }
      const done = await withStore((store) => acceptUpgrade(store, tenant, pkg, actor, { resolutions: chosen }));
      describeUpgrade(done, log);
      log(`Upgraded ${done.template} to ${done.to} in "${tenant}" (revision ${done.revision}); undo with: attain template rollback ${done.template} --tenant ${tenant}`);
      return 0;
    }
    case 'rollback': {
      const tenant = need(flags.tenant, '--tenant');
      const name = need(arg, 'template name');
      const r = await withStore((store) => rollbackUpgrade(store, tenant, name, actor));
      log(`Rolled ${name} back to ${r.version} in "${tenant}" (revision ${r.revision}).`);
      return 0;
    }
    case 'uninstall': {
      const tenant = need(flags.tenant, '--tenant');
      const name = need(arg, 'template name');
      const r = await withStore((store) => uninstall(store, tenant, name, actor, { accept: flags.yes === true }));
      log(describePlan(r.plan));
      log(r.applied ? `Uninstalled ${name} from "${tenant}" (revision ${r.revision}); its records stay in the database.` : 'Nothing applied: run again with --yes to uninstall.');
      return 0;
    }
    case 'export': {
      const tenant = need(flags.tenant, '--tenant');
      const dir = resolve(need(arg, 'output folder'));
      const pkg = await withStore((store) =>
        exportTemplate(store, tenant, { ...(flags.name ? { name: flags.name } : {}), ...(flags.version ? { version: flags.version } : {}), records: flags.records ? flags.records.split(',') : [] }),
      );
      const files = await writeTemplateDir(dir, pkg);
      log(`Wrote template ${pkg.manifest.name} ${pkg.manifest.version} of "${tenant}" to ${dir} (${files} files).`);
      return 0;
    }
    case 'new': {
      const dir = resolve(need(arg, 'folder'));
      const name = flags.name ?? dir.split(/[\\/]/).pop() ?? 'my_template';
      if (
        await stat(join(dir, 'template.json')).then(
          () => true,
          () => false,
        )
      )
        throw new Error(`${dir} already has a template.json`);
      await writeTemplateDir(dir, {
        manifest: {
          kind: 'template',
          id: `tpl.${name}`,
          name,
          version: '0.1.0',
          label: { en: name, 'zh-CN': name },
          description: 'What this template is for, and its compensation design (see README.md).',
          industry: 'other',
          requires: { attain: '>=0.1.0 <1', plugins: [] },
          metadata: ['metadata'],
          data: 'data',
        },
        documents: [
          {
            kind: 'kpi',
            id: `${name}.kpi.booked`,
            name: 'booked',
            label: { en: 'Booked revenue', 'zh-CN': '签约金额' },
            object: 'order',
            dateField: 'order_date',
            unit: 'money',
            measure: { aggregate: 'sum', value: 'amount', filter: 'status <> "cancelled"' },
          },
        ],
        data: { orgUnits: [{ name: 'Sales' }], people: [{ email: 'rep@example.com', name: 'First Rep', role: 'rep', unit: 'Sales' }], periods: [] },
      });
      await mkdir(join(dir, 'data', 'records'), { recursive: true });
      await writeFile(
        join(dir, 'README.md'),
        `# ${name}\n\nThe compensation design: who is paid what, on which numbers, when.\n\nInstall: \`attain template install ${dir} --tenant try_${name} --admin-email you@example.com\`\n`,
      );
      log(`Created a template skeleton in ${dir}: edit template.json, metadata/ and data/ (see docs/templates.md).`);
      return 0;
    }
    default:
      throw new Error(`unknown template command "${sub ?? ''}"`);
  }
}
