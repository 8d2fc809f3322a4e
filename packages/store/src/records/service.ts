import type { FormulaError } from '@attain/formula';
import { findField, type FieldDef, type ObjectDef, type Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { actorUuid, checkActor, type Ctx, type Q, type TenantRow } from '../context.ts';
import { StoreError, pgCode, wrapUnexpected, type ErrorDetail } from '../errors.ts';
import type { Actor, Filter, ListQuery, ListResult, Rec, RecordAccess, RecordService } from '../types.ts';
import { isUuid, uuidv7 } from '../uuid.ts';
import { normalizeDateTime } from '../values.ts';
import { applyKeyset, applyOrder, cursorSelects, decodeCursor, encodeCursor, resolveSort } from './cursor.ts';
import { hasColumn, readableFields, selectList, serialize, serializer } from './fields.ts';
import { compileFilter, likePattern } from './filter.ts';
import { aggregate } from './aggregate.ts';
import { ajvDetails, checkDecimals, checkStatedCurrencies, checkWriteKeys, failValidation, mergeDetails, validatorFor } from './validate.ts';
import { textRuleDetails } from './text-rules.ts';
import { formulasOf } from '../formula/compiled.ts';
import { checkForPreview, formulaRowScope, previewRows } from '../formula/preview.ts';
import { derivedHidden, readSource } from '../formula/read.ts';
import { withHostFields } from '../formula/host-fields.ts';
import { afterWrite, recomputeStored, type WrittenRows } from '../formula/write.ts';
import { refreshDependents } from '../formula/dependents.ts';
import { orgAfterRecordWrite, tenantToday } from '../org/service.ts';
import { effectiveDateProblem } from '../org/timeline.ts';
import { BeforeWriteHooks, type BeforeWriteInput } from '../write-hooks.ts';

const SEARCHABLE = new Set(['text', 'long_text', 'email', 'phone', 'url', 'enum']);
const MAX_BATCH = 1000;

function checkAccess(access: RecordAccess | undefined): RecordAccess {
  const a = access ?? {};
  if (a.rowFilter && !Array.isArray(a.rowFilter.ownerIn)) throw new StoreError('validation_failed', 'rowFilter.ownerIn must be a list of user ids');
  return a;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasForbiddenKey(v: Record<string, unknown>): boolean {
  return ['__proto__', 'constructor', 'prototype'].some((k) => Object.hasOwn(v, k));
}

/** Record reads and writes for one tenant at one metadata revision, seen through one caller's access. */
/**
 * `orgDay` (internal, for the org's daily job): the day this service's user and org_unit writes
 * take effect in the org, as the job's clock has it; default the tenant's today at each write.
 */
export function recordService(ctx: Ctx, tenant: TenantRow, registry: Registry, accessIn?: RecordAccess, orgDay?: string): RecordService {
  const schema = tenant.schema_name;
  const access = withFormulaHiding(checkAccess(accessIn), registry, schema);
  const knex = ctx.knex;
  const systemView: RecordAccess = {};

  function objectOf(name: string): ObjectDef {
    const o = typeof name === 'string' ? registry.object(name) : undefined;
    if (!o) throw new StoreError('not_found', `No object named "${String(name).slice(0, 64)}"`);
    return o;
  }
  const from = (q: Q, o: ObjectDef) => q.withSchema(schema).from(o.table);
  const formulas = (o: ObjectDef) => formulasOf(registry, o, schema);
  /** Reads see computed formula fields as columns of the same name. */
  const readFrom = (q: Q, o: ObjectDef) => {
    const derived = readSource(knex, schema, o, formulas(o).computed);
    return derived ? q.from(derived) : from(q, o);
  };
  const afterWriteOf = (trx: Knex.Transaction, o: ObjectDef, rows: WrittenRows) => afterWrite(trx, schema, o, formulas(o), rows, access.locale);
  // Stored formulas elsewhere that read these rows (customer.segment, SUM(lines.amount)).
  // Every write path ends here, so this is also where the org service follows user and unit writes.
  const dependentsOf = async (trx: Knex.Transaction, o: ObjectDef, ids: string[], before: Array<Record<string, unknown>> = [], effectiveFrom?: string) => {
    await refreshDependents(trx, registry, schema, { object: o.name, ids, before });
    await orgAfterRecordWrite(ctx, trx, tenant, registry, o, ids, before, effectiveFrom ?? orgDay);
  };
  /** A stated effective date of an org change, checked before anything is written. */
  const checkEffective = async (o: ObjectDef, value: string | undefined) => {
    if (value === undefined) return;
    const problem = effectiveDateProblem(value, o.name, orgDay ?? (await tenantToday(ctx, knex, tenant.id)));
    if (problem) failValidation([{ path: '/effective_from', rule: 'effective_date', message: problem }]);
  };
  const ownerColumn = (o: ObjectDef) => (o.owned ? 'owner_id' : 'created_by');
  const ownerSet = () => (access.rowFilter?.ownerIn ?? []).filter(isUuid).map((s) => s.toLowerCase());

  /**
   * Tenant plugins' before-hooks: every write path calls this before validating, so what a hook
   * sets is validated like the caller's input. Returns the data to write.
   */
  async function beforeHooks(o: ObjectDef, op: BeforeWriteInput['op'], actor: Actor, data: unknown, id?: string): Promise<unknown> {
    const hooks = await ctx.beforeWrite.interested(tenant.name, o.name);
    if (hooks.length === 0) return data;
    const input: BeforeWriteInput = { tenant: tenant.name, object: o.name, op, actor };
    if (isRecord(data)) input.data = data;
    if (id !== undefined && isUuid(id)) {
      input.id = id.toLowerCase();
      const row = await fetchOne(knex, o, input.id);
      if (!row) throw new StoreError('not_found', `No ${o.name} with this id`);
      input.before = full(o, row);
    }
    return (await BeforeWriteHooks.apply(hooks, input)) ?? data;
  }

  /** Before-hooks for an upsert batch: a row whose external id is taken is an update of that record. */
  async function upsertHooks(o: ObjectDef, rows: unknown[], actor: Actor): Promise<unknown[]> {
    if ((await ctx.beforeWrite.interested(tenant.name, o.name)).length === 0) return rows;
    const exts = rows.map((r) => (isRecord(r) && typeof r.external_id === 'string' ? r.external_id : null)).filter((e): e is string => e !== null);
    const existing = exts.length === 0 ? [] : ((await from(knex, o).whereIn('external_id', exts).whereNull('deleted_at').select('id', 'external_id')) as Array<{ id: string; external_id: string }>);
    const idOf = new Map(existing.map((r) => [r.external_id, r.id]));
    const out: unknown[] = [];
    for (const r of rows) {
      const id = isRecord(r) && typeof r.external_id === 'string' ? idOf.get(r.external_id) : undefined;
      out.push(await beforeHooks(o, id ? 'update' : 'create', actor, r, id));
    }
    return out;
  }

  /** Live rows (unless asked otherwise) inside the caller's record scope. */
  function scoped(q: Q, o: ObjectDef, includeDeleted = false): Knex.QueryBuilder {
    const qb = readFrom(q, o);
    if (!includeDeleted) qb.whereNull('deleted_at');
    if (access.rowFilter) {
      const owners = ownerSet();
      if (owners.length === 0) qb.whereRaw('false');
      else qb.whereIn(ownerColumn(o), owners);
    }
    return qb;
  }

  function applySearch(qb: Knex.QueryBuilder, o: ObjectDef, search: unknown): void {
    if (search === undefined || search === null || search === '') return;
    if (typeof search !== 'string' || search.length > 200)
      throw new StoreError('invalid_filter', 'search must be text of at most 200 characters', [{ path: '/search', rule: 'type', message: 'must be short text' }]);
    // Hidden fields are never searched: a match would reveal their content.
    const fields = o.fields.filter((f) => hasColumn(f) && SEARCHABLE.has(f.storage) && (f.searchable || f.name === o.titleField) && !access.hiddenFields?.has(f.name));
    if (fields.length === 0) {
      qb.whereRaw('false');
      return;
    }
    const pattern = likePattern(search, false);
    qb.where((w) => void fields.forEach((f) => w.orWhereRaw('?? ilike ?', [f.column, pattern])));
  }

  // Resolved once per object for this service (one caller, one revision), not once per row.
  const readCache = new Map<ObjectDef, { fields: FieldDef[]; write: (row: Record<string, unknown>) => Record<string, unknown> }>();
  const readerOf = (o: ObjectDef) => {
    let r = readCache.get(o);
    if (!r) {
      const fields = readableFields(o, access);
      r = { fields, write: serializer(fields) };
      readCache.set(o, r);
    }
    return r;
  };
  const readFields = (o: ObjectDef) => readerOf(o).fields;
  const out = (o: ObjectDef, row: Record<string, unknown>) => readerOf(o).write(row) as Rec;
  const full = (o: ObjectDef, row: Record<string, unknown>) => serialize(readableFields(o, systemView), row);

  async function fetchOne(q: Q, o: ObjectDef, id: string, opts: { deleted?: boolean | 'any'; lock?: boolean } = {}): Promise<Record<string, unknown> | undefined> {
    const qb = scoped(q, o, true)
      .where('id', id)
      .first(selectList(knex, readableFields(o, systemView)));
    if (opts.deleted === true) qb.whereNotNull('deleted_at');
    else if (opts.deleted !== 'any') qb.whereNull('deleted_at');
    if (opts.lock) qb.forUpdate();
    return (await qb) as Record<string, unknown> | undefined;
  }

  function translateQueryError(error: unknown): StoreError {
    const code = pgCode(error);
    if (code?.startsWith('22'))
      return new StoreError('invalid_filter', 'A filter value does not fit its field', [{ path: '/filter', rule: 'type', message: 'a value does not fit its field' }], { cause: error });
    return wrapUnexpected(error);
  }

  function toDb(f: FieldDef, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    switch (f.storage) {
      case 'decimal':
      case 'money':
      case 'percent':
        return typeof v === 'number' ? String(v) : v;
      case 'datetime':
        return typeof v === 'string' ? (normalizeDateTime(v) ?? v) : v;
      case 'ref':
        return typeof v === 'string' ? v.toLowerCase() : v;
      default:
        return v;
    }
  }

  /** Validates a write and returns column values. Throws with every problem found. */
  function prepare(o: ObjectDef, data: unknown, mode: 'create' | 'update', prefix = ''): Record<string, unknown> {
    if (!isRecord(data) || hasForbiddenKey(data)) failValidation([{ path: prefix || '/', rule: 'type', message: 'the record must be a JSON object' }]);
    const problems = checkWriteKeys(o, data, access, prefix);
    if (problems.length) failValidation(problems);
    const copy: Record<string, unknown> = { ...data };
    const validate = validatorFor(registry, o, mode);
    const shape = validate(copy) ? [] : ajvDetails(validate.errors, prefix);
    const invalid = mergeDetails(shape, checkDecimals(o, copy, prefix, mode === 'create'), textRuleDetails(o, copy, prefix));
    if (invalid.length) failValidation(invalid);
    const details: ErrorDetail[] = [];
    const values: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(copy)) {
      const f = findField(o, key) as FieldDef;
      if (mode === 'update' && v === null && f.required) details.push({ path: `${prefix}/${key}`, rule: 'required', message: `"${key}" is required and cannot be emptied` });
      if (key === 'external_id' && v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 255)) {
        details.push({ path: `${prefix}/${key}`, rule: 'maxLength', message: '"external_id" must be 1 to 255 characters' });
      }
      if (key === 'owner_id' && v !== null && !isUuid(v)) details.push({ path: `${prefix}/${key}`, rule: 'format', message: '"owner_id" must be a uuid' });
      values[f.column] = toDb(f, v);
    }
    if (details.length) failValidation(details);
    return values;
  }

  function checkOwnerScope(o: ObjectDef, values: Record<string, unknown>, prefix = ''): void {
    if (!access.rowFilter) return;
    const col = ownerColumn(o);
    if (!(col in values)) return;
    const owner = values[col];
    if (typeof owner !== 'string' || !ownerSet().includes(owner.toLowerCase())) {
      failValidation([{ path: `${prefix}/${col}`, rule: 'owner_scope', message: `"${col}" must be a user whose records you may manage` }]);
    }
  }

  /**
   * Every ref value must point at a live record of the target object that the writer may read:
   * a reference to a record outside the writer's scope is refused exactly like one to a record
   * that does not exist, so the answer reveals nothing about records the writer cannot see.
   * `before` (update, upsert): per row, the record as stored; a value it already holds is kept
   * without a check, so editing a record another user linked never fails over a link the editor
   * did not touch.
   */
  async function checkRefs(q: Q, o: ObjectDef, rows: Array<Record<string, unknown>>, prefixOf: (i: number) => string, before: Array<Record<string, unknown> | undefined> = []): Promise<void> {
    const details: ErrorDetail[] = [];
    for (const f of o.fields) {
      if (!f.ref || !hasColumn(f)) continue;
      const target = registry.object(f.ref.object);
      if (!target) continue;
      const changed = (r: Record<string, unknown>, i: number): boolean => typeof r[f.column] === 'string' && r[f.column] !== before[i]?.[f.column];
      const ids = [...new Set(rows.filter(changed).map((r) => r[f.column] as string))];
      if (ids.length === 0) continue;
      const scope = access.scopeOf?.(target.name);
      const owners = scope && scope !== 'none' ? scope.ownerIn.filter(isUuid).map((s) => s.toLowerCase()) : [];
      const lookup = from(q, target).whereIn('id', ids).whereNull('deleted_at').select('id');
      if (scope === 'none' || (scope && owners.length === 0)) lookup.whereRaw('false');
      else if (scope) lookup.whereIn(ownerColumn(target), owners);
      const found = new Set(((await lookup) as Array<{ id: string }>).map((r) => r.id));
      rows.forEach((r, i) => {
        const v = r[f.column];
        if (changed(r, i) && !found.has(v as string)) details.push({ path: `${prefixOf(i)}/${f.name}`, rule: 'ref_exists', message: `"${f.name}" refers to a ${target.name} that does not exist` });
      });
    }
    if (details.length) failValidation(details);
  }

  function uniqueConflict(o: ObjectDef, error: unknown): StoreError {
    return new StoreError('conflict', `Another ${o.name} already has this unique value`, [{ path: '', rule: 'unique', message: 'duplicate value for a unique field' }], { cause: error });
  }

  async function inTx<T>(o: ObjectDef, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await knex.transaction(fn);
    } catch (error) {
      if (pgCode(error) === '23505') throw uniqueConflict(o, error);
      throw wrapUnexpected(error);
    }
  }

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

  const service: RecordService = {
    registry,

    async list(objectName: string, q: ListQuery = {}): Promise<ListResult> {
      const o = objectOf(objectName);
      if (typeof q !== 'object' || q === null || Array.isArray(q)) throw new StoreError('invalid_filter', 'The query must be an object');
      const limit = q.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new StoreError('invalid_filter', 'limit must be between 1 and 500', [{ path: '/limit', rule: 'range', message: 'must be 1..500' }]);
      const offset = q.offset ?? 0;
      if (!Number.isInteger(offset) || offset < 0 || offset + limit > 10_000) {
        throw new StoreError('invalid_filter', 'offset + limit must stay within 10000; use the page cursor to go further', [{ path: '/offset', rule: 'range', message: 'offset + limit <= 10000' }]);
      }
      if (offset > 0 && q.after !== undefined) throw new StoreError('invalid_filter', 'Use either offset or after, not both', [{ path: '/offset', rule: 'exclusive', message: 'not with after' }]);
      const keys = resolveSort(o, q.sort, access);
      const where = q.filter === undefined ? undefined : compileFilter(o, q.filter, access);
      const cursor = q.after === undefined || q.after === null ? undefined : decodeCursor(keys, q.after);
      const base = () => {
        const qb = scoped(knex, o, q.includeDeleted === true);
        if (where) qb.where((b) => where(b));
        applySearch(qb, o, q.search);
        return qb;
      };
      try {
        const page = base().select([...selectList(knex, readFields(o)), ...cursorSelects(knex, keys)]);
        if (cursor) applyKeyset(page, keys, cursor);
        applyOrder(page, keys, o.table);
        page.limit(limit + 1);
        if (offset) page.offset(offset);
        const rows = (await page) as Array<Record<string, unknown>>;
        const more = rows.length > limit;
        const data = rows.slice(0, limit).map((r) => out(o, r));
        const last = rows[limit - 1];
        const result: ListResult = { data, page: { next: more && last ? encodeCursor(keys, { ...last, ...out(o, last) }) : null, limit } };
        if (q.withTotal) result.total = Number(((await base().count({ c: '*' })) as Array<{ c: unknown }>)[0]?.c ?? 0);
        return result;
      } catch (error) {
        throw translateQueryError(error);
      }
    },

    async get(objectName, id, opts = {}) {
      const o = objectOf(objectName);
      if (!isUuid(id)) return undefined;
      const row = (await scoped(knex, o, opts.includeDeleted === true)
        .where('id', id.toLowerCase())
        .first(selectList(knex, readFields(o)))) as Record<string, unknown> | undefined;
      return row ? out(o, row) : undefined;
    },

    async getMany(objectName, ids) {
      const o = objectOf(objectName);
      if (!Array.isArray(ids)) throw new StoreError('invalid_filter', 'ids must be a list');
      if (ids.length > MAX_BATCH) throw new StoreError('invalid_filter', `at most ${MAX_BATCH} ids at once`);
      const wanted = [...new Set(ids.filter(isUuid).map((s) => s.toLowerCase()))];
      if (wanted.length === 0) return [];
      const rows = (await scoped(knex, o)
        .whereIn('id', wanted)
        .select(selectList(knex, readFields(o)))) as Array<Record<string, unknown>>;
      const byId = new Map(rows.map((r) => [r.id as string, out(o, r)]));
      return ids.map((id) => (typeof id === 'string' ? byId.get(id.toLowerCase()) : undefined)).filter((r): r is Rec => Boolean(r));
    },

    async count(objectName, filter?: Filter, opts = {}) {
      const o = objectOf(objectName);
      const where = filter === undefined ? undefined : compileFilter(o, filter, access);
      const qb = scoped(knex, o, opts.includeDeleted === true);
      if (where) qb.where((b) => where(b));
      applySearch(qb, o, opts.search);
      try {
        return Number(((await qb.count({ c: '*' })) as Array<{ c: unknown }>)[0]?.c ?? 0);
      } catch (error) {
        throw translateQueryError(error);
      }
    },

    async aggregate(objectName, q) {
      const o = objectOf(objectName);
      if (typeof q !== 'object' || q === null || Array.isArray(q)) throw new StoreError('invalid_report', 'The query must be an object');
      try {
        return await aggregate({ knex, schema, registry, access, scoped: (b, x) => scoped(b, x) }, o, q);
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw translateQueryError(error);
      }
    },

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

    async previewFormula(objectName, formula, opts = {}) {
      const o = objectOf(objectName);
      const limit = opts.limit ?? 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new StoreError('invalid_filter', 'limit must be between 1 and 50', [{ path: '/limit', rule: 'range', message: 'must be 1..50' }]);
      const r = checkForPreview(registry, o, formula, access.hiddenFields);
      if (!r.ok) return r;
      if (opts.kind === 'rule' && r.checked.type !== 'boolean' && r.checked.type !== 'null') {
        return { ok: false, errors: [notBoolean(r.checked.type)] };
      }
      const where = opts.filter === undefined ? undefined : compileFilter(o, opts.filter, access);
      const qb = scoped(knex, o);
      if (where) qb.where((b) => where(b));
      try {
        const rowScope = formulaRowScope(registry, access);
        const rows = await previewRows(qb, { knex, schema, registry, tenant: tenant.name, object: o, titleVisible: !access.hiddenFields?.has(o.titleField), rowScope }, r.checked, { ...opts, limit });
        return { ok: true, type: r.checked.type, rows };
      } catch (error) {
        throw translateQueryError(error);
      }
    },
  };
  // Formula fields that call a plugin function are filled in on the host after each read and write.
  return withHostFields(service, { knex, schema, tenant: tenant.name, registry, functions: ctx.formulaFunctions, access });
}

/** A rule condition that is not true/false, as a formula error at the start of the formula. */
function notBoolean(type: string): FormulaError {
  return {
    code: 'NOT_BOOLEAN',
    message: { en: `A validation rule must be true/false, got ${type}`, 'zh-CN': `校验规则必须是布尔值，实际为 ${type}` },
    hint: { en: 'Compare a value, e.g. amount >= 0', 'zh-CN': '请比较一个值，例如 amount >= 0' },
    line: 1,
    column: 1,
    offset: 0,
    length: 0,
  };
}

/** The caller's access plus every formula field that reads a field hidden from the caller. */
function withFormulaHiding(access: RecordAccess, registry: Registry, schema: string): RecordAccess {
  const hidden = access.hiddenFields;
  if (!hidden || hidden.size === 0) return access;
  const extra: string[] = [];
  for (const o of registry.objects) {
    const f = formulasOf(registry, o, schema);
    extra.push(...derivedHidden([...f.computed, ...f.stored], hidden));
  }
  return extra.length ? { ...access, hiddenFields: new Set([...hidden, ...extra]) } : access;
}
