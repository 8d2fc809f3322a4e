// /Users: SCIM people written through the records service, so RBAC, validation, the audit log,
// the org service (manager and unit effective today in the tenant's zone) and the end of a
// deactivated person's sessions and tokens all apply as to any other write.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Rec } from '@attain/store';
import type { AccessContext } from '../rbac/context.ts';
import type { RecordService } from '../store-port.ts';
import { baseUrl, changes, listParams, notFound, resourceId, scimAccess, service } from './context.ts';
import { listResponse } from './discovery.ts';
import { ScimError } from './errors.ts';
import { parseScimFilter } from './filter.ts';
import { applyPatch } from './patch.ts';
import { ENTERPRISE_SCHEMA, isObject, type Json } from './schemas.ts';
import { fromScimUser, toScimUser, userAttributesFor } from './users.ts';
import { SCIM_SCHEMAS as S } from './route-schemas.ts';

/** The tenant keeps given and family names when its user object has both fields. */
const hasNameParts = (records: RecordService) => Boolean(records.registry.field('user', 'given_name') && records.registry.field('user', 'family_name'));

async function render(request: FastifyRequest, records: RecordService, users: Rec[]): Promise<Json[]> {
  const unitIds = [...new Set(users.map((u) => u.org_unit_id).filter((v): v is string => typeof v === 'string'))];
  const units = unitIds.length ? await records.getMany('org_unit', unitIds) : [];
  const names = new Map(units.map((u) => [u.id, String(u.name)]));
  const ctx = { base: baseUrl(request), unitName: (id: string) => names.get(id), employeeNumber: Boolean(records.registry.field('user', 'employee_number')), nameParts: hasNameParts(records) };
  return users.map((u) => toScimUser(u, ctx));
}

async function mapBody(access: AccessContext, records: RecordService, body: unknown): Promise<Record<string, unknown>> {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a SCIM User object', [{ path: '/', rule: 'type', message: 'must be an object' }]);
  const named = new Map<string, string>();
  const ext = Object.entries(body).find(([k]) => k.toLowerCase().includes('enterprise'))?.[1];
  const department = isObject(ext) ? Object.entries(ext).find(([k]) => k.toLowerCase() === 'department')?.[1] : undefined;
  if (typeof department === 'string' && department.trim() !== '') {
    // Departments name org units; the unit service of this caller resolves the name.
    const units = await (await service(access, 'org_unit')).list('org_unit', { filter: { name: { eq: department.trim() } }, limit: 2 });
    if (units.data.length > 1)
      throw new ScimError(400, 'invalidValue', `more than one org unit is named ${JSON.stringify(department.trim().slice(0, 100))}; rename one`, [
        { path: `/${ENTERPRISE_SCHEMA}/department`, rule: 'ambiguous', message: 'names more than one org unit' },
      ]);
    if (units.data.length === 1) named.set(department.trim(), (units.data[0] as Rec).id);
  }
  return fromScimUser(body, { unitByName: (n) => named.get(n), employeeNumber: Boolean(records.registry.field('user', 'employee_number')), nameParts: hasNameParts(records) });
}

async function assertUniqueUserName(records: RecordService, email: unknown, except?: string): Promise<void> {
  if (typeof email !== 'string') return;
  const found = await records.list('user', { filter: { email: { eq: email } }, limit: 2 });
  if (found.data.some((u) => u.id !== except))
    throw new ScimError(409, 'uniqueness', `a user with userName ${JSON.stringify(email)} already exists`, [{ path: '/userName', rule: 'unique', message: 'is taken' }]);
}

async function load(records: RecordService, id: string): Promise<Rec> {
  const found = await records.get('user', id);
  if (!found) throw notFound(id);
  return found;
}

async function write(request: FastifyRequest, reply: FastifyReply, access: AccessContext, records: RecordService, current: Rec, next: Record<string, unknown>): Promise<Json> {
  const patch = changes(current, next);
  if ('email' in patch) await assertUniqueUserName(records, patch.email, current.id);
  const saved = Object.keys(patch).length ? await records.update('user', current.id, patch, access.actor) : current;
  reply.header('etag', `W/"${saved.version}"`);
  return (await render(request, records, [saved]))[0] as Json;
}

export async function scimUserRoutes(app: FastifyInstance): Promise<void> {
  app.get('/Users', { schema: S.list }, async (request) => {
    const records = await service(scimAccess(request), 'user');
    const p = listParams(request);
    const filter = p.filter ? parseScimFilter(p.filter, userAttributesFor(hasNameParts(records))) : undefined;
    if (p.count === 0) return listResponse([], await records.count('user', filter), p.startIndex);
    const page = await records.list('user', { ...(filter ? { filter } : {}), limit: p.count, offset: p.startIndex - 1, withTotal: true, sort: [{ field: 'created_at', dir: 'asc' }] });
    return listResponse(await render(request, records, page.data), page.total ?? page.data.length, p.startIndex);
  });

  app.get('/Users/:id', { schema: S.one }, async (request) => {
    const records = await service(scimAccess(request), 'user');
    return (await render(request, records, [await load(records, resourceId(request))]))[0];
  });

  app.post('/Users', { schema: S.create }, async (request, reply) => {
    const access = scimAccess(request);
    const records = await service(access, 'user', 'create');
    const data = await mapBody(access, records, request.body);
    await assertUniqueUserName(records, data.email);
    const created = await records.create('user', { active: true, ...data }, access.actor);
    const [body] = await render(request, records, [created]);
    reply
      .status(201)
      .header('location', (body?.meta as Json).location as string)
      .header('etag', `W/"${created.version}"`);
    return body;
  });

  app.put('/Users/:id', { schema: S.write }, async (request, reply) => {
    const access = scimAccess(request);
    const records = await service(access, 'user', 'update');
    const current = await load(records, resourceId(request));
    return write(request, reply, access, records, current, await mapBody(access, records, request.body));
  });

  app.patch('/Users/:id', { schema: S.write }, async (request, reply) => {
    const access = scimAccess(request);
    const records = await service(access, 'user', 'update');
    const current = await load(records, resourceId(request));
    const before = (await render(request, records, [current]))[0] as Json;
    const after = applyPatch(before, request.body);
    // The department shown is the unit's name; left alone, it states nothing (and needs no lookup).
    const [extBefore, extAfter] = [before[ENTERPRISE_SCHEMA], after[ENTERPRISE_SCHEMA]];
    if (isObject(extBefore) && isObject(extAfter) && extAfter.department === extBefore.department) delete extAfter.department;
    // A patch of the primary email alone (Entra's emails[type eq "work"].value) moves the login email too.
    if (after.userName === before.userName && JSON.stringify(after.emails) !== JSON.stringify(before.emails) && Array.isArray(after.emails)) {
      const primary = after.emails.find((e) => isObject(e) && e.primary !== false) ?? after.emails[0];
      if (isObject(primary) && typeof primary.value === 'string') after.userName = primary.value;
    }
    return write(request, reply, access, records, current, await mapBody(access, records, after));
  });

  app.delete('/Users/:id', { schema: S.remove }, async (request, reply) => {
    const access = scimAccess(request);
    const records = await service(access, 'user', 'delete');
    const id = resourceId(request);
    await load(records, id);
    await records.delete('user', id, access.actor);
    reply.status(204).send();
  });
}
