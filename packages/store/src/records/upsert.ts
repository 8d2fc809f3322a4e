import type { ObjectDef } from '@attain/meta';
import { actorUuid, checkActor } from '../context.ts';
import { StoreError, type ErrorDetail } from '../errors.ts';
import type { Rec, RecordService } from '../types.ts';
import { uuidv7 } from '../uuid.ts';
import { readableFields, selectList } from './fields.ts';
import { unchangedBy } from './unchanged.ts';
import { upsertRows } from './upsert-sql.ts';
import { checkStatedCurrencies, failValidation } from './validate.ts';
import { isRecord, type RecordContext } from './context.ts';
import type { WriteChecks } from './write-checks.ts';

const MAX_BATCH = 1000;

type Status = 'created' | 'updated' | 'unchanged';

/**
 * Batch create-or-update by external id: one transaction, one INSERT … ON CONFLICT per row shape.
 * `skipUnchanged`: a row whose every sent field equals the stored record (as the caller reads it)
 * is not written (no version bump, no audit entry) and is answered `unchanged`; such a row is
 * compared before it is validated, as if it had never been sent.
 */
export function recordUpsert(c: RecordContext, checks: WriteChecks): Pick<RecordService, 'upsert'> {
  const { ctx, tenant, registry, schema, access, knex, systemView, objectOf, readFrom, formulas, afterWriteOf, dependentsOf, checkEffective, ownerColumn, ownerSet, upsertHooks, out, full, inTx } = c;
  const { prepare, checkOwnerScope, checkRefs } = checks;

  /** Validates rows `at` (indices into `rows`); returns their column values by index, or throws naming them. */
  function prepareAll(o: ObjectDef, rows: unknown[], at: number[], details: ErrorDetail[]): Map<number, Record<string, unknown>> {
    const prepared = new Map<number, Record<string, unknown>>();
    for (const i of at) {
      try {
        const values = prepare(o, rows[i], 'create', `/${i}`);
        checkOwnerScope(o, values, `/${i}`);
        prepared.set(i, values);
      } catch (error) {
        if (error instanceof StoreError && error.code === 'validation_failed') details.push(...error.details);
        else throw error;
      }
    }
    if (details.length) failValidation(details);
    return prepared;
  }

  return {
    async upsert(objectName, rowsIn, actorIn, opts = {}) {
      const actor = checkActor(actorIn);
      const o = objectOf(objectName);
      await checkEffective(o, opts.effectiveFrom);
      if (!Array.isArray(rowsIn) || rowsIn.length === 0 || rowsIn.length > MAX_BATCH) {
        failValidation([{ path: '/', rule: 'batch', message: `send 1 to ${MAX_BATCH} records` }]);
      }
      const rows = await upsertHooks(o, rowsIn, actor);
      const who = actorUuid(actor);
      const now = new Date();
      const details: ErrorDetail[] = [];
      const exts: string[] = [];
      const seen = new Set<string>();
      const missing = new Set<number>();
      rows.forEach((r, i) => {
        const ext = isRecord(r) ? r.external_id : undefined;
        if (typeof ext !== 'string' || ext.length === 0) {
          missing.add(i);
          details.push({ path: `/${i}/external_id`, rule: 'required', message: '"external_id" is required to upsert' });
        } else if (seen.has(ext)) {
          details.push({ path: `/${i}/external_id`, rule: 'unique', message: `"external_id" ${JSON.stringify(ext.slice(0, 80))} appears twice in the batch` });
        }
        if (typeof ext === 'string') seen.add(ext);
        exts.push(String(ext));
      });
      // A row without an external id is only reported as such.
      const all = rows.map((_, i) => i).filter((i) => !missing.has(i));
      // Without skipUnchanged every row is validated before the transaction, as always.
      const early = opts.skipUnchanged ? undefined : prepareAll(o, rows, all, [...details]);
      if (details.length) failValidation(details);
      return inTx(o, async (trx) => {
        const existing = (await readFrom(trx, o)
          .whereRaw('?? = any(?::text[])', ['external_id', exts])
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
        // With no field of this object hidden from the caller, the caller's view of a row is the
        // audit's full one: each row is then serialised once, not twice.
        const fields = readableFields(o, systemView);
        const oneView = readableFields(o, access).length === fields.length;
        const fullBefore = new Map<number, Record<string, unknown>>();
        const statuses: Status[] = new Array(rows.length);
        const records: Rec[] = new Array(rows.length);
        let changed = all;
        if (opts.skipUnchanged) {
          changed = [];
          for (const i of all) {
            const b = beforeByExt.get(exts[i] as string);
            const seenBefore = b ? out(o, b) : undefined;
            if (seenBefore && oneView) fullBefore.set(i, seenBefore);
            if (seenBefore && unchangedBy(rows[i] as Record<string, unknown>, seenBefore)) {
              statuses[i] = 'unchanged';
              records[i] = seenBefore;
            } else changed.push(i);
          }
        }
        const prepared = early ?? prepareAll(o, rows, changed, []);
        if (changed.length === 0) return { created: 0, updated: 0, records, statuses };
        const currencies: ErrorDetail[] = [];
        for (const i of changed) {
          const r = beforeByExt.get(exts[i] as string);
          if (!r) continue;
          const patch = prepared.get(i) ?? {};
          const before = fullBefore.get(i) ?? full(o, r);
          fullBefore.set(i, before);
          await ctx.guards.check({ tenant: tenant.name, schema, registry, object: o.name, op: 'update', id: r.id as string, before, patch, actor, trx });
          // A row updating a record without stating its currency meets the stored one's scale.
          currencies.push(...checkStatedCurrencies(o, r, patch, `/${i}`));
        }
        if (currencies.length) failValidation(currencies);
        await checkRefs(
          trx,
          o,
          changed.map((i) => prepared.get(i) as Record<string, unknown>),
          (k) => `/${changed[k]}`,
          changed.map((i) => beforeByExt.get(exts[i] as string)),
        );
        // One INSERT … ON CONFLICT per group of rows setting the same fields, so a row never
        // overwrites a field it did not send.
        const groups = new Map<string, Array<Record<string, unknown>>>();
        for (const i of changed) {
          const p = prepared.get(i) as Record<string, unknown>;
          const sig = Object.keys(p).sort().join(',');
          const list = groups.get(sig) ?? [];
          list.push(p);
          groups.set(sig, list);
        }
        // The rows as written come back from the INSERT itself unless something rewrites them
        // after it (stored formulas) or reads them through a view (computed formulas).
        const f = formulas(o);
        const returned = f.stored.length === 0 && f.computed.length === 0;
        const written: Array<Record<string, unknown>> = [];
        for (const group of groups.values()) {
          const insertRows = group.map((p) => {
            const row: Record<string, unknown> = { ...p, id: uuidv7(now.getTime()), created_at: now, updated_at: now, created_by: who, updated_by: who, version: 1 };
            if (o.owned && !('owner_id' in p)) row.owner_id = who;
            return row;
          });
          written.push(...(await upsertRows(trx, schema, o, insertRows, Object.keys(group[0] as object), returned ? fields : undefined)));
        }
        const changedExts = changed.map((i) => exts[i] as string);
        await afterWriteOf(trx, o, { key: 'external_id', values: changedExts, prefixOf: (k) => `/${changed[k]}` });
        const after = returned
          ? written
          : ((await readFrom(trx, o).whereRaw('?? = any(?::text[])', ['external_id', changedExts]).whereNull('deleted_at').select(selectList(knex, fields))) as Array<Record<string, unknown>>);
        const afterByExt = new Map(after.map((r) => [r.external_id as string, r]));
        let created = 0;
        const audits = [];
        for (const i of changed) {
          const a = afterByExt.get(exts[i] as string) as Record<string, unknown>;
          const before = fullBefore.get(i);
          const after = full(o, a);
          if (!before) created += 1;
          statuses[i] = before ? 'updated' : 'created';
          records[i] = oneView ? (after as Rec) : out(o, a);
          audits.push({
            tenantId: tenant.id,
            actor,
            action: before ? 'update' : 'create',
            object: o.name,
            recordId: a.id as string,
            before: before ?? null,
            after,
            revision: registry.revision,
          });
        }
        await ctx.auditMany(trx, audits);
        await dependentsOf(
          trx,
          o,
          after.map((r) => r.id as string),
          changed.map((i) => beforeByExt.get(exts[i] as string)).filter((r): r is Record<string, unknown> => r !== undefined),
          opts.effectiveFrom,
        );
        return { created, updated: changed.length - created, records, statuses };
      });
    },
  };
}
