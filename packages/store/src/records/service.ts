import type { Registry } from '@attain/meta';
import type { Ctx, TenantRow } from '../context.ts';
import type { RecordAccess, RecordService } from '../types.ts';
import { withHostFields } from '../formula/host-fields.ts';
import { recordContext } from './context.ts';
import { recordReads } from './reads.ts';
import { recordUpsert } from './upsert.ts';
import { writeChecks } from './write-checks.ts';
import { recordWrites } from './writes.ts';

/**
 * Record reads and writes for one tenant at one metadata revision, seen through one caller's
 * access, composed of its parts: the shared context, reads, single-record writes, upsert and the
 * write checks. `orgDay` (internal, for the org's daily job): the day this service's user and
 * org_unit writes take effect in the org, as the job's clock has it; default the tenant's today.
 */
export function recordService(ctx: Ctx, tenant: TenantRow, registry: Registry, accessIn?: RecordAccess, orgDay?: string): RecordService {
  const c = recordContext(ctx, tenant, registry, accessIn, orgDay);
  const checks = writeChecks(c);
  const service: RecordService = { registry, ...recordReads(c), ...recordWrites(c, checks), ...recordUpsert(c, checks) };
  // Formula fields that call a plugin function are filled in on the host after each read and write.
  return withHostFields(service, { knex: ctx.knex, schema: c.schema, tenant: tenant.name, registry, functions: ctx.formulaFunctions, access: c.access });
}
