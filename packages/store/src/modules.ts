import type { Knex } from 'knex';
import type { Ctx } from './context.ts';
import { StoreError } from './errors.ts';
import { quoteIdent } from './sql.ts';

/** A platform module's own tables in each tenant schema (approvals, KPI results, …), versioned. */
export interface TenantModule<T extends string = string> {
  /** Stable name, e.g. `workflow`. Its tables should be prefixed `attain_<name>_` (api names cannot start with `attain_`). */
  name: string;
  /**
   * Its tables' short names (`target` for `attain_goals_target`): what a data port lets the module
   * itself, and other modules reading it, name. Modules without the list are reached by handle only.
   */
  tables?: readonly T[];
  migrations: Array<{ version: number; up(trx: Knex.Transaction, schema: string): Promise<void> }>;
}

export interface ModuleHandle {
  tenant: string;
  tenantId: string;
  /** The tenant's schema, already validated; quote with `quoteIdent` or pass to `withSchema`. */
  schema: string;
  knex: Knex;
}

/**
 * Brings a module's tables in a tenant schema up to date, once per process and version, under an
 * advisory lock so several nodes can race safely. Migrations must be idempotent DDL.
 */
export function moduleService(ctx: Ctx) {
  const done = new Map<string, number>();
  return {
    async ensure(tenant: string, module: TenantModule): Promise<ModuleHandle> {
      // The tenant's row as the registry cache holds it (checked against the change feed): a
      // module handle is asked for on every request, and a name's id and schema never change.
      const { row } = await ctx.registry(ctx.knex, tenant);
      const latest = Math.max(0, ...module.migrations.map((m) => m.version));
      const cacheKey = `${row.id}:${module.name}`;
      const handle: ModuleHandle = { tenant: row.name, tenantId: row.id, schema: row.schema_name, knex: ctx.knex };
      if ((done.get(cacheKey) ?? -1) >= latest) return handle;
      if (!/^[a-z][a-z0-9_]{0,30}$/.test(module.name)) throw new StoreError('validation_failed', `bad module name ${module.name}`);
      quoteIdent(row.schema_name);
      await ctx.knex.transaction(async (trx) => {
        await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`attain-module:${row.id}:${module.name}`]);
        const current = (await ctx.table(trx, 'module_versions').where({ tenant_id: row.id, module: module.name }).first('version')) as { version: number } | undefined;
        const from = current ? Number(current.version) : 0;
        for (const m of [...module.migrations].sort((a, b) => a.version - b.version)) {
          if (m.version > from) await m.up(trx, row.schema_name);
        }
        if (latest > from) {
          await ctx
            .table(trx, 'module_versions')
            .insert({ tenant_id: row.id, module: module.name, version: latest, applied_at: new Date() })
            .onConflict(['tenant_id', 'module'])
            .merge(['version', 'applied_at']);
        }
      });
      done.set(cacheKey, latest);
      return handle;
    },
  };
}
