// Reads and changes a tenant's settings (tenant-settings.ts). Reads are cached per process and
// trusted while the change feed says the tenant row has not moved (its update trigger notifies every
// node), so the engines can ask on every operation for the price of a map lookup.
import type { Ctx } from './context.ts';
import { StoreError, type ErrorDetail } from './errors.ts';
import { checkTenantSettings, type TenantSettings } from './tenant-settings.ts';
import type { Actor } from './types.ts';

const TRUST_MS = 60_000;

interface SettingsRow {
  id: string;
  schema_name: string;
  base_currency: string;
  time_zone: string;
  fiscal_year_start_month: number;
  calculated_at: Date | string | null;
}

const toSettings = (r: SettingsRow): TenantSettings => ({
  baseCurrency: r.base_currency,
  timeZone: r.time_zone,
  fiscalYearStartMonth: Number(r.fiscal_year_start_month),
  calculatedAt: r.calculated_at === null ? null : r.calculated_at instanceof Date ? r.calculated_at.toISOString() : new Date(r.calculated_at).toISOString(),
});

const COLS = ['id', 'schema_name', 'base_currency', 'time_zone', 'fiscal_year_start_month', 'calculated_at'];

/**
 * Refuses a time zone Intl knows but the database does not (its tz data may be older): every
 * bucketing query binds it, and an unknown one would fail there instead of here.
 */
export async function assertDatabaseKnowsZone(q: Ctx['knex'], timeZone: string | undefined): Promise<void> {
  if (!timeZone || timeZone === 'UTC') return;
  // Cheaper than scanning pg_timezone_names: the database refuses a zone it does not know (22023).
  const known = await q.raw('select now() at time zone ?::text', [timeZone]).then(
    () => true,
    () => false,
  );
  if (!known)
    throw new StoreError('validation_failed', 'the database does not know this time zone', [{ path: '/timeZone', rule: 'time_zone', message: `"${timeZone}" is not a time zone the database knows` }]);
}

export function tenantSettingsService(ctx: Ctx) {
  const cache = new Map<string, { settings: TenantSettings; schema: string; meta: number | undefined; at: number }>();

  async function read(name: string, q = ctx.knex, forUpdate = false): Promise<SettingsRow> {
    if (typeof name !== 'string') throw new StoreError('not_found', 'No such tenant');
    let query = ctx.table(q, 'tenants').where({ name }).first(COLS);
    if (forUpdate) query = query.forUpdate();
    const row = (await query) as SettingsRow | undefined;
    if (!row) throw new StoreError('not_found', `No tenant named "${name.slice(0, 64)}"`);
    return row;
  }

  return {
    async settings(name: string): Promise<TenantSettings> {
      const hit = cache.get(name);
      const now = hit ? ctx.changes.metaVersion(hit.schema) : undefined;
      if (hit && now !== undefined && now === hit.meta && Date.now() - hit.at < TRUST_MS) return hit.settings;
      // The version is the one seen before the read (a change landing meanwhile makes the next call
      // read again); a first read has none, so it is trusted from the second on.
      const row = await read(name);
      const settings = toSettings(row);
      cache.set(name, { settings, schema: row.schema_name, meta: hit?.schema === row.schema_name ? now : undefined, at: Date.now() });
      return settings;
    },

    async updateSettings(name: string, input: unknown, actor: Actor): Promise<TenantSettings> {
      const patch = checkTenantSettings(input);
      await assertDatabaseKnowsZone(ctx.knex, patch.timeZone);
      const result = await ctx.knex.transaction(async (trx) => {
        const row = await read(name, trx, true);
        const before = toSettings(row);
        const changed = (Object.keys(patch) as Array<keyof typeof patch>).filter((k) => patch[k] !== before[k]);
        if (!changed.length) return { settings: before, schema: row.schema_name };
        if (before.calculatedAt) {
          // Amounts already converted and periods already bucketed would silently change meaning.
          const details: ErrorDetail[] = changed.map((k) => ({ path: `/${k}`, rule: 'locked', message: `cannot change after the first incentive calculation (${before.calculatedAt})` }));
          if (changed.includes('baseCurrency')) throw new StoreError('base_currency_locked', 'the base currency cannot change after the first incentive calculation', details);
          throw new StoreError('calendar_locked', 'the time zone and fiscal calendar cannot change after the first incentive calculation', details);
        }
        const update: Record<string, unknown> = {};
        if (patch.baseCurrency !== undefined) update.base_currency = patch.baseCurrency;
        if (patch.timeZone !== undefined) update.time_zone = patch.timeZone;
        if (patch.fiscalYearStartMonth !== undefined) update.fiscal_year_start_month = patch.fiscalYearStartMonth;
        await ctx.table(trx, 'tenants').where({ id: row.id }).update(update);
        const after = { ...before, ...patch };
        const pick = (s: TenantSettings) => ({ baseCurrency: s.baseCurrency, timeZone: s.timeZone, fiscalYearStartMonth: s.fiscalYearStartMonth });
        await ctx.audit(trx, { tenantId: row.id, actor, action: 'tenant.settings', object: null, before: pick(before), after: pick(after) });
        return { settings: after, schema: row.schema_name };
      });
      cache.delete(name);
      // This process reads its own write at once; other nodes hear the tenant row's notification.
      ctx.changes.bumpMeta(result.schema);
      return result.settings;
    },

    async markCalculated(name: string): Promise<void> {
      const hit = cache.get(name);
      if (hit?.settings.calculatedAt) return;
      const n = await ctx.table(ctx.knex, 'tenants').where({ name }).whereNull('calculated_at').update({ calculated_at: new Date() });
      if (n) {
        cache.delete(name);
        if (hit) ctx.changes.bumpMeta(hit.schema);
      }
    },
  };
}
