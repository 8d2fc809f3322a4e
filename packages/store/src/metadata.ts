import type { Knex } from 'knex';
import { MetaValidationError, Registry } from '@attain/meta';
import { checkActor, type Ctx, type Q, type TenantRow, toIso } from './context.ts';
import { StoreError, fromMetaError, wrapUnexpected } from './errors.ts';
import { physicalFromRegistry } from './migrator/physical.ts';
import { planMigration, type Planned } from './migrator/planner.ts';
import { liveSnapshot, registrySnapshot } from './migrator/snapshot.ts';
import { addFormulaRecompute } from './formula/migrate.ts';
import { assertFormulas } from './formula/plan-check.ts';
import { attachFunctions, type ExternalFunctionSpec } from './formula/plugin-functions.ts';
import { assertCoreKept } from './core-objects.ts';
import { canonicalJson, quoteIdent, sha256 } from './sql.ts';
import type { Actor, ApplyOptions, MetadataService, MigrationPlan, PhysicalState, RevisionInfo } from './types.ts';

export function docsHash(docs: readonly unknown[]): string {
  // Order-insensitive: documents are keyed by id, so their order in a folder does not matter.
  const sorted = [...docs].map((d) => canonicalJson(d)).sort();
  return sha256(`[${sorted.join(',')}]`);
}

function parseDocs(docs: unknown, revision: number): Registry {
  if (!Array.isArray(docs)) {
    throw new StoreError('metadata_invalid', 'Metadata must be a list of documents', [{ path: '', rule: 'type', message: 'must be an array' }]);
  }
  const result = Registry.tryFromDocuments(docs, revision);
  if (!result.ok) throw fromMetaError(new MetaValidationError(result.issues));
  return result.registry;
}

function checkOptions(opts: ApplyOptions | undefined): ApplyOptions {
  const o = opts ?? {};
  if (o.purge !== undefined && (!Array.isArray(o.purge) || o.purge.some((p) => typeof p !== 'string'))) {
    throw new StoreError('validation_failed', 'purge must be a list of ids', [{ path: '/purge', rule: 'type', message: 'must be a list of ids' }]);
  }
  if (o.backfill !== undefined && (typeof o.backfill !== 'object' || o.backfill === null || Array.isArray(o.backfill))) {
    throw new StoreError('validation_failed', 'backfill must map field ids to values', [{ path: '/backfill', rule: 'type', message: 'must be an object' }]);
  }
  return o;
}

function toPlan(row: TenantRow, hash: string, planned: Planned | undefined): MigrationPlan {
  const steps = planned?.steps ?? [];
  const empty = !planned;
  return { fromRevision: row.revision, toRevision: empty ? null : row.revision + 1, hash, empty, safe: steps.every((s) => s.safe), steps };
}

function refusal(plan: MigrationPlan): StoreError {
  const unsafe = plan.steps.filter((s) => !s.safe);
  return new StoreError(
    'unsafe_change',
    unsafe.length === 1 && unsafe[0] ? `Refused: ${unsafe[0].sentence}: ${unsafe[0].reason}` : `Refused: ${unsafe.length} unsafe changes; nothing was changed`,
    unsafe.map((s) => ({
      path: `/objects/${s.object.name}${s.field ? `/fields/${s.field.name}` : ''}`,
      rule: s.kind,
      message: `${s.sentence}: ${s.reason ?? 'unsafe'}`,
    })),
  );
}

function revisionInfo(r: { revision: number; hash: string; actor_id: string | null; actor_label: string | null; created_at: Date | string; plan: unknown }): RevisionInfo {
  const actor: Actor = { userId: r.actor_id };
  if (r.actor_label) actor.label = r.actor_label;
  return { revision: Number(r.revision), hash: r.hash, actor, createdAt: toIso(r.created_at), steps: Array.isArray(r.plan) ? r.plan.length : 0 };
}

