import type { Registry } from '@attain/meta';
import { auditService } from './audit.ts';
import { authService } from './auth.ts';
import { migrateControlSchema } from './control-schema.ts';
import { Ctx } from './context.ts';
import type { Database } from './database.ts';
import { StoreError } from './errors.ts';
import { metadataService } from './metadata.ts';
import { recordService } from './records/service.ts';
import { quoteIdent } from './sql.ts';
import { tenantService } from './tenants.ts';
import { jobQueue } from './jobs.ts';
import { moduleService } from './modules.ts';
import type { RecordAccess, RecordService, Store } from './types.ts';

export interface StoreOptions {
  controlSchema?: string;
  tenantSchemaPrefix?: string;
  /** When true (the default) `store.close()` also closes the database. */
  ownsDatabase?: boolean;
}

/** Opens the store over a database, running the control schema's migrations (idempotent). */
export async function createStore(db: Database, opts: StoreOptions = {}): Promise<Store> {
  const control = opts.controlSchema ?? 'attain';
  const prefix = opts.tenantSchemaPrefix ?? 'tenant_';
  quoteIdent(control);
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new StoreError('validation_failed', 'tenantSchemaPrefix must be a short lower-case identifier prefix');
  await migrateControlSchema(db.knex, control);
  const ctx = new Ctx(db, control, prefix);
  return {
    db,
    controlSchema: control,
    tenants: tenantService(ctx),
    async registry(tenant: string): Promise<Registry> {
      return (await ctx.registry(ctx.knex, tenant)).registry;
    },
    metadata: metadataService(ctx),
    async records(tenant: string, access?: RecordAccess): Promise<RecordService> {
      const { registry, row } = await ctx.registry(ctx.knex, tenant);
      return recordService(ctx, row, registry, access);
    },
    audit: auditService(ctx),
    auth: authService(ctx),
    jobs: jobQueue(ctx),
    events: {
      subscribe: (sub) => ctx.events.subscribe(sub),
      unsubscribe: (consumer) => ctx.events.unsubscribe(consumer),
    },
    modules: moduleService(ctx),
    writeGuards: {
      register: (name, guard) => ctx.guards.register(name, guard),
      unregister: (name) => ctx.guards.unregister(name),
    },
    async close() {
      // A shared database (tests, several stores on one connection) is closed by its opener.
      if (opts.ownsDatabase !== false) await db.close();
    },
  };
}
