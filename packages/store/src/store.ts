import type { Registry } from '@attain/meta';
import { auditService } from './audit.ts';
import { authService } from './auth.ts';
import { migrateControlSchema, pendingControlMigrations } from './control-schema.ts';
import { Ctx, toTenant } from './context.ts';
import type { Database } from './database.ts';
import { StoreError } from './errors.ts';
import { metadataService } from './metadata.ts';
import { recordService } from './records/service.ts';
import { quoteIdent } from './sql.ts';
import { orgService } from './org/service.ts';
import { tenantService } from './tenants.ts';
import { jobQueue } from './jobs.ts';
import { idempotencyService } from './idempotency.ts';
import { moduleService } from './modules.ts';
import { portService } from './data-port.ts';
import type { AuthStore, RecordAccess, RecordService, Store, TenantSnapshot } from './types.ts';

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
  const modules = moduleService(ctx);
  return {
    db,
    controlSchema: control,
    tenants: tenantService(ctx),
    // The registries handed out carry the tenant's plugin formula functions (see plugin-functions.ts).
    async registry(tenant: string): Promise<Registry> {
      const { registry } = await ctx.registry(ctx.knex, tenant);
      await ctx.formulaFunctions.attach(tenant, registry);
      return registry;
    },
    metadata: metadataService(ctx),
    async records(tenant: string, access?: RecordAccess): Promise<RecordService> {
      const { registry, row } = await ctx.registry(ctx.knex, tenant);
      await ctx.formulaFunctions.attach(tenant, registry);
      return recordService(ctx, row, registry, access);
    },
    async org(tenant: string) {
      const { registry, row } = await ctx.registry(ctx.knex, tenant);
      return orgService(ctx, row, registry);
    },
    async snapshot(tenant: string): Promise<TenantSnapshot | undefined> {
      try {
        const { registry, row } = await ctx.registry(ctx.knex, tenant);
        await ctx.formulaFunctions.attach(tenant, registry);
        return { tenant: toTenant(row), registry, records: (access?: RecordAccess) => recordService(ctx, row, registry, access) };
      } catch (error) {
        if (error instanceof StoreError && error.code === 'not_found') return undefined;
        throw error;
      }
    },
    pendingMigrations: () => pendingControlMigrations(db.knex, control),
    localChanges: { subscribe: (listener) => ctx.subscribeLocal(listener) },
    audit: auditService(ctx),
    auth: announcingAuth(ctx, authService(ctx)),
    idempotency: idempotencyService(ctx),
    jobs: jobQueue(ctx),
    events: {
      subscribe: (sub) => ctx.events.subscribe(sub),
      unsubscribe: (consumer) => ctx.events.unsubscribe(consumer),
    },
    modules,
    port: portService(ctx, modules),
    writeGuards: {
      register: (name, guard) => ctx.guards.register(name, guard),
      unregister: (name) => ctx.guards.unregister(name),
    },
    beforeWrite: {
      register: (name, hook) => ctx.beforeWrite.register(name, hook),
      unregister: (name) => ctx.beforeWrite.unregister(name),
    },
    documentChecks: {
      register: (name, check) => ctx.documentChecks.register(name, check),
      unregister: (name) => ctx.documentChecks.unregister(name),
    },
    formulaFunctions: ctx.formulaFunctions,
    async close() {
      // A shared database (tests, several stores on one connection) is closed by its opener.
      if (opts.ownsDatabase !== false) await db.close();
    },
  };
}

/** Credential changes that end sessions are announced to this process's caches once done. */
function announcingAuth(ctx: Ctx, auth: AuthStore): AuthStore {
  const setActive: AuthStore['setActive'] = async (tenant, userId, active) => {
    await auth.setActive(tenant, userId, active);
    ctx.announce(ctx.knex, [{ kind: 'user', userId: String(userId) }]);
  };
  return {
    ...auth,
    setActive,
    credentials: { ...auth.credentials, setActive },
    apiTokens: {
      ...auth.apiTokens,
      async revoke(id) {
        await auth.apiTokens.revoke(id);
        ctx.announce(ctx.knex, [{ kind: 'token', tokenId: String(id) }]);
      },
    },
    sessions: {
      ...auth.sessions,
      async revoke(jti) {
        await auth.sessions.revoke(jti);
        ctx.announce(ctx.knex, [{ kind: 'session', jti: String(jti) }]);
      },
      async revokeAllForUser(tenant, userId) {
        const n = await auth.sessions.revokeAllForUser(tenant, userId);
        ctx.announce(ctx.knex, [{ kind: 'user', userId: String(userId) }]);
        return n;
      },
    },
  };
}
