import type { FormulaError } from '@attain/formula';
import { StoreError } from '../errors.ts';
import type { Filter, ListQuery, ListResult, Rec, RecordService } from '../types.ts';
import { isUuid } from '../uuid.ts';
import { applyKeyset, applyOrder, cursorSelects, decodeCursor, encodeCursor, resolveSort } from './cursor.ts';
import { resolveField, selectList } from './fields.ts';
import { compileFilter } from './filter.ts';
import { aggregate } from './aggregate.ts';
import { checkForPreview, formulaRowScope, previewRows } from '../formula/preview.ts';
import type { RecordContext } from './context.ts';

const MAX_BATCH = 1000;

type Reads = Pick<RecordService, 'list' | 'get' | 'getMany' | 'count' | 'aggregate' | 'previewFormula' | 'scopedRows'>;

/** Record reads, always inside the caller's record scope and without their hidden fields. */
export function recordReads(c: RecordContext): Reads {
  const { tenant, registry, schema, access, knex, objectOf, scoped, applySearch, readFields, out, translateQueryError } = c;
  return {
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

    scopedRows(objectName, q = {}) {
      const o = objectOf(objectName);
      const fields = (q.fields ?? []).map((name, i) => resolveField(o, name, access, `/fields/${i}`));
      const qb = scoped(knex, o);
      if (q.filter !== undefined) {
        const where = compileFilter(o, q.filter, access);
        qb.where((b) => where(b));
      }
      return qb.select([...new Set(['id', 'created_at', ...fields.map((f) => f.column)])]);
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
