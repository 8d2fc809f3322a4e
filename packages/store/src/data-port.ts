import type { Knex } from 'knex';
import type { Ctx } from './context.ts';
import { StoreError } from './errors.ts';
import type { ModuleHandle, TenantModule } from './modules.ts';
import { qualified } from './sql.ts';
import type { Actor } from './types.ts';

type Q = Knex | Knex.Transaction;

/** What a module says happened, for the tenant's append-only audit log. */
export interface ModuleAuditEntry {
  actor: Actor;
  /** `<module>.<thing>.<verb>`, e.g. `incentives.plan.update`. */
  action: string;
  /** What kind of thing changed (`incentive_plan`, `incentive_period`, …), for `GET /audit?object=`. */
  object: string;
  /** The changed row's uuid, when it has one; other ids go in the summaries. */
  recordId?: string | null;
  /** Short summaries, not whole documents: enough to say who changed what from what to what. */
  before?: unknown;
  after?: unknown;
  /** The metadata revision the change was made under, when it matters (approvals of records). */
  revision?: number;
}

/** One module's tables in another module's hands: read-only by convention, named by its owner's declaration. */
export interface ForeignTable {
  /** Quoted, schema-qualified name for SQL text. */
  readonly name: string;
  /** False when the owning module is not installed in this tenant (its tables were never created). */
  exists(q?: Q): Promise<boolean>;
  query(q?: Q): Knex.QueryBuilder;
}

/**
 * A module's tenant-bound access to data: its own tables by their declared short names, other
 * modules' tables through their owners' `TenantModule` (never a hand-built `attain_<module>_…`
 * string), and the audit log. Bound to one tenant schema, so a module cannot reach another tenant.
 */
export interface DataPort<T extends string = string> extends ModuleHandle {
  readonly module: string;
  /** Quoted, schema-qualified name of one of this module's tables, for SQL text. */
  name(table: T): string;
  /** A query on one of this module's tables (the knex builder binds every value). */
  table(table: T, q?: Q): Knex.QueryBuilder;
  /** A table another module owns, named as that module declares it. */
  foreign<U extends string>(owner: TenantModule<U>, table: U): ForeignTable;
  /** Appends to the tenant's audit log, in `q`'s transaction when one is given. */
  audit(entry: ModuleAuditEntry, q?: Q): Promise<void>;
}

function tableName(module: TenantModule, table: string): string {
  if (!module.tables?.includes(table)) throw new StoreError('validation_failed', `module "${module.name}" declares no table "${table}"`);
  return `attain_${module.name}_${table}`;
}

/** Builds ports on the module service (tables created on first use, once per process and version). */
export function portService(ctx: Ctx, modules: { ensure(tenant: string, module: TenantModule): Promise<ModuleHandle> }) {
  return async function port<T extends string>(tenant: string, module: TenantModule<T>): Promise<DataPort<T>> {
    const handle = await modules.ensure(tenant, module);
    const { schema, knex, tenantId } = handle;
    return {
      ...handle,
      module: module.name,
      name: (table) => qualified(schema, tableName(module, table)),
      table: (table, q = knex) => q.withSchema(schema).from(tableName(module, table)),
      foreign(owner, table) {
        const raw = tableName(owner, table);
        return {
          name: qualified(schema, raw),
          exists: async (q = knex) => q.schema.withSchema(schema).hasTable(raw),
          query: (q = knex) => q.withSchema(schema).from(raw),
        };
      },
      audit: (e, q = knex) =>
        ctx.insertAudit(q, [{ tenantId, actor: e.actor, action: e.action, object: e.object, recordId: e.recordId ?? null, before: e.before, after: e.after, revision: e.revision ?? null }]),
    };
  };
}
