import type { Knex } from 'knex';
import { findField, type ObjectDef } from '@attain/meta';
import { actorUuid, checkActor } from '../context.ts';
import { StoreError } from '../errors.ts';
import type { Actor, RecordService } from '../types.ts';
import { isUuid, uuidv7 } from '../uuid.ts';
import { readableFields, selectList } from './fields.ts';
import { checkStatedCurrencies, failValidation } from './validate.ts';
import { recomputeStored } from '../formula/write.ts';
import type { RecordContext } from './context.ts';
import type { WriteChecks } from './write-checks.ts';

type Writes = Pick<RecordService, 'create' | 'update' | 'delete' | 'restore'>;

/** Single-record writes: each one transaction with its audit row, formulas and dependents. */
export function recordWrites(c: RecordContext, checks: WriteChecks): Writes {
  const { ctx, tenant, registry, schema, knex, systemView, objectOf, from, formulas, readFrom, afterWriteOf, dependentsOf, checkEffective, beforeHooks, out, full, fetchOne, inTx } = c;
  const { prepare, checkOwnerScope, checkRefs } = checks;

  async function softDelete(trx: Knex.Transaction, o: ObjectDef, before: Record<string, unknown>, actor: Actor, depth: number): Promise<void> {
    const id = before.id as string;
    if (depth > 10) throw new StoreError('conflict', 'Deleting would cascade too deeply');
    for (const inv of registry.inverseRelations(o.name)) {
      const child = registry.object(inv.object);
      const field = child ? findField(child, inv.field) : undefined;
      if (!child || !field?.ref) continue;
      const live = from(trx, child).where(field.column, id).whereNull('deleted_at');
      if (field.ref.onDelete === 'restrict') {
        const n = Number(((await live.clone().count({ c: '*' })) as Array<{ c: unknown }>)[0]?.c ?? 0);
        if (n > 0) {
          throw new StoreError('conflict', `${n} ${child.name} record(s) still refer to this ${o.name}`, [
            { path: `/${child.name}/${field.name}`, rule: 'restrict', message: `${n} ${child.name} record(s) refer to it` },
          ]);
        }
      } else {
        const rows = (await readFrom(trx, child)
          .where(field.column, id)
          .whereNull('deleted_at')
          .select(selectList(knex, readableFields(child, systemView)))
          .forUpdate()) as Array<Record<string, unknown>>;
        for (const r of rows) {
          if (field.ref.onDelete === 'cascade') await softDelete(trx, child, r, actor, depth + 1);
          else {
            await from(trx, child)
              .where('id', r.id as string)
              .update({ [field.column]: null, updated_at: new Date(), updated_by: actorUuid(actor), version: trx.raw('version + 1') });
            // Its stored formulas may read the reference; its rules are not re-judged (the
            // delete would be refused over a child's rule the user never touched).
            await recomputeStored(trx, schema, child, formulas(child), { key: 'id', values: [r.id as string] });
            const after = await fetchOne(trx, child, r.id as string, { deleted: 'any' });
            await ctx.audit(trx, {
              tenantId: tenant.id,
              actor,
              action: 'update',
              object: child.name,
              recordId: r.id as string,
              before: full(child, r),
              after: after ? full(child, after) : null,
              revision: registry.revision,
            });
            await dependentsOf(trx, child, [r.id as string], [r]);
          }
        }
      }
    }
    await from(trx, o)
      .where('id', id)
      .update({ deleted_at: new Date(), updated_at: new Date(), updated_by: actorUuid(actor), version: trx.raw('version + 1') });
    await ctx.audit(trx, { tenantId: tenant.id, actor, action: 'delete', object: o.name, recordId: id, before: full(o, before), after: null, revision: registry.revision });
    await dependentsOf(trx, o, [id], [before]);
  }

  return {
    async create(objectName, data, actorIn) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      const values = prepare(o, await beforeHooks(o, 'create', actor, data), 'create');
      const who = actorUuid(actor);
      const now = new Date();
      const id = uuidv7(now.getTime());
      const row: Record<string, unknown> = { ...values, id, created_at: now, updated_at: now, created_by: who, updated_by: who, version: 1 };
      if (o.owned && !('owner_id' in values)) row.owner_id = who;
      checkOwnerScope(o, row);
      return inTx(o, async (trx) => {
        await checkRefs(trx, o, [row], () => '');
        await from(trx, o).insert(row);
        await afterWriteOf(trx, o, { key: 'id', values: [id], prefixOf: () => '' });
        const saved = (await fetchOne(trx, o, id)) as Record<string, unknown>;
        await ctx.audit(trx, { tenantId: tenant.id, actor, action: 'create', object: o.name, recordId: id, before: null, after: full(o, saved), revision: registry.revision });
        await dependentsOf(trx, o, [id]);
        return out(o, saved);
      });
    },

    async update(objectName, id, patch, actorIn, opts = {}) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      if (!isUuid(id)) throw new StoreError('not_found', `No ${o.name} with this id`);
      // A hook's answer is validated by prepare() like the caller's patch.
      patch = (await beforeHooks(o, 'update', actor, patch, id)) as typeof patch;
      const values = prepare(o, patch, 'update');
      checkOwnerScope(o, values);
      await checkEffective(o, opts.effectiveFrom);
      return inTx(o, async (trx) => {
        const before = await fetchOne(trx, o, id.toLowerCase(), { lock: true });
        if (!before) throw new StoreError('not_found', `No ${o.name} with this id`);
        const version = Number(before.version);
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== version) {
          throw new StoreError('conflict', `The ${o.name} was changed by someone else (now version ${version})`, [
            { path: '/version', rule: 'version', message: `expected version ${opts.expectedVersion}, found ${version}` },
          ]);
        }
        await ctx.guards.check({
          tenant: tenant.name,
          schema,
          registry,
          object: o.name,
          op: 'update',
          id: before.id as string,
          before: full(o, before),
          patch: patch as Record<string, unknown>,
          actor,
          trx,
        });
        if (Object.keys(values).length === 0) return out(o, before);
        const currencies = checkStatedCurrencies(o, before, values);
        if (currencies.length) failValidation(currencies);
        await checkRefs(trx, o, [values], () => '', [before]);
        await from(trx, o)
          .where('id', before.id as string)
          .update({ ...values, updated_at: new Date(), updated_by: actorUuid(actor), version: version + 1 });
        await afterWriteOf(trx, o, { key: 'id', values: [before.id as string], prefixOf: () => '' });
        const after = (await fetchOne(trx, o, before.id as string)) as Record<string, unknown>;
        await ctx.audit(trx, {
          tenantId: tenant.id,
          actor,
          action: 'update',
          object: o.name,
          recordId: before.id as string,
          before: full(o, before),
          after: full(o, after),
          revision: registry.revision,
        });
        await dependentsOf(trx, o, [before.id as string], [before], opts.effectiveFrom);
        return out(o, after);
      });
    },

    async delete(objectName, id, actorIn) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      if (!isUuid(id)) throw new StoreError('not_found', `No ${o.name} with this id`);
      await beforeHooks(o, 'delete', actor, undefined, id);
      await inTx(o, async (trx) => {
        const before = await fetchOne(trx, o, id.toLowerCase(), { lock: true });
        if (!before) throw new StoreError('not_found', `No ${o.name} with this id`);
        await ctx.guards.check({ tenant: tenant.name, schema, registry, object: o.name, op: 'delete', id: before.id as string, before: full(o, before), actor, trx });
        await softDelete(trx, o, before, actor, 0);
      });
    },

    async restore(objectName, id, actorIn) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      if (!isUuid(id)) throw new StoreError('not_found', `No ${o.name} with this id`);
      return inTx(o, async (trx) => {
        const before = await fetchOne(trx, o, id.toLowerCase(), { lock: true, deleted: true });
        if (!before) throw new StoreError('not_found', `No deleted ${o.name} with this id`);
        await from(trx, o)
          .where('id', before.id as string)
          .update({ deleted_at: null, updated_at: new Date(), updated_by: actorUuid(actor), version: Number(before.version) + 1 });
        const after = (await fetchOne(trx, o, before.id as string)) as Record<string, unknown>;
        await ctx.audit(trx, {
          tenantId: tenant.id,
          actor,
          action: 'restore',
          object: o.name,
          recordId: before.id as string,
          before: full(o, before),
          after: full(o, after),
          revision: registry.revision,
        });
        await dependentsOf(trx, o, [before.id as string]);
        return out(o, after);
      });
    },
  };
}
