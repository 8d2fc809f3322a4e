import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Registry, type MetaDoc } from '@attain/meta';
import { checkWorkflowDocs, listRuns, workflowFor, type Decision, type Workflow } from '@attain/workflow';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors.ts';
import { dateTimeParam } from '../http/params.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin, objectPermission } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { refuseBlockedOutbound } from './outbound-check.ts';
import { requireAccess } from './request-access.ts';
import { ANY, APPLIED, NOTICES, arrayOf, jsonBody, BOOLEAN, INTEGER, list, NO_CONTENT, nullable, NUMBER, object, OBJECT, OK, params, query, replies, STRING } from '../http/route-schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: unknown, what = 'id'): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw notFound(`no such ${what}`);
  return value.toLowerCase();
}

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid_body', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

function text(value: unknown, path: string, max = 4000): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max)
    throw badRequest('invalid_body', `${path.slice(1)} must be text of at most ${max} characters`, [{ path, rule: 'type', message: 'must be short text' }]);
  return value;
}

function admin(access: AccessContext): void {
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may do this');
}

/** The record must exist and be visible to the caller under RBAC; returns its object grant. */
async function visibleRecord(access: AccessContext, object: string, id: string, ...actions: Array<'read' | 'update'>) {
  const grant = await access.grant(object, 'read', ...actions);
  if (!(await grant.service.get(object, id))) throw notFound('no such record');
  return grant;
}

function docBody(request: FastifyRequest, kind: 'approval_flow' | 'automation', name: string): MetaDoc {
  const doc = body(request) as Partial<MetaDoc>;
  if (doc.kind !== kind) throw new ApiError(422, 'metadata_invalid', `the document must be of kind "${kind}"`, [{ path: '/kind', rule: 'const', message: `must be "${kind}"` }]);
  if (doc.name !== name) throw new ApiError(422, 'metadata_invalid', 'the document name does not match the URL', [{ path: '/name', rule: 'const', message: `must be "${name}"` }]);
  return doc as MetaDoc;
}

/** A flow on another subject (a plan version, a period, a dispute) is submitted through its own module. */
function recordFlowObject(flow: { name: string; object?: string | undefined; subject?: string | undefined }): string {
  if (!flow.object || (flow.subject ?? 'record') !== 'record') throw new ApiError(409, 'invalid_state', `the approval flow "${flow.name}" approves a ${flow.subject}, not a record`);
  return flow.object;
}

/** An approval instance and its tasks; the workflow package owns the rest of its fields. */
const APPROVAL_PROPS = { id: STRING, object: STRING, record_id: STRING, status: STRING, tasks: arrayOf() };
const APPROVAL = object(APPROVAL_PROPS, ['id']);
const PREFERENCES = object({ channels: OBJECT, locale: nullable(STRING) });

