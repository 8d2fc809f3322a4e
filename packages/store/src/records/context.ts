import type { Knex } from 'knex';
import type { FieldDef, ObjectDef, Registry } from '@attain/meta';
import type { Ctx, Q, TenantRow } from '../context.ts';
import { StoreError, pgCode, wrapUnexpected } from '../errors.ts';
import type { Actor, Rec, RecordAccess } from '../types.ts';
import { isUuid } from '../uuid.ts';
import { hasColumn, readableFields, selectList, serializer } from './fields.ts';
import { likePattern } from './filter.ts';
import { formulasOf } from '../formula/compiled.ts';
import { derivedHidden, readSource } from '../formula/read.ts';
import { afterWrite, type WrittenRows } from '../formula/write.ts';
import { refreshDependents } from '../formula/dependents.ts';
import { orgAfterRecordWrite, tenantToday } from '../org/service.ts';
import { effectiveDateProblem } from '../org/timeline.ts';
import { BeforeWriteHooks, type BeforeWriteInput } from '../write-hooks.ts';
import { failValidation } from './validate.ts';

const SEARCHABLE = new Set(['text', 'long_text', 'email', 'phone', 'url', 'enum']);

function checkAccess(access: RecordAccess | undefined): RecordAccess {
  const a = access ?? {};
  if (a.rowFilter && !Array.isArray(a.rowFilter.ownerIn)) throw new StoreError('validation_failed', 'rowFilter.ownerIn must be a list of user ids');
  return a;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasForbiddenKey(v: Record<string, unknown>): boolean {
  return ['__proto__', 'constructor', 'prototype'].some((k) => Object.hasOwn(v, k));
}

/** What every record path of one service shares: built once per tenant, revision and caller. */
export type RecordContext = ReturnType<typeof recordContext>;

/**
 * The tenant and caller a record service works for, and the helpers its reads and writes share.
 * `orgDay` (internal, for the org's daily job): the day this service's user and org_unit writes
 * take effect in the org, as the job's clock has it; default the tenant's today at each write.
 */
export function recordContext(ctx: Ctx, tenant: TenantRow, registry: Registry, accessIn?: RecordAccess, orgDay?: string) {
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
  // Every field (the system view), for audit entries and guards: also resolved once per object.
  const fullCache = new Map<ObjectDef, (row: Record<string, unknown>) => Record<string, unknown>>();
  const full = (o: ObjectDef, row: Record<string, unknown>) => {
    let write = fullCache.get(o);
    if (!write) {
      write = serializer(readableFields(o, systemView));
      fullCache.set(o, write);
    }
    return write(row);
  };

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

  return {
    ctx,
    tenant,
    registry,
    schema,
    access,
    knex,
    systemView,
    objectOf,
    from,
    formulas,
    readFrom,
    afterWriteOf,
    dependentsOf,
    checkEffective,
    ownerColumn,
    ownerSet,
    beforeHooks,
    upsertHooks,
    scoped,
    applySearch,
    readFields,
    out,
    full,
    fetchOne,
    translateQueryError,
    inTx,
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
