// What every incentive service shares for one tenant: the module's data port (its own tables by
// their declared names, the audit log), the tenant's settings as last read, and the lock that
// serialises writers of credits and measure totals.
import { functionsOf, type Actor, type DataPort, type ModuleAuditEntry, type ModuleHandle, type Store } from '@attain/store';
import type { FunctionRegistry } from '@attain/formula';
import type { FiscalCalendar } from '../periods.ts';
import { FX_MODULE } from '../../fx/schema.ts';
import { INCENTIVES_MODULE, type IncentiveTable } from './schema.ts';
import type { Sql } from './sql.ts';

export type Knex = ModuleHandle['knex'];
export type Row = Record<string, unknown>;

/** The tenant's database as a service uses it: `t('lines')` is the quoted, schema-qualified table. */
export interface EngineDb {
  knex: Knex;
  schema: string;
  t: (name: IncentiveTable) => string;
  port: DataPort<IncentiveTable>;
}

/** An audit entry a service writes in its own transaction, without the actor (the caller's `by`). */
export type AuditNote = Omit<ModuleAuditEntry, 'actor'>;

export const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const dateText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

export async function runSql(knex: Knex, sql: Sql): Promise<void> {
  await knex.raw(sql.text, sql.bindings as never[]);
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k) ?? [];
    list.push(item);
    map.set(k, list);
  }
  return map;
}

export class EngineCore {
  readonly store: Store;
  readonly tenant: string;
  /** Pinned by the constructor option, else the tenant's setting as last read by `ensure()`. */
  private readonly pinnedBase: string | undefined;
  private settings: { baseCurrency: string; timeZone: string; firstMonth: number } = { baseCurrency: 'USD', timeZone: 'UTC', firstMonth: 1 };
  private port: DataPort<IncentiveTable> | undefined;
  /** Tests kill a run after this many chunks. */
  failAfterChunks: number | undefined;
  chunkSize = 2000;

  constructor(store: Store, tenant: string, opts: { baseCurrency?: string } = {}) {
    this.store = store;
    this.tenant = tenant;
    this.pinnedBase = opts.baseCurrency;
  }

  /** The tenant's base currency (tenant settings): credits and measures are kept in it. */
  get baseCurrency(): string {
    return this.pinnedBase ?? this.settings.baseCurrency;
  }

  /** The tenant's time zone (tenant calendar): a moment's day, e.g. an order created at, is its day there. */
  get timeZone(): string {
    return this.settings.timeZone;
  }

  /** The tenant's fiscal calendar (tenant calendar): which months make its quarters and years, and their names. */
  get calendar(): FiscalCalendar {
    return { firstMonth: this.settings.firstMonth };
  }

  async ensure(): Promise<DataPort<IncentiveTable>> {
    if (!this.port) {
      const port = await this.store.port(this.tenant, INCENTIVES_MODULE);
      // Rates live in the fx module's table (its first migration takes over the engine's old one).
      await this.store.modules.ensure(this.tenant, FX_MODULE);
      this.port = port;
    }
    // Cheap when unchanged: the store caches settings per tenant metadata version. Read here, at the
    // start of an operation and never inside one of its transactions (PGlite has one connection).
    const s = await this.store.tenants.settings(this.tenant);
    this.settings = { baseCurrency: s.baseCurrency, timeZone: s.timeZone, firstMonth: s.fiscalYearStartMonth };
    return this.port;
  }

  /** The tenant's formula functions with its plugins' (for formula measures), as a lint context part. */
  async lintFunctions(): Promise<{ functions?: FunctionRegistry }> {
    const f = functionsOf(await this.store.registry(this.tenant));
    return f ? { functions: f.registry } : {};
  }

  async db(): Promise<EngineDb> {
    const port = this.port ?? (await this.ensure());
    return { knex: port.knex, schema: port.schema, t: (name) => port.name(name), port };
  }

  /** Serialises writers of credits and measure totals within the tenant. */
  async lock(trx: Knex): Promise<void> {
    await trx.raw(`select pg_advisory_xact_lock(hashtext(?))`, [`attain_incentives_totals:${this.tenant}`]);
  }

  /** Writes the change's audit entry in the change's transaction `trx`, when the caller said who made it. */
  async audit(by: Actor | undefined, note: AuditNote, trx: Knex): Promise<void> {
    if (!by) return;
    const { port } = await this.db();
    await port.audit({ actor: by, ...note }, trx);
  }
}
