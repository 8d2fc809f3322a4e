import type { Knex } from 'knex';
import { quoteIdent, type KpiDoc, type Registry } from '@attain/meta';
import { org, type DataPort, type Store } from '@attain/store';
import { GoalsError } from './errors.ts';
import { compileKpi, type CompiledKpi } from './kpi.ts';
import { goalsModule, type GoalsTable } from './module.ts';
import { tenantCalendar, type TenantCalendar } from '../calendar/calendar.ts';

/** One tenant's goals: its schema, registry and the quoted names every query uses. */
export interface GoalsContext {
  tenant: string;
  knex: Knex;
  schema: string;
  registry: Registry;
  /** The store, for the org service's writes (they tell other modules about the change). */
  store?: Store;
  /** The tenant calendar: the time zone a moment's day (and month) is read in, the fiscal year's first month. */
  calendar: TenantCalendar;
  /** The goals module's data port: its tables by short name, the audit log. */
  port: DataPort<GoalsTable>;
  /** Quoted, schema-qualified table names. */
  t: { membership: string; units: string; actual: string; unitActual: string; planVersion: string; target: string; closed: string; user: string; orgUnit: string };
}

export async function goalsContext(store: Store, tenant: string, registry?: Registry): Promise<GoalsContext> {
  const handle = await store.port(tenant, goalsModule);
  const reg = registry ?? (await store.registry(tenant));
  const s = quoteIdent(handle.schema);
  const user = reg.object('user');
  const orgUnit = reg.object('org_unit');
  if (!user || !orgUnit) throw new GoalsError('goals_unavailable', 'goals need the core "user" and "org_unit" objects', [], 409);
  // Membership is the org service's, not a copy of it: goals read its table, named by its owner.
  const orgT = await org.ensureOrgTables(handle.knex, handle.schema, reg);
  return {
    tenant,
    knex: handle.knex,
    schema: handle.schema,
    registry: reg,
    store,
    port: handle,
    calendar: await tenantCalendar(store, tenant),
    t: {
      membership: orgT.membership,
      units: orgT.units,
      actual: handle.name('actual'),
      unitActual: handle.name('unit_actual'),
      planVersion: handle.name('plan_version'),
      target: handle.name('target'),
      closed: handle.name('closed_period'),
      user: `${s}.${quoteIdent(user.table)}`,
      orgUnit: `${s}.${quoteIdent(orgUnit.table)}`,
    },
  };
}

const compiled = new WeakMap<Registry, Map<string, CompiledKpi>>();

/** A KPI of the registry, compiled once per registry (that is, per tenant revision). */
export function kpiOf(ctx: GoalsContext, name: string): CompiledKpi {
  let cache = compiled.get(ctx.registry);
  if (!cache) compiled.set(ctx.registry, (cache = new Map()));
  const hit = cache.get(`${ctx.schema}:${name}`);
  if (hit) return hit;
  const doc = ctx.registry.documentsOf('kpi').find((k) => k.name === name);
  if (!doc) throw new GoalsError('unknown_kpi', `there is no kpi named "${name.slice(0, 64)}"`, [{ path: '/kpi', rule: 'unknown_reference', message: 'no such kpi' }], 404);
  const kpi = compileKpi(ctx.registry, doc, ctx.schema);
  cache.set(`${ctx.schema}:${name}`, kpi);
  return kpi;
}

/**
 * The KPIs over an object that compile. One that does not (metadata plans refuse such KPIs; this
 * guards against one applied before that check) is left out, so it never stops the others; asked
 * for by name (kpiOf) it still answers kpi_invalid with its problems.
 */
export function kpisOn(ctx: GoalsContext, object: string): CompiledKpi[] {
  const out: CompiledKpi[] = [];
  for (const k of ctx.registry.documentsOf('kpi').filter((d: KpiDoc) => d.object === object)) {
    try {
      out.push(kpiOf(ctx, k.name));
    } catch (error) {
      if (!(error instanceof GoalsError)) throw error;
    }
  }
  return out;
}
