import type { FastifyInstance, FastifyRequest } from 'fastify';
import { composeDocuments, mergeDocuments, type ApplyMode } from '@attain/store';
import { ApiError, badRequest, forbidden } from '../http/errors.ts';
import { objectForm } from '../forms/rjsf.ts';
import { isAdmin, objectPermission } from '../rbac/permissions.ts';
import type { AccessContext } from '../rbac/context.ts';
import type { ApplyOptions, Store } from '../store-port.ts';
import { refuseBlockedOutbound } from './outbound-check.ts';
import { requireAccess } from './request-access.ts';
import { ANY, APPLIED, arrayOf, MIGRATION_PLAN, nullable, INTEGER, jsonBody, list, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';

function requireAdmin(request: FastifyRequest): AccessContext {
  const access = requireAccess(request);
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin role may read or change metadata');
  return access;
}

interface ChangeBody {
  documents: unknown[];
  /** merge (default): the documents add to or replace (by id) the current ones; replace: they are the whole set (never hiding a core object). */
  mode: ApplyMode;
  options: ApplyOptions;
}

function changeBody(value: unknown): ChangeBody {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('invalid_body', 'the body must be a JSON object');
  const b = value as Record<string, unknown>;
  if (!Array.isArray(b.documents) || b.documents.length > 2000) {
    throw badRequest('invalid_body', '"documents" must be an array of metadata documents', [{ path: '/documents', rule: 'type', message: 'must be an array' }]);
  }
  const mode = b.mode ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') throw badRequest('invalid_body', '"mode" must be merge or replace', [{ path: '/mode', rule: 'enum', message: 'merge | replace' }]);
  const options: ApplyOptions = {};
  if (b.purge !== undefined) {
    if (!Array.isArray(b.purge) || !b.purge.every((p) => typeof p === 'string'))
      throw badRequest('invalid_body', '"purge" must list ids', [{ path: '/purge', rule: 'type', message: 'must be an array of ids' }]);
    options.purge = b.purge as string[];
  }
  if (b.backfill !== undefined) {
    if (!b.backfill || typeof b.backfill !== 'object' || Array.isArray(b.backfill))
      throw badRequest('invalid_body', '"backfill" must be an object keyed by field id', [{ path: '/backfill', rule: 'type', message: 'must be an object' }]);
    options.backfill = b.backfill as Record<string, unknown>;
  }
  return { documents: b.documents, mode, options };
}

/** Who did something: a user (or null for the system) and how they were named then. */
const ACTOR = object({ userId: nullable(STRING), label: STRING }, ['userId']);
const REVISION_INFO = object({ revision: INTEGER, hash: STRING, actor: ACTOR, createdAt: STRING, steps: INTEGER }, ['revision', 'hash', 'actor', 'createdAt', 'steps']);
const AUDIT_ENTRY = object({ id: STRING, at: STRING, actor: ACTOR, action: STRING, object: nullable(STRING), recordId: nullable(STRING), before: ANY, after: ANY, revision: nullable(INTEGER) }, [
  'id',
  'at',
  'actor',
  'action',
  'object',
  'recordId',
  'revision',
]);

/** A change of metadata documents (each checked by its kind's meta-schema). */
const CHANGE = jsonBody({ documents: arrayOf(), mode: { type: 'string', description: 'merge (the default) | replace' }, purge: arrayOf(STRING), backfill: OBJECT });

export async function metadataRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/metadata/objects', { schema: { response: replies({ 200: list(OBJECT, { revision: INTEGER }) }) } }, async (request) => {
    const access = requireAdmin(request);
    return { revision: access.registry.revision, data: access.registry.documentsOf('object') };
  });

  app.get('/metadata/objects/:object', { schema: { params: params('object'), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAdmin(request);
    const { object } = request.params as { object: string };
    return access.object(object).doc;
  });

  app.put('/metadata/objects/:object', { schema: { params: params('object'), body: OBJECT, response: replies({ 200: APPLIED }) } }, async (request) => {
    const access = requireAdmin(request);
    const { object } = request.params as { object: string };
    const doc = request.body;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw badRequest('invalid_body', 'the body must be one metadata document');
    const d = doc as { kind?: unknown; id?: unknown; name?: unknown };
    if (d.kind !== 'object') throw new ApiError(422, 'metadata_invalid', 'the document must be of kind "object"', [{ path: '/kind', rule: 'const', message: 'must be "object"' }]);
    const existing = access.registry.object(object);
    // A rename is a PUT at the old name with the same id and a new name.
    if (existing ? existing.id !== d.id : d.name !== object) {
      throw new ApiError(422, 'metadata_invalid', 'the document id or name does not match the URL', [
        { path: existing ? '/id' : '/name', rule: 'const', message: existing ? `must be "${existing.id}"` : `must be "${object}"` },
      ]);
    }
    return store.metadata.apply(access.tenantName, mergeDocuments(access.registry.docs, [doc]), { actor: access.actor });
  });

  app.post('/metadata/plan', { schema: { body: CHANGE, response: replies({ 200: MIGRATION_PLAN }) } }, async (request) => {
    const access = requireAdmin(request);
    const change = changeBody(request.body);
    return store.metadata.plan(access.tenantName, await composeDocuments(access.registry.docs, change.documents, change.mode), change.options);
  });

  app.post('/metadata/apply', { schema: { body: CHANGE, response: replies({ 200: APPLIED }) } }, async (request) => {
    const access = requireAdmin(request);
    const change = changeBody(request.body);
    // Webhook addresses in automations and flows get the SSRF guard's verdict before they are saved.
    await refuseBlockedOutbound(store, access.tenantName, { docs: change.documents, pathOf: (i) => `/documents/${i}` });
    return store.metadata.apply(access.tenantName, await composeDocuments(access.registry.docs, change.documents, change.mode), { ...change.options, actor: access.actor });
  });

  app.get('/metadata/revisions', { schema: { response: replies({ 200: list(REVISION_INFO) }) } }, async (request) => {
    const access = requireAdmin(request);
    return { data: await store.metadata.history(access.tenantName) };
  });

  app.get('/metadata/revisions/:n', { schema: { params: params('n'), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAdmin(request);
    const n = revisionNumber((request.params as { n: string }).n);
    return store.metadata.revision(access.tenantName, n);
  });

  app.post('/metadata/rollback', { schema: { body: jsonBody({ revision: INTEGER }), response: replies({ 200: APPLIED }) } }, async (request) => {
    const access = requireAdmin(request);
    const b = request.body as { revision?: unknown } | null;
    const n = revisionNumber(b && typeof b === 'object' ? b.revision : undefined);
    return store.metadata.rollback(access.tenantName, n, access.actor);
  });

  // Forms are what every user edits records with, so any role that can read the object may
  // fetch its form; fields hidden from that role are left out.
  app.get(
    '/metadata/objects/:object/form',
    {
      schema: {
        params: params('object'),
        querystring: query({ locale: STRING }),
        response: replies({ 200: object({ locale: STRING, revision: INTEGER, schema: OBJECT, uiSchema: OBJECT }, ['schema']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { object } = request.params as { object: string };
      const { locale } = request.query as { locale?: unknown };
      const def = access.object(object);
      const perm = objectPermission(access.principal.role, def);
      if (!perm.actions.has('read') && !perm.actions.has('create')) throw forbidden(`your role may not read ${def.name}`);
      const lang = typeof locale === 'string' && /^[a-z]{2}(-[A-Z]{2})?$/.test(locale) ? locale : 'en';
      return { locale: lang, revision: access.registry.revision, ...objectForm(def, lang, perm.hiddenFields) };
    },
  );

  app.get('/audit', { schema: { querystring: query({ object: STRING, recordId: STRING, limit: STRING, before: STRING }), response: replies({ 200: list(AUDIT_ENTRY) }) } }, async (request) => {
    const access = requireAdmin(request);
    const q = request.query as Record<string, unknown>;
    const limit = typeof q.limit === 'string' && /^\d{1,4}$/.test(q.limit) ? Math.min(Number(q.limit), 1000) : 100;
    const data = await store.audit.list(access.tenantName, {
      limit,
      ...(typeof q.object === 'string' ? { object: q.object } : {}),
      ...(typeof q.recordId === 'string' ? { recordId: q.recordId } : {}),
      ...(typeof q.before === 'string' ? { before: q.before } : {}),
    });
    return { data };
  });
}

function revisionNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0) throw badRequest('invalid_revision', 'revision must be a whole number', [{ path: '/revision', rule: 'type', message: 'must be an integer' }]);
  return n;
}
