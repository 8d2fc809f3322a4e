import { resolve } from 'node:path';
import { bundlePlugin, pluginsFor, type PluginView } from '@attain/plugins';
import type { Store } from '@attain/store';

type Log = (line: string) => void;
const CLI_ACTOR = { userId: null, label: 'cli' };

function describeView(v: PluginView, log: Log): void {
  log(`${v.name} ${v.version ?? '-'}${v.pendingVersion ? ` (version ${v.pendingVersion} awaits consent)` : ''} — ${v.status}`);
}

/** What a version asks for, as the admin must read it before consenting. */
function describeRequest(v: PluginView, log: Log): void {
  const r = v.requested;
  log(`  reads objects:   ${r.read.join(', ') || '(none)'}`);
  log(`  writes objects:  ${r.write.join(', ') || '(none)'}`);
  log(`  fetches:         ${r.fetch.join(', ') || '(none)'}`);
  log(`  hooks:           ${r.hooks.join(', ') || '(none)'}`);
  if (r.org.length) log(`  changes the org: ${r.org.join(', ')}`);
  if (v.needsConsent.length) log(`  not granted yet: ${v.needsConsent.join(', ')}`);
}

/** `attain plugin install|consent|list|enable|disable|rollback|uninstall`. */
export async function pluginCommand(sub: string | undefined, args: string[], tenant: string, yes: boolean, log: Log, withStore: <T>(fn: (store: Store) => Promise<T>) => Promise<T>): Promise<number> {
  return withStore(async (store) => {
    const runtime = pluginsFor(store);
    try {
      const service = runtime.service;
      const name = (): string => {
        if (!args[0]) throw new Error('missing plugin name');
        return args[0];
      };
      switch (sub) {
        case 'install': {
          if (!args[0]) throw new Error('missing plugin folder');
          const plugin = await bundlePlugin(resolve(args[0]));
          const view = await service.install(tenant, plugin, CLI_ACTOR, { consent: yes });
          describeView(view, log);
          describeRequest(view, log);
          if (view.status === 'awaiting_consent') {
            log(`Nothing runs until an admin consents: attain plugin consent ${view.name} --tenant ${tenant} (or install again with --yes).`);
            return 3;
          }
          return 0;
        }
        case 'consent':
          describeView(await service.consent(tenant, name(), CLI_ACTOR), log);
          return 0;
        case 'list': {
          const views = await service.list(tenant);
          if (views.length === 0) log(`No plugins in tenant "${tenant}".`);
          for (const v of views) describeView(v, log);
          return 0;
        }
        case 'enable':
        case 'disable':
          describeView(await service.setEnabled(tenant, name(), sub === 'enable', CLI_ACTOR), log);
          return 0;
        case 'rollback':
          describeView(await service.rollback(tenant, name(), CLI_ACTOR), log);
          return 0;
        case 'uninstall':
          await service.uninstall(tenant, name(), CLI_ACTOR);
          log(`Uninstalled ${name()} from tenant "${tenant}".`);
          return 0;
        default:
          throw new Error(`unknown plugin command "${sub ?? ''}"`);
      }
    } finally {
      await runtime.close();
    }
  });
}