export function metadataService(ctx: Ctx): MetadataService {
  /** The tenant's plugin formula functions, read before a transaction (the provider reads outside it). */
  const functionsFor = async (tenant: string) => (await ctx.formulaFunctions.provider?.functions(tenant)) ?? [];

  async function planIn(q: Q, row: TenantRow, docs: unknown[], opts: ApplyOptions, functions: ExternalFunctionSpec[]): Promise<{ plan: MigrationPlan; planned?: Planned; hash: string }> {
    const current = await ctx.registryAt(q, row, row.revision);
    // Plans, applies, rollbacks and the CLI all come through here: the core stays.
    if (Array.isArray(docs)) assertCoreKept(current, docs);
    const next = parseDocs(docs, row.revision + 1);
    // Formulas may call the tenant's enabled plugin functions; one of a disabled plugin is refused.
    attachFunctions(next, functions);
    assertFormulas(next, ctx.documentChecks);
    const hash = docsHash(next.docs);
    const purging = (opts.purge ?? []).length > 0;
    if (hash === docsHash(current.docs) && !purging) return { plan: toPlan(row, hash, undefined), hash };
    const snapshot = await liveSnapshot(q, row.schema_name);
    const planned = await planMigration({ schema: row.schema_name, current, physical: row.physical, next, snapshot, opts });
    addFormulaRecompute(planned, row.schema_name, current, next);
    if (planned.steps.length === 0 && hash === docsHash(current.docs)) return { plan: toPlan(row, hash, undefined), hash };
    return { plan: toPlan(row, hash, planned), planned, hash };
  }

  async function applyDocs(tenant: string, docs: unknown[], opts: ApplyOptions & { actor: Actor }, action: string): Promise<{ revision: number; plan: MigrationPlan }> {
    const actor = checkActor(opts?.actor);
    const options = checkOptions(opts);
    try {
      const functions = await functionsFor(tenant);
      return await ctx.knex.transaction(async (trx) => {
        // Locks the tenant row: concurrent applies for one tenant run one after the other.
        const row = await ctx.tenantRow(trx, tenant, { forUpdate: true });
        await trx.raw('set local standard_conforming_strings = on');
        const { plan, planned, hash } = await planIn(trx, row, docs, options, functions);
        if (!planned) return { revision: row.revision, plan };
        if (!plan.safe) throw refusal(plan);
        for (const a of planned.actions) await a.run(trx);
        const revision = row.revision + 1;
        await ctx.table(trx, 'metadata_revisions').insert({
          tenant_id: row.id,
          revision,
          docs: JSON.stringify(docs),
          hash,
          plan: JSON.stringify(plan.steps),
          actor_id: actor.userId,
          actor_label: actor.label ?? null,
        });
        await ctx
          .table(trx, 'tenants')
          .where({ id: row.id })
          .update({ revision, physical: JSON.stringify(planned.next) });
        const tables = Object.values(planned.next.objects).map((o) => o.table);
        await trx.raw(`select ${quoteIdent(ctx.control)}.ensure_change_triggers(?, ?::text[])`, [row.schema_name, tables]);
        ctx.afterCommit(trx, () => ctx.changes.bumpMeta(row.schema_name));
        await ctx.audit(trx, {
          tenantId: row.id,
          actor,
          action,
          before: { revision: row.revision },
          after: { revision, hash, steps: plan.steps.map((s) => s.sentence) },
          revision,
        });
        return { revision, plan: { ...plan, toRevision: revision } };
      });
    } catch (error) {
      throw wrapUnexpected(error);
    }
  }

  const service: MetadataService = {
    async plan(tenant, docs, opts) {
      const options = checkOptions(opts);
      const row = await ctx.tenantRow(ctx.knex, tenant);
      try {
        return (await planIn(ctx.knex, row, docs, options, await functionsFor(tenant))).plan;
      } catch (error) {
        throw wrapUnexpected(error);
      }
    },
    apply(tenant, docs, opts) {
      return applyDocs(tenant, docs, opts, 'metadata.apply');
    },
    async history(tenant) {
      const row = await ctx.tenantRow(ctx.knex, tenant);
      const rows = await ctx.table(ctx.knex, 'metadata_revisions').where({ tenant_id: row.id }).orderBy('revision', 'desc').select('revision', 'hash', 'actor_id', 'actor_label', 'created_at', 'plan');
      return rows.map(revisionInfo);
    },
    async revision(tenant, n) {
      const row = await ctx.tenantRow(ctx.knex, tenant);
      if (!Number.isSafeInteger(n)) throw new StoreError('not_found', 'No such revision');
      const r = await ctx.table(ctx.knex, 'metadata_revisions').where({ tenant_id: row.id, revision: n }).first();
      if (!r) throw new StoreError('not_found', `Tenant "${tenant}" has no revision ${n}`);
      return { info: revisionInfo(r), docs: r.docs as unknown[] };
    },
    async diff(tenant, a, b) {
      const row = await ctx.tenantRow(ctx.knex, tenant);
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new StoreError('not_found', 'No such revision');
      const from = await ctx.registryAt(ctx.knex, row, a);
      const to = await ctx.registryAt(ctx.knex, row, b);
      const hash = docsHash(to.docs);
      if (hash === docsHash(from.docs)) return { fromRevision: a, toRevision: b, hash, empty: true, safe: true, steps: [] };
      const physical: PhysicalState = physicalFromRegistry(from);
      const planned = await planMigration({ schema: row.schema_name, current: from, physical, next: to, snapshot: registrySnapshot(from, physical), opts: {} });
      return { fromRevision: a, toRevision: b, hash, empty: planned.steps.length === 0, safe: planned.steps.every((s) => s.safe), steps: planned.steps };
    },
    async rollback(tenant, toRevision, actor) {
      const { docs } = await service.revision(tenant, toRevision);
      return applyDocs(tenant, docs, { actor }, 'metadata.rollback');
    },
  };
  return service;
}

export type { Knex };
