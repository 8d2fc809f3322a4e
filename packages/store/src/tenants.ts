import { apiNameProblem } from '@attain/meta';
import { type Ctx, toTenant, type TenantRow } from './context.ts';
import { StoreError, pgCode } from './errors.ts';
import { canonicalJson, quoteIdent, sha256 } from './sql.ts';
import type { Store, Tenant } from './types.ts';
import { checkTenantSettings, defaultTenantSettings, type TenantSettingsInput } from './tenant-settings.ts';
import { assertDatabaseKnowsZone, tenantSettingsService } from './tenant-settings-service.ts';
import { uuidv7 } from './uuid.ts';

export function tenantService(ctx: Ctx): Store['tenants'] {
  return {
    ...tenantSettingsService(ctx),
    async create(name: string, opts: { label?: string } & TenantSettingsInput = {}): Promise<Tenant> {
      const { label, ...given } = opts;
      const settings = { ...defaultTenantSettings(), ...checkTenantSettings(given) };
      await assertDatabaseKnowsZone(ctx.knex, settings.timeZone);
      const problem = apiNameProblem(name);
      const schema = `${ctx.prefix}${String(name)}`;
      if (problem || schema.length > 63) {
        throw new StoreError('validation_failed', `Invalid tenant name`, [{ path: '/name', rule: 'api_name', message: problem ?? `is too long for the schema prefix "${ctx.prefix}"` }]);
      }
      quoteIdent(schema);
      try {
        const row = await ctx.knex.transaction(async (trx) => {
          const id = uuidv7();
          const [inserted] = (await ctx
            .table(trx, 'tenants')
            .insert({ id, name, label: label ?? null, schema_name: schema, base_currency: settings.baseCurrency, time_zone: settings.timeZone, fiscal_year_start_month: settings.fiscalYearStartMonth })
            .returning('*')) as TenantRow[];
          await trx.raw(`create schema ${quoteIdent(schema)}`);
          await ctx.table(trx, 'metadata_revisions').insert({ tenant_id: id, revision: 0, docs: JSON.stringify([]), hash: sha256(canonicalJson([])), plan: JSON.stringify([]) });
          await ctx.audit(trx, { tenantId: id, actor: { userId: null, label: 'system' }, action: 'tenant.create', after: { name, schema, ...settings }, revision: 0 });
          return inserted as TenantRow;
        });
        return toTenant(row);
      } catch (error) {
        const code = pgCode(error);
        if (code === '23505' || code === '42P06') throw new StoreError('tenant_exists', `A tenant named "${name}" already exists`, [{ path: '/name', rule: 'unique', message: 'is taken' }]);
        throw error;
      }
    },
    async get(name: string): Promise<Tenant | undefined> {
      const row = (await ctx
        .table(ctx.knex, 'tenants')
        .where({ name: String(name) })
        .first()) as TenantRow | undefined;
      return row ? toTenant(row) : undefined;
    },
    async list(): Promise<Tenant[]> {
      const rows = (await ctx.table(ctx.knex, 'tenants').select('*').orderBy('name')) as TenantRow[];
      return rows.map(toTenant);
    },
  };
}