export async function workflowRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const store = opts.store;
  const wf: Workflow = workflowFor(store);

  const tenantOf = (access: AccessContext) => wf.tenant(access.tenantName);

  // --- definitions ---------------------------------------------------------------------------

  app.get('/workflow/flows', { schema: { querystring: query({ object: STRING }), response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    const { object } = request.query as { object?: string };
    const flows = access.registry
      .documentsOf('approval_flow')
      .filter(
        (f) => (!object || f.object === object) && (isAdmin(access.principal.role) || (f.object !== undefined && objectPermission(access.principal.role, access.object(f.object)).actions.has('read'))),
      );
    return { data: flows };
  });

  app.get('/workflow/automations', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    admin(access);
    return { data: access.registry.documentsOf('automation') };
  });

  for (const [path, kind] of [
    ['flows', 'approval_flow'],
    ['automations', 'automation'],
  ] as const) {
    app.put(`/workflow/${path}/:name`, { schema: { params: params('name'), body: jsonBody({ kind: STRING, name: STRING }), response: replies({ 200: APPLIED }) } }, async (request) => {
      const access = requireAccess(request);
      admin(access);
      const doc = docBody(request, kind, (request.params as { name: string }).name);
      const docs = [...access.registry.docs.filter((d) => d.id !== doc.id), doc];
      const problems = checkWorkflowDocs(Registry.fromDocuments(docs, access.registry.revision));
      if (problems.length) throw new ApiError(422, 'invalid_formula', problems[0]?.message ?? 'a formula is not valid', problems);
      await refuseBlockedOutbound(store, access.tenantName, { docs: [doc], pathOf: () => '' });
      return store.metadata.apply(access.tenantName, docs, { actor: access.actor });
    });
  }

  app.get('/workflow/check', { schema: { response: replies({ 200: object({ problems: arrayOf() }, ['problems']) }) } }, async (request) => {
    const access = requireAccess(request);
    admin(access);
    return { problems: await wf.check(access.tenantName) };
  });

  app.post(
    '/workflow/flows/:name/preview',
    { schema: { params: params('name'), body: jsonBody({ recordId: STRING, submitterId: STRING }), response: replies({ 200: object({ steps: arrayOf() }, ['steps']) }) } },
    async (request) => {
      const access = requireAccess(request);
      const b = body(request);
      const flow = access.registry.documentsOf('approval_flow').find((f) => f.name === (request.params as { name: string }).name);
      if (!flow) throw notFound('no such approval flow');
      const object = recordFlowObject(flow);
      const id = uuid(b.recordId, 'record');
      const grant = await visibleRecord(access, object, id);
      // Who would approve if the record's owner submitted it (or the given submitter, or me).
      const record = await grant.service.get(object, id);
      const owner = typeof record?.owner_id === 'string' ? record.owner_id : undefined;
      const submitter = b.submitterId === undefined ? (owner ?? access.principal.userId) : uuid(b.submitterId, 'user');
      return { steps: await wf.approvals.preview(await tenantOf(access), flow.name, id, submitter) };
    },
  );

  // --- approvals -----------------------------------------------------------------------------

  app.post('/workflow/approvals', { schema: { body: jsonBody({ flow: STRING, recordId: STRING, comment: STRING }), response: replies({ 201: APPROVAL }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const b = body(request);
    const flow = access.registry.documentsOf('approval_flow').find((f) => f.name === b.flow);
    if (!flow) throw notFound('no such approval flow');
    const id = uuid(b.recordId, 'record');
    await visibleRecord(access, recordFlowObject(flow), id, 'update');
    const inst = await wf.approvals.submit(await tenantOf(access), flow.name, id, access.actor, { comment: text(b.comment, '/comment'), role: access.principal.role?.name ?? null });
    return reply.status(201).send(inst);
  });

  app.get('/workflow/approvals', { schema: { querystring: query({ object: STRING, recordId: STRING }), response: replies({ 200: list(APPROVAL, { history: arrayOf() }) }) } }, async (request) => {
    const access = requireAccess(request);
    const q = request.query as { object?: string; recordId?: string };
    if (typeof q.object !== 'string') throw badRequest('invalid_query', 'object is required');
    const id = uuid(q.recordId, 'record');
    await visibleRecord(access, q.object, id);
    const t = await tenantOf(access);
    const instances = await Promise.all((await wf.approvals.instancesFor(t, q.object, id)).map((i) => wf.approvals.instance(t, i.id)));
    return { data: instances, history: await wf.approvals.historyFor(t, q.object, id) };
  });

  app.get(
    '/workflow/approvals/:id',
    { schema: { params: params('id'), response: replies({ 200: object({ ...APPROVAL_PROPS, history: arrayOf() }, ['id', 'tasks', 'history']) }) } },
    async (request) => {
      const access = requireAccess(request);
      const t = await tenantOf(access);
      const inst = await wf.approvals.instance(t, uuid((request.params as { id: string }).id, 'approval'));
      if (!inst) throw notFound('no such approval');
      const me = access.principal.userId;
      const involved = inst.submitter_id === me || inst.tasks.some((k) => k.approver_id === me || k.original_approver_id === me);
      if (!involved) await visibleRecord(access, inst.object, inst.record_id);
      return { ...inst, history: await wf.approvals.historyFor(t, inst.object, inst.record_id) };
    },
  );

  app.post('/workflow/approvals/:id/:action', { schema: { params: params('id', 'action'), body: jsonBody({ comment: STRING }), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    const { id: raw, action } = request.params as { id: string; action: string };
    const id = uuid(raw, 'approval');
    const b = body(request);
    const t = await tenantOf(access);
    const isAdm = isAdmin(access.principal.role);
    if (action === 'withdraw') return wf.approvals.withdraw(t, id, access.actor, { comment: text(b.comment, '/comment'), admin: isAdm });
    if (action === 'resubmit') return wf.approvals.resubmit(t, id, access.actor, text(b.comment, '/comment'), { admin: isAdm });
    if (action === 'comment') {
      await wf.approvals.comment(t, id, access.actor, text(b.comment, '/comment') ?? '', { admin: isAdm });
      return { ok: true };
    }
    throw notFound(`no approval action "${action.slice(0, 40)}"`);
  });

  app.get('/workflow/tasks', { schema: { querystring: query({ status: { type: 'string', description: 'open (the default) | decided' } }), response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    const { status } = request.query as { status?: string };
    if (status !== undefined && status !== 'open' && status !== 'decided') throw badRequest('invalid_query', 'status must be open or decided');
    return { data: await wf.approvals.inbox(await tenantOf(access), access.principal.userId, { status: status ?? 'open' }) };
  });

  const DECISIONS: Record<string, Decision> = { approve: 'approve', reject: 'reject', 'send-back': 'send_back' };
  app.post('/workflow/tasks/:id/:decision', { schema: { params: params('id', 'decision'), body: jsonBody({ comment: STRING }), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    const { id, decision } = request.params as { id: string; decision: string };
    const d = DECISIONS[decision];
    if (!d) throw notFound(`no task action "${decision.slice(0, 40)}"`);
    return wf.approvals.decide(await tenantOf(access), uuid(id, 'task'), d, access.actor, text(body(request).comment, '/comment'));
  });

  // --- delegations ---------------------------------------------------------------------------

  app.get('/workflow/delegations', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: await wf.approvals.delegations(await tenantOf(access), access.principal.userId) };
  });

  app.post('/workflow/delegations', { schema: { body: jsonBody({ from: STRING, to: STRING, startsAt: STRING, endsAt: STRING }), response: replies({ 201: OBJECT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const b = body(request);
    const from = b.from === undefined ? access.principal.userId : uuid(b.from, 'user');
    if (from !== access.principal.userId) admin(access);
    const row = await wf.approvals.delegate(
      await tenantOf(access),
      { from, to: uuid(b.to, 'user'), startsAt: dateTimeParam(b.startsAt, '/startsAt'), endsAt: dateTimeParam(b.endsAt, '/endsAt') },
      access.actor,
    );
    return reply.status(201).send(row);
  });

  app.delete('/workflow/delegations/:id', { schema: { params: params('id'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    await wf.approvals.revokeDelegation(await tenantOf(access), uuid((request.params as { id: string }).id, 'delegation'), access.actor, isAdmin(access.principal.role));
    return reply.status(204).send();
  });

  // --- notifications -------------------------------------------------------------------------

  app.get('/workflow/notifications', { schema: { querystring: query({ unread: { type: 'string', description: 'true for unread only' } }), response: replies({ 200: NOTICES }) } }, async (request) => {
    const access = requireAccess(request);
    const { unread, limit } = request.query as { unread?: string; limit?: string };
    // The header's bell asks for the latest few; the inbox for the default 50.
    const n = limit === undefined ? undefined : Number(limit);
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 200))
      throw badRequest('invalid_query', 'limit must be a whole number from 1 to 200', [{ path: '/limit', rule: 'range', message: 'an integer from 1 to 200' }]);
    return wf.notifications(access.tenantName, access.principal.userId, { unread: unread === 'true', ...(n !== undefined ? { limit: n } : {}) });
  });

  app.get('/workflow/notifications/unread-count', { schema: { response: replies({ 200: object({ unread: INTEGER }, ['unread']) }) } }, async (request) => {
    const access = requireAccess(request);
    return { unread: await wf.unreadCount(access.tenantName, access.principal.userId) };
  });

  app.post('/workflow/notifications/read', { schema: { body: jsonBody({ ids: arrayOf(STRING), all: BOOLEAN }), response: replies({ 200: object({ marked: ANY }, ['marked']) }) } }, async (request) => {
    const access = requireAccess(request);
    const b = body(request);
    const ids = b.all === true ? 'all' : Array.isArray(b.ids) ? b.ids.map((i) => uuid(i, 'notification')) : null;
    if (!ids) throw badRequest('invalid_body', 'send ids or all: true', [{ path: '/ids', rule: 'required', message: 'ids or all' }]);
    return { marked: await wf.markRead(access.tenantName, access.principal.userId, ids) };
  });

  app.get('/workflow/preferences', { schema: { response: replies({ 200: PREFERENCES }) } }, async (request) => {
    const access = requireAccess(request);
    return wf.preferences(access.tenantName, access.principal.userId);
  });

  app.put('/workflow/preferences', { schema: { body: jsonBody({ channels: OBJECT, locale: nullable(STRING) }), response: replies({ 200: PREFERENCES }) } }, async (request) => {
    const access = requireAccess(request);
    const b = body(request);
    const ch = (b.channels ?? {}) as Record<string, unknown>;
    const channels: Record<string, boolean> = {};
    for (const k of wf.channelNames()) {
      if (ch[k] === undefined) continue;
      if (typeof ch[k] !== 'boolean') throw badRequest('invalid_body', `channels.${k} must be true or false`, [{ path: `/channels/${k}`, rule: 'type', message: 'must be a boolean' }]);
      channels[k] = ch[k] as boolean;
    }
    const locale = b.locale === undefined ? undefined : b.locale === null ? null : typeof b.locale === 'string' && /^[a-z]{2}(-[A-Z]{2})?$/.test(b.locale) ? b.locale : undefined;
    if (b.locale !== undefined && locale === undefined) throw badRequest('invalid_body', 'locale must look like en or zh-CN', [{ path: '/locale', rule: 'pattern', message: 'a locale' }]);
    await wf.setPreferences(access.tenantName, access.principal.userId, { channels, ...(locale !== undefined ? { locale } : {}) });
    return wf.preferences(access.tenantName, access.principal.userId);
  });

  // --- administration ------------------------------------------------------------------------

  app.get(
    '/workflow/settings',
    { schema: { response: replies({ 200: object({ timezone: STRING, locale: STRING, smtp: nullable(OBJECT), secrets: arrayOf(STRING) }, ['timezone', 'locale', 'smtp', 'secrets']) }) } },
    async (request) => {
      const access = requireAccess(request);
      admin(access);
      const t = await tenantOf(access);
      const s = await wf.core.settings(t.knex, t);
      // Secrets and the SMTP password are write-only.
      return { timezone: s.timezone ?? 'UTC', locale: s.locale ?? 'en', smtp: s.smtp ? { ...s.smtp, pass: s.smtp.pass ? '********' : undefined } : null, secrets: Object.keys(s.secrets ?? {}) };
    },
  );

  app.put(
    '/workflow/settings',
    {
      schema: {
        body: jsonBody({ timezone: STRING, locale: STRING, smtp: nullable(object({ host: STRING, port: NUMBER, from: STRING, secure: BOOLEAN, user: STRING, pass: STRING })), secrets: OBJECT }),
        response: replies({ 200: OK }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      admin(access);
      const b = body(request);
      const t = await tenantOf(access);
      const patch: Parameters<typeof wf.core.saveSettings>[1] = {};
      if (b.timezone !== undefined) {
        if (typeof b.timezone !== 'string' || !Intl.supportedValuesOf('timeZone').concat('UTC').includes(b.timezone))
          throw badRequest('invalid_body', 'timezone must be an IANA time zone such as Asia/Shanghai', [{ path: '/timezone', rule: 'enum', message: 'an IANA time zone' }]);
        patch.timezone = b.timezone;
      }
      if (b.locale !== undefined) patch.locale = String(text(b.locale, '/locale', 10));
      if (b.smtp !== undefined) {
        const s = b.smtp as Record<string, unknown> | null;
        if (!s || typeof s.host !== 'string' || typeof s.port !== 'number' || typeof s.from !== 'string')
          throw badRequest('invalid_body', 'smtp needs host, port and from', [{ path: '/smtp', rule: 'required', message: 'host, port, from' }]);
        patch.smtp = { host: s.host, port: s.port, from: s.from, secure: s.secure === true, ...(typeof s.user === 'string' ? { user: s.user, pass: String(s.pass ?? '') } : {}) };
        // The email sender refuses private targets at send time; say so now, when it is saved.
        await refuseBlockedOutbound(store, access.tenantName, { smtp: { host: s.host, port: s.port } });
      }
      if (b.secrets !== undefined) {
        const s = b.secrets as Record<string, unknown>;
        const current = (await wf.core.settings(t.knex, t)).secrets ?? {};
        const next: Record<string, string> = { ...current };
        for (const [k, v] of Object.entries(s ?? {})) {
          if (!/^[a-z][a-z0-9_]{0,62}$/.test(k) || (v !== null && typeof v !== 'string'))
            throw badRequest('invalid_body', 'secrets are name: text (null removes one)', [{ path: `/secrets/${k}`, rule: 'type', message: 'text or null' }]);
          if (v === null) delete next[k];
          else next[k] = v as string;
        }
        patch.secrets = next;
      }
      await wf.core.saveSettings(t, patch);
      return { ok: true };
    },
  );

  app.get('/workflow/runs', { schema: { querystring: query({ rule: STRING, status: STRING }), response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    admin(access);
    const q = request.query as { rule?: string; status?: string };
    return { data: await listRuns(wf.core, await tenantOf(access), { ...(q.rule ? { rule: q.rule } : {}), ...(q.status ? { status: q.status } : {}) }) };
  });
}
