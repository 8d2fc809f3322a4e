// /Groups: org units, their members the users whose org_unit_id is the unit. Membership is
// written on each user record, so the org service dates the move (today, in the tenant's zone).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Rec } from '@attain/store';
import type { AccessContext } from '../rbac/context.ts';
import type { RecordService } from '../store-port.ts';
import { baseUrl, changes, listParams, notFound, resourceId, scimAccess, service } from './context.ts';
import { listResponse } from './discovery.ts';
import { ScimError } from './errors.ts';
import { parseScimFilter } from './filter.ts';
import { fromScimGroup, groupAttributes, toScimGroup } from './groups.ts';
import { applyPatch } from './patch.ts';
import { isObject, type Json } from './schemas.ts';
import { SCIM_SCHEMAS as S } from './route-schemas.ts';

const MAX_MEMBERS = 10_000;

/** The members of each unit, read page by page (a unit may hold more than one page of people). */
async function membersOf(users: RecordService, unitIds: string[]): Promise<Map<string, Rec[]>> {
  const out = new Map<string, Rec[]>(unitIds.map((id) => [id, []]));
  if (!unitIds.length) return out;
  let after: string | undefined;
  for (let read = 0; read < MAX_MEMBERS; ) {
    const page = await users.list('user', { filter: { org_unit_id: { in: unitIds } }, limit: 500, ...(after ? { after } : {}) });
    for (const u of page.data) out.get(String(u.org_unit_id).toLowerCase())?.push(u);
    read += page.data.length;
    if (!page.page.next) break;
    after = page.page.next;
  }
  return out;
}

function asBody(body: unknown): Json {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a SCIM Group object', [{ path: '/', rule: 'type', message: 'must be an object' }]);
  return body;
}

async function assertUniqueName(units: RecordService, name: unknown, except?: string): Promise<void> {
  const found = await units.list('org_unit', { filter: { name: { eq: name } }, limit: 2 });
  if (found.data.some((u) => u.id !== except))
    throw new ScimError(409, 'uniqueness', `a group named ${JSON.stringify(name)} already exists`, [{ path: '/displayName', rule: 'unique', message: 'is taken' }]);
}

/** Makes the unit's members exactly `wanted`: newcomers move into the unit, the others leave it. */
async function setMembers(access: AccessContext, unitId: string, current: Rec[], wanted: string[]): Promise<void> {
  const users = await service(access, 'user', 'update');
  const have = new Set(current.map((u) => u.id));
  const join = wanted.filter((id) => !have.has(id));
  const found = join.length ? await users.getMany('user', join) : [];
  const missing = join.filter((id) => !found.some((u) => u.id === id));
  if (missing.length)
    throw new ScimError(
      400,
      'invalidValue',
      `no user has the id ${JSON.stringify(missing[0])}`,
      missing.map((id) => ({ path: '/members', rule: 'unknown_reference', message: `no user ${id}` })),
    );
  for (const id of join) await users.update('user', id, { org_unit_id: unitId }, access.actor);
  for (const u of current) if (!wanted.includes(u.id)) await users.update('user', u.id, { org_unit_id: null }, access.actor);
}

async function load(units: RecordService, id: string): Promise<Rec> {
  const found = await units.get('org_unit', id);
  if (!found) throw notFound(id);
  return found;
}

async function show(request: FastifyRequest, access: AccessContext, unit: Rec): Promise<Json> {
  const members = await membersOf(await service(access, 'user'), [unit.id]);
  return toScimGroup(unit, members.get(unit.id), baseUrl(request));
}

async function replace(request: FastifyRequest, access: AccessContext, units: RecordService, current: Rec, body: Json): Promise<Json> {
  const { data, members } = fromScimGroup(body);
  const patch = changes(current, data);
  if ('name' in patch) await assertUniqueName(units, patch.name, current.id);
  const saved = Object.keys(patch).length ? await units.update('org_unit', current.id, patch, access.actor) : current;
  if (members) await setMembers(access, current.id, (await membersOf(await service(access, 'user'), [current.id])).get(current.id) ?? [], members);
  return show(request, access, saved);
}

export async function scimGroupRoutes(app: FastifyInstance): Promise<void> {
  app.get('/Groups', { schema: S.list }, async (request) => {
    const access = scimAccess(request);
    const units = await service(access, 'org_unit');
    const p = listParams(request);
    const filter = p.filter ? parseScimFilter(p.filter, groupAttributes) : undefined;
    if (p.count === 0) return listResponse([], await units.count('org_unit', filter), p.startIndex);
    const page = await units.list('org_unit', { ...(filter ? { filter } : {}), limit: p.count, offset: p.startIndex - 1, withTotal: true, sort: [{ field: 'created_at', dir: 'asc' }] });
    // Entra asks for groups with excludedAttributes=members; members cost a read, so skip it then.
    const members = p.excluded.has('members')
      ? undefined
      : await membersOf(
          await service(access, 'user'),
          page.data.map((u) => u.id),
        );
    const base = baseUrl(request);
    return listResponse(
      page.data.map((u) => toScimGroup(u, members?.get(u.id), base)),
      page.total ?? page.data.length,
      p.startIndex,
    );
  });

  app.get('/Groups/:id', { schema: S.one }, async (request) => {
    const access = scimAccess(request);
    return show(request, access, await load(await service(access, 'org_unit'), resourceId(request)));
  });

  app.post('/Groups', { schema: S.create }, async (request, reply) => {
    const access = scimAccess(request);
    const units = await service(access, 'org_unit', 'create');
    const { data, members } = fromScimGroup(asBody(request.body));
    await assertUniqueName(units, data.name);
    const created = await units.create('org_unit', data, access.actor);
    if (members?.length) await setMembers(access, created.id, [], members);
    const body = await show(request, access, created);
    reply.status(201).header('location', (body.meta as Json).location as string);
    return body;
  });

  app.put('/Groups/:id', { schema: S.write }, async (request) => {
    const access = scimAccess(request);
    const units = await service(access, 'org_unit', 'update');
    return replace(request, access, units, await load(units, resourceId(request)), asBody(request.body));
  });

  app.patch('/Groups/:id', { schema: S.write }, async (request) => {
    const access = scimAccess(request);
    const units = await service(access, 'org_unit', 'update');
    const current = await load(units, resourceId(request));
    const before = await show(request, access, current);
    return replace(request, access, units, current, applyPatch(before, request.body));
  });

  app.delete('/Groups/:id', { schema: S.remove }, async (request, reply) => {
    const access = scimAccess(request);
    const units = await service(access, 'org_unit', 'delete');
    const id = resourceId(request);
    await load(units, id);
    await units.delete('org_unit', id, access.actor);
    reply.status(204).send();
  });
}
