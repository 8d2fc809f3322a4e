// Formula API for the studio's editor: type-check a formula against an object, and preview its
// value on a sample of the records the caller may read (DESIGN.md §4, §9.3).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FormulaError } from '@attain/formula';
import { SandboxPool } from '@attain/sandbox';
import { checkFormula, checkFormulaAsReader, fieldsRead, type BatchPool } from '@attain/store';
import { ApiError, badRequest } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import type { Filter } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { ANY, arrayOf, BOOLEAN, INTEGER, jsonBody, object, query, replies, STRING } from '../http/route-schema.ts';

type Locale = 'en' | 'zh-CN';

export interface FormulaRoutesOptions {
  /** Sandbox pool for `?engine=sandbox`; a one-worker pool is started on first use when omitted. */
  pool?: BatchPool;
}

interface Body {
  object: string;
  formula: string;
  kind: 'field' | 'rule';
  limit?: number;
  filter?: Filter;
}

/** `?locale=` wins, then the first Accept-Language tag; Chinese of any region reads zh-CN. */
export function requestLocale(request: FastifyRequest): Locale {
  const q = (request.query as { locale?: unknown } | undefined)?.locale;
  const header = request.headers['accept-language'];
  const tag = (typeof q === 'string' ? q : typeof header === 'string' ? (header.split(',')[0] ?? '') : '').trim().toLowerCase();
  return tag.startsWith('zh') ? 'zh-CN' : 'en';
}

function body(request: FastifyRequest, preview: boolean): Body {
  const b = request.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid_body', 'the body must be a JSON object', [{ path: '', rule: 'type', message: 'must be an object' }]);
  const v = b as Record<string, unknown>;
  const details = [];
  if (typeof v.object !== 'string' || !v.object) details.push({ path: '/object', rule: 'required', message: 'name the object the formula is evaluated on' });
  // Its length is the formula language's limit (formula_too_long, with a position), not a transport one.
  if (typeof v.formula !== 'string') details.push({ path: '/formula', rule: 'type', message: 'must be text' });
  const kind = v.kind ?? 'field';
  if (kind !== 'field' && kind !== 'rule') details.push({ path: '/kind', rule: 'enum', message: 'field | rule' });
  if (preview && v.limit !== undefined && (!Number.isInteger(v.limit) || (v.limit as number) < 1 || (v.limit as number) > 50))
    details.push({ path: '/limit', rule: 'range', message: 'must be 1..50' });
  if (preview && v.filter !== undefined && (!v.filter || typeof v.filter !== 'object' || Array.isArray(v.filter))) details.push({ path: '/filter', rule: 'type', message: 'must be a filter object' });
  if (details.length) throw badRequest('invalid_body', 'the formula request is invalid', details);
  return {
    object: v.object as string,
    formula: v.formula as string,
    kind: kind as 'field' | 'rule',
    ...(v.limit !== undefined ? { limit: v.limit as number } : {}),
    ...(v.filter !== undefined ? { filter: v.filter as Filter } : {}),
  };
}

function localized(errors: FormulaError[], locale: Locale) {
  return errors.map((e) => ({ code: e.code, message: e.message[locale], hint: e.hint[locale], line: e.line, column: e.column, offset: e.offset, length: e.length }));
}

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

/**
 * Every object the formula reads must be readable by the caller and no field it reads hidden:
 * a formula must not be an oracle for values RBAC hides (DESIGN.md §9.3).
 */
function assertReadable(access: AccessContext, root: string, reads: Array<{ object: string; field: string }>): void {
  for (const { object, field } of reads) {
    const perm = access.permission(object);
    if (!perm.actions.has('read')) {
      throw new ApiError(403, 'forbidden', `your role may not read ${object}`, [{ path: '/formula', rule: 'read', message: `the formula reads "${object}"` }]);
    }
    if (perm.hiddenFields.has(field)) {
      const name = object === root ? field : `${object}.${field}`;
      throw new ApiError(403, 'field_hidden', `You may not use the field "${name}"`, [{ path: '/formula', rule: 'field_hidden', message: `"${name}" is not readable for you` }]);
    }
  }
}

