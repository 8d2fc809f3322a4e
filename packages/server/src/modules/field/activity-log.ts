// A call or message logged from the customer's page in one tap: the kind, how long, how it went.
// The activity is written through the caller's own record service (RBAC, validation, audit, hooks
// and plugins as for `POST /api/v1/objects/activity`); a retried tap with its Idempotency-Key
// answers the first answer and writes nothing more.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../http/errors.ts';
import { jsonBody, object, OBJECT, replies } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { readableCustomer } from './checkins.ts';
import { deviceTime } from './checks.ts';
import { idempotencyKeyOf, once } from './idempotency.ts';
import { fieldPort, readFieldSettings } from './settings.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const LOG_KINDS = ['call', 'message', 'email', 'meeting', 'note'] as const;
export const OUTCOMES = ['reached', 'no_answer', 'left_message', 'follow_up', 'not_interested'] as const;

const KIND_WORDS: Record<(typeof LOG_KINDS)[number], string> = { call: 'Call', message: 'Message', email: 'Email', meeting: 'Meeting', note: 'Note' };
const OUTCOME_WORDS: Record<(typeof OUTCOMES)[number], string> = {
  reached: 'reached',
  no_answer: 'no answer',
  left_message: 'left a message',
  follow_up: 'follow up',
  not_interested: 'not interested',
};

const LOG_BODY = {
  ...jsonBody(
    {
      customerId: { type: 'string', maxLength: 100 },
      kind: { type: 'string', enum: [...LOG_KINDS] },
      durationMinutes: { type: 'integer', minimum: 0, maximum: 10_000 },
      outcome: { type: 'string', enum: [...OUTCOMES] },
      contactId: { type: 'string', maxLength: 100 },
      subject: { type: 'string', minLength: 1, maxLength: 200, description: 'else made from the kind, duration and outcome' },
      notes: { type: 'string', maxLength: 10_000 },
      at: { type: 'string', maxLength: 40, description: "the device's time of the tap, ISO 8601 with offset; else now" },
      idempotencyKey: { type: 'string', maxLength: 255 },
    },
    ['customerId', 'kind'],
  ),
  additionalProperties: false,
};

interface LogBody {
  customerId: string;
  kind: (typeof LOG_KINDS)[number];
  durationMinutes?: number;
  outcome?: (typeof OUTCOMES)[number];
  contactId?: string;
  subject?: string;
  notes?: string;
  at?: string;
  idempotencyKey?: string;
}

/** "Call, 5 min: reached" — what the tap says, in the record's words. */
export function logSubject(body: Pick<LogBody, 'kind' | 'durationMinutes' | 'outcome'>): string {
  const minutes = body.durationMinutes !== undefined ? `, ${body.durationMinutes} min` : '';
  const outcome = body.outcome ? `: ${OUTCOME_WORDS[body.outcome]}` : '';
  return `${KIND_WORDS[body.kind]}${minutes}${outcome}`;
}

export async function activityLogRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.post('/field/activities', { schema: { body: LOG_BODY, response: replies({ 201: object({ data: OBJECT }, ['data']) }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const body = request.body as LogBody;
    const activities = await access.grant('activity', 'create');
    const { idempotencyKey, ...entry } = body;
    const key = idempotencyKeyOf(request, idempotencyKey);
    reply.status(201);
    return once(store, access, reply, { key, scope: 'field.activity', request: entry }, async () => {
      const settings = await readFieldSettings(await fieldPort(store, access.tenantName));
      const at = body.at === undefined ? new Date() : deviceTime(body.at, settings.maxAgeMinutes);
      const customer = await readableCustomer(access, body.customerId);
      let contactId: string | undefined;
      if (body.contactId !== undefined) {
        const contacts = await access.grant('contact', 'read');
        const contact = UUID_TEXT.test(body.contactId) ? await contacts.service.get('contact', body.contactId.toLowerCase()) : undefined;
        if (!contact || contact.customer_id !== customer.id) {
          throw new ApiError(422, 'unknown_contact', 'no such contact of this customer in your scope', [
            { path: '/contactId', rule: 'exists', message: 'is not a contact of the customer you may read' },
          ]);
        }
        contactId = contact.id as string;
      }
      const values: Record<string, unknown> = {
        subject: body.subject ?? logSubject(body),
        kind: body.kind,
        occurred_at: at.toISOString(),
        customer_id: customer.id,
        ...(contactId ? { contact_id: contactId } : {}),
        ...(body.durationMinutes !== undefined ? { duration_minutes: body.durationMinutes } : {}),
        // A tenant whose activity has no outcome field yet (metadata older than it) keeps it in the subject.
        ...(body.outcome && access.principal.registry.field('activity', 'outcome') ? { outcome: body.outcome } : {}),
        ...(body.notes ? { notes: body.notes } : {}),
      };
      return { data: await activities.service.create('activity', values, access.actor) };
    });
  });
}
