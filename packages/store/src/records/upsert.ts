import { actorUuid, checkActor } from '../context.ts';
import { StoreError, type ErrorDetail } from '../errors.ts';
import type { Rec, RecordService } from '../types.ts';
import { uuidv7 } from '../uuid.ts';
import { readableFields, selectList } from './fields.ts';
import { checkStatedCurrencies, failValidation } from './validate.ts';
import { isRecord, type RecordContext } from './context.ts';
import type { WriteChecks } from './write-checks.ts';

const MAX_BATCH = 1000;

/** Batch create-or-update by external id: one transaction, one INSERT … ON CONFLICT per row shape. */
export function recordUpsert(c: RecordContext, checks: WriteChecks): Pick<RecordService, 'upsert'> {
  const { ctx, tenant, registry, schema, access, knex, systemView, objectOf, from, readFrom, afterWriteOf, dependentsOf, checkEffective, ownerColumn, ownerSet, upsertHooks, out, full, inTx } = c;
  const { prepare, checkOwnerScope, checkRefs } = checks;
  return {
    async upsert(objectName, rows, actorIn, opts = {}) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      await checkEffective(o, opts.effectiveFrom);
      if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_BATCH) {
        failValidation([{ path: '/', rule: 'batch', message: `send 1 to ${MAX_BATCH} records` }]);
      }
      rows = (await upsertHooks(o, rows, actor)) as typeof rows;
      const who = actorUuid(actor);
      const now = new Date();
      const details: ErrorDetail[] = [];
      const prepared: Array<Record<string, unknown>> = [];
      const seen = new Set<string>();
      rows.forEach((r, i) => {
        try {
          const ext = isRecord(r) ? r.external_id : undefined;
          if (typeof ext !== 'string' || ext.length === 0) {
            details.push({ path: `/${i}/external_id`, rule: 'required', message: '"external_id" is required to upsert' });
            return;
          }
          if (seen.has(ext)) details.push({ path: `/${i}/external_id`, rule: 'unique', message: `"external_id" ${JSON.stringify(ext.slice(0, 80))} appears twice in the batch` });
          seen.add(ext);
          const values = prepare(o, r, 'create', `/${i}`);
          checkOwnerScope(o, values, `/${i}`);
          prepared.push(values);
        } catch (error) {
          if (error instanceof StoreError && error.code === 'validation_failed') details.push(...error.details);
          else throw error;
        }
      });
      if (details.length) failValidation(details);
      return inTx(o, async (trx) => {
        const exts = prepared.map((p) => p.external_id as string);
        const existing = (await readFrom(trx, o)
          .whereIn('external_id', exts)
          .whereNull('deleted_at')
          .select(selectList(knex, readableFields(o, systemView)))
          .forUpdate()) as Array<Record<string, unknown>>;
        const beforeByExt = new Map(existing.map((r) => [r.external_id as string, r]));
        if (access.rowFilter) {
          // A caller limited to some records' owners upserts only records inside that scope. A row
          // whose external id names none of them is refused, whether the id is free or taken by a
          // record outside the scope: one answer for both, so upsert is no oracle for which
          // external ids exist (creating the free ones would tell them apart, since the taken ones
          // could not be created). Such callers create new records with POST /objects/{object}
          // (where, as for any unique field, a taken value is refused: that reveals the value is
          // in use, which a unique constraint cannot hide, but never the record or its owner).
          const owners = ownerSet();
          const col = ownerColumn(o);
          const mine = new Set(existing.filter((r) => owners.includes(String(r[col]))).map((r) => r.external_id as string));
          const unknown = exts.map((ext, i) => ({ ext, i })).filter(({ ext }) => !mine.has(ext));
          if (unknown.length) {
            failValidation(
              unknown.map(({ i }) => ({ path: `/${i}/external_id`, rule: 'not_found', message: `no ${o.name} you may change has this external_id; create new records with POST /objects/${o.name}` })),
            );
          }
        }
        const currencies: ErrorDetail[] = [];
        for (const r of existing) {
          const at = prepared.findIndex((p) => p.external_id === r.external_id);
          const patch = prepared[at] ?? {};
          await ctx.guards.check({ tenant: tenant.name, schema, registry, object: o.name, op: 'update', id: r.id as string, before: full(o, r), patch, actor, trx });
          // A row updating a record without stating its currency meets the stored one's scale.
          currencies.push(...checkStatedCurrencies(o, r, patch, `/${at}`));
        }
        if (currencies.length) failValidation(currencies);
        await checkRefs(
          trx,
          o,
          prepared,
          (i) => `/${i}`,
          prepared.map((p) => beforeByExt.get(p.external_id as string)),
        );
        // One INSERT … ON CONFLICT per group of rows setting the same fields, so a row never
        // overwrites a field it did not send.
        const groups = new Map<string, Array<Record<string, unknown>>>();
        for (const p of prepared) {
          const sig = Object.keys(p).sort().join(',');
          const list = groups.get(sig) ?? [];
          list.push(p);
          groups.set(sig, list);
        }
        for (const group of groups.values()) {
          const insertRows = group.map((p) => {
            const row: Record<string, unknown> = { ...p, id: uuidv7(now.getTime()), created_at: now, updated_at: now, created_by: who, updated_by: who, version: 1 };
            if (o.owned && !('owner_id' in p)) row.owner_id = who;
            return row;
          });
          const merge: Record<string, unknown> = { updated_at: now, updated_by: who, version: trx.raw('??.?? + 1', [o.table, 'version']) };
          for (const col of Object.keys(group[0] as object)) if (col !== 'external_id') merge[col] = trx.raw('excluded.??', [col]);
          await from(trx, o).insert(insertRows).onConflict(trx.raw('("external_id") where deleted_at is null')).merge(merge);
        }
        await afterWriteOf(trx, o, { key: 'external_id', values: exts, prefixOf: (i) => `/${i}` });
        const after = (await readFrom(trx, o)
          .whereIn('external_id', exts)
          .whereNull('deleted_at')
          .select(selectList(knex, readableFields(o, systemView)))) as Array<Record<string, unknown>>;
        const afterByExt = new Map(after.map((r) => [r.external_id as string, r]));
        let created = 0;
        const records: Rec[] = [];
        const audits = [];
        for (const ext of exts) {
          const a = afterByExt.get(ext) as Record<string, unknown>;
          const b = beforeByExt.get(ext);
          if (!b) created += 1;
          records.push(out(o, a));
          audits.push({
            tenantId: tenant.id,
            actor,
            action: b ? 'update' : 'create',
            object: o.name,
            recordId: a.id as string,
            before: b ? full(o, b) : null,
            after: full(o, a),
            revision: registry.revision,
          });
        }
        await ctx.auditMany(trx, audits);
        await dependentsOf(
          trx,
          o,
          after.map((r) => r.id as string),
          existing,
          opts.effectiveFrom,
        );
        return { created, updated: exts.length - created, records };
      });
    },
  };
}