/**
 * The errors of a formula that does not check, as the caller sees the metadata: hidden fields
 * and unreadable relations do not exist, so an error names neither them nor their types, and
 * "did you mean" offers only what the caller may read.
 */
function asReader(access: AccessContext, b: Body): { errors: FormulaError[] } {
  const readable = (object: string, field: string): boolean => {
    const perm = access.permission(object);
    return perm.actions.has('read') && !perm.hiddenFields.has(field);
  };
  const seen = checkFormulaAsReader(access.registry, b.object, b.formula, readable);
  // A formula that checks on the trimmed schema checks on the full one too; this is the other case.
  return { errors: seen.ok ? [] : seen.errors };
}

function invalidFormula(errors: FormulaError[], locale: Locale): ApiError {
  const shown = localized(errors, locale);
  return new ApiError(
    422,
    'formula_invalid',
    shown[0]?.message ?? 'the formula is not valid',
    shown.map((e) => ({ path: '/formula', rule: e.code, message: `${e.message} (${e.line}:${e.column})${e.hint ? ` — ${e.hint}` : ''}` })),
  );
}

export async function formulaRoutes(app: FastifyInstance, opts: FormulaRoutesOptions = {}): Promise<void> {
  let ownPool: SandboxPool | undefined;
  const pool = (): BatchPool => {
    if (opts.pool) return opts.pool;
    ownPool ??= new SandboxPool({ size: 1 });
    return ownPool;
  };
  app.addHook('onClose', async () => {
    await ownPool?.close();
  });

  app.post(
    '/formula/check',
    {
      schema: {
        querystring: query({ locale: STRING }),
        body: jsonBody({ object: STRING, formula: STRING, kind: STRING, limit: INTEGER, filter: ANY }),
        response: replies({ 200: object({ ok: BOOLEAN, type: STRING, errors: arrayOf() }, ['ok']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const locale = requestLocale(request);
      const b = body(request, false);
      await access.grant(b.object, 'read');
      const r = checkFormula(access.registry, b.object, b.formula);
      if (!r.ok) return { ok: false, errors: localized(asReader(access, b).errors, locale) };
      assertReadable(access, b.object, fieldsRead(r.checked));
      if (b.kind === 'rule' && r.checked.type !== 'boolean' && r.checked.type !== 'null') return { ok: false, errors: localized([notBoolean(r.checked.type)], locale) };
      return { ok: true, type: r.checked.type };
    },
  );

  app.post(
    '/formula/preview',
    {
      schema: {
        querystring: query({ locale: STRING, engine: { type: 'string', description: 'sql (the default) or js' } }),
        body: jsonBody({ object: STRING, formula: STRING, kind: STRING, limit: INTEGER, filter: ANY }),
        response: replies({ 200: object({ type: STRING, rows: arrayOf() }, ['rows']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const locale = requestLocale(request);
      const b = body(request, true);
      const engine = (request.query as { engine?: unknown }).engine ?? 'sql';
      if (engine !== 'sql' && engine !== 'sandbox') throw badRequest('invalid_query', 'engine must be sql or sandbox', [{ path: '/engine', rule: 'enum', message: 'sql | sandbox' }]);
      const { service } = await access.grant(b.object, 'read');
      const r = checkFormula(access.registry, b.object, b.formula);
      if (r.ok) assertReadable(access, b.object, fieldsRead(r.checked));
      else throw invalidFormula(asReader(access, b).errors, locale);
      const result = await service.previewFormula(b.object, b.formula, {
        kind: b.kind,
        ...(b.limit !== undefined ? { limit: b.limit } : {}),
        ...(b.filter !== undefined ? { filter: b.filter } : {}),
        ...(engine === 'sandbox' ? { engine: 'sandbox' as const, pool: pool() } : {}),
      });
      if (!result.ok) throw invalidFormula(result.errors, locale);
      return { type: result.type, rows: result.rows };
    },
  );
}
