// The emails the receiver could not log (an unknown sender, no contact named), listed to admins,
// who assign one to a contact: it becomes the activity it would have been, owned by the contact's
// owner. Nothing the receiver accepted is ever dropped.
import type { FastifyInstance } from 'fastify';
import { ApiError, forbidden, notFound } from '../../http/errors.ts';
import { arrayOf, jsonBody, list, nullable, object, params, query, replies, STRING } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import type { AccessContext } from '../../rbac/context.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { activityFromEmail, type InboundRow } from './inbound-mail.ts';
import { fieldPort } from './settings.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['quarantined', 'logged', 'assigned'] as const;

const MAIL = object(
  {
    id: STRING,
    status: STRING,
    reason: nullable(STRING),
    from: STRING,
    recipients: arrayOf(STRING),
    subject: STRING,
    body: STRING,
    sentAt: STRING,
    receivedAt: STRING,
    activityIds: arrayOf(STRING),
  },
  ['id', 'status', 'from', 'subject', 'receivedAt', 'activityIds'],
);

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function view(r: InboundRow) {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    from: r.from_address,
    recipients: json<string[]>(r.recipients),
    subject: r.subject,
    body: r.body,
    sentAt: new Date(r.sent_at).toISOString(),
    receivedAt: new Date(r.received_at).toISOString(),
    activityIds: json<string[]>(r.activity_ids),
  };
}

function adminOnly(access: AccessContext): void {
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may see or assign received emails');
}

export async function quarantineRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/field/inbound-mail',
    { schema: { querystring: query({ status: { type: 'string', enum: [...STATUSES], description: 'default quarantined' } }), response: replies({ 200: list(MAIL) }) } },
    async (request) => {
      const access = requireAccess(request);
      adminOnly(access);
      const { status } = request.query as { status?: (typeof STATUSES)[number] };
      const port = await fieldPort(store, access.tenantName);
      const rows = (await port
        .table('inbound_mail')
        .where({ status: status ?? 'quarantined' })
        .orderBy('received_at', 'desc')
        .limit(500)
        .select('*')) as InboundRow[];
      return { data: rows.map(view) };
    },
  );

  app.post(
    '/field/inbound-mail/:id/assign',
    {
      schema: {
        params: params('id'),
        body: { ...jsonBody({ contactId: { type: 'string', maxLength: 100 } }, ['contactId']), additionalProperties: false },
        response: replies({ 200: object({ data: MAIL }, ['data']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      adminOnly(access);
      const { id } = request.params as { id: string };
      const { contactId } = request.body as { contactId: string };
      const port = await fieldPort(store, access.tenantName);
      const row = UUID_TEXT.test(id) ? ((await port.table('inbound_mail').where({ id: id.toLowerCase() }).first()) as InboundRow | undefined) : undefined;
      if (!row) throw notFound('no such received email');
      if (row.status !== 'quarantined') throw new ApiError(409, 'not_quarantined', `this email is already ${row.status}`);
      const contacts = await access.grant('contact', 'read');
      const contact = UUID_TEXT.test(contactId) ? await contacts.service.get('contact', contactId.toLowerCase()) : undefined;
      if (!contact) throw new ApiError(422, 'unknown_contact', 'no such contact', [{ path: '/contactId', rule: 'exists', message: 'is not a contact' }]);
      // Claimed first, so a second admin assigning at the same time gets 409, not a second activity.
      const claimed = await port.table('inbound_mail').where({ id: row.id, status: 'quarantined' }).update({ status: 'assigned', assigned_by: access.principal.userId });
      if (claimed === 0) throw new ApiError(409, 'not_quarantined', 'this email was just assigned');
      let activityId: string;
      try {
        activityId = await activityFromEmail(
          store,
          access.tenantName,
          { subject: row.subject, text: row.body, sentAt: new Date(row.sent_at) },
          contact,
          typeof contact.owner_id === 'string' ? contact.owner_id : null,
        );
      } catch (error) {
        await port.table('inbound_mail').where({ id: row.id }).update({ status: 'quarantined', assigned_by: null });
        throw error;
      }
      await port
        .table('inbound_mail')
        .where({ id: row.id })
        .update({ activity_ids: JSON.stringify([activityId]) });
      await port.audit({ actor: access.actor, action: 'field.inbound_mail.assign', object: 'inbound_mail', recordId: row.id, after: { contactId: contact.id, activityId } });
      return { data: view({ ...row, status: 'assigned', activity_ids: [activityId] }) };
    },
  );
}
