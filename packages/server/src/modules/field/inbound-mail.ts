// An email BCC'd to the tenant's log address becomes an activity on each contact it names: the
// sender or a recipient whose address is a contact's. The sender must be known (a user of the
// tenant or a contact); otherwise, or when no contact is named, the email is quarantined — kept
// for an admin to assign — never dropped. A redelivery (same Message-ID) writes nothing again.
import { uuidv7 } from '@attain/store';
import type { Store } from '../../store-port.ts';
import { fieldPort } from './settings.ts';
import type { FieldPort } from './tables.ts';

/** An email as the receiver read it: addresses lowercased, the log address already left out. */
export interface InboundEmail {
  messageId: string | null;
  from: string;
  /** To, Cc and the envelope recipients other than the log address. */
  recipients: string[];
  subject: string;
  text: string;
  sentAt: Date;
}

// Strangers can write to the address: past this many waiting emails, more are deferred (452) until an admin clears some.
export const MAX_QUARANTINED = 5_000;

export type InboundOutcome =
  | { status: 'logged'; id: string; activityIds: string[] }
  | { status: 'quarantined'; id: string; reason: 'unknown_sender' | 'no_contact' }
  | { status: 'duplicate'; id: string }
  | { status: 'full'; id: '' };

// At most this many contacts get an activity from one email (a mass mailing is not a conversation).
const MAX_CONTACTS = 20;
const BODY_CHARS = 10_000;
const SUBJECT_CHARS = 200;

export interface InboundRow {
  id: string;
  message_id: string | null;
  status: 'logged' | 'quarantined' | 'assigned';
  reason: string | null;
  from_address: string;
  recipients: string[] | string;
  subject: string;
  body: string;
  sent_at: Date | string;
  received_at: Date | string;
  activity_ids: string[] | string;
  assigned_by: string | null;
}

const SYSTEM = { userId: null, label: 'inbound email' };

/** Records whose `email` is one of `addresses`, compared without case (the filter's ilike prefix, then exact). */
async function byEmail(store: Store, tenant: string, object: 'user' | 'contact', addresses: readonly string[]): Promise<Array<Record<string, unknown> & { id: string }>> {
  if (addresses.length === 0) return [];
  const records = await store.records(tenant);
  const page = await records.list(object, { filter: { or: addresses.map((a) => ({ email: { startsWith: a } })) }, limit: 200 });
  const wanted = new Set(addresses);
  return page.data.filter((r) => typeof r.email === 'string' && wanted.has(r.email.toLowerCase()));
}

/** Writes the activity of an email on a contact, owned by `ownerId` when the sender is a user. */
export async function activityFromEmail(
  store: Store,
  tenant: string,
  email: Pick<InboundEmail, 'subject' | 'text' | 'sentAt'>,
  contact: Record<string, unknown>,
  ownerId: string | null,
): Promise<string> {
  const records = await store.records(tenant);
  const activity = await records.create(
    'activity',
    {
      subject: (email.subject || '(no subject)').slice(0, SUBJECT_CHARS),
      kind: 'email',
      occurred_at: email.sentAt.toISOString(),
      contact_id: contact.id,
      ...(typeof contact.customer_id === 'string' ? { customer_id: contact.customer_id } : {}),
      ...(email.text ? { notes: email.text.slice(0, BODY_CHARS) } : {}),
      ...(ownerId ? { owner_id: ownerId } : {}),
    },
    ownerId ? { userId: ownerId, label: 'inbound email' } : SYSTEM,
  );
  return activity.id;
}

/**
 * Keeps the email (claiming its Message-ID first, so two deliveries at once write one), then, for a
 * logged one, its activities; a failure removes the claim so the sender's retry files it again.
 */
async function keep(
  port: FieldPort,
  email: InboundEmail,
  status: 'logged' | 'quarantined',
  reason: string | null,
  write: () => Promise<string[]>,
): Promise<{ id: string; activityIds: string[] } | undefined> {
  const id = uuidv7();
  const claimed = await port
    .table('inbound_mail')
    .insert({
      id,
      message_id: email.messageId,
      status,
      reason,
      from_address: email.from,
      recipients: JSON.stringify(email.recipients),
      subject: email.subject.slice(0, SUBJECT_CHARS),
      body: email.text.slice(0, BODY_CHARS),
      sent_at: email.sentAt,
      activity_ids: JSON.stringify([]),
    })
    .onConflict('message_id')
    .ignore()
    .returning('id');
  if (claimed.length === 0) return undefined;
  let activityIds: string[];
  try {
    activityIds = await write();
  } catch (error) {
    await port.table('inbound_mail').where({ id }).delete();
    throw error;
  }
  if (activityIds.length)
    await port
      .table('inbound_mail')
      .where({ id })
      .update({ activity_ids: JSON.stringify(activityIds) });
  await port.audit({
    actor: SYSTEM,
    action: `field.inbound_mail.${status === 'logged' ? 'log' : 'quarantine'}`,
    object: 'inbound_mail',
    recordId: id,
    after: { status, reason, activities: activityIds.length },
  });
  return { id, activityIds };
}

const duplicateOf = async (port: FieldPort, messageId: string | null): Promise<InboundOutcome> => {
  const seen = (await port.table('inbound_mail').where({ message_id: messageId }).first('id')) as { id: string };
  return { status: 'duplicate', id: seen.id };
};

/** Files one email for a tenant that exists: logged on its contacts, or quarantined. */
export async function receiveEmail(store: Store, tenant: string, email: InboundEmail, maxQuarantined = MAX_QUARANTINED): Promise<InboundOutcome> {
  const port = await fieldPort(store, tenant);
  if (email.messageId && (await port.table('inbound_mail').where({ message_id: email.messageId }).first('id'))) return duplicateOf(port, email.messageId);
  const [sender] = await byEmail(store, tenant, 'user', [email.from]);
  const addresses = [...new Set([email.from, ...email.recipients])];
  const contacts = (await byEmail(store, tenant, 'contact', addresses)).slice(0, MAX_CONTACTS);
  const senderIsContact = contacts.some((c) => String(c.email).toLowerCase() === email.from);
  const reason = !sender && !senderIsContact ? 'unknown_sender' : contacts.length === 0 ? 'no_contact' : null;
  if (reason) {
    const [{ n }] = (await port.table('inbound_mail').where({ status: 'quarantined' }).count({ n: '*' })) as [{ n: number | string }];
    if (Number(n) >= maxQuarantined) return { status: 'full', id: '' };
    const kept = await keep(port, email, 'quarantined', reason, async () => []);
    return kept ? { status: 'quarantined', id: kept.id, reason } : duplicateOf(port, email.messageId);
  }
  // A contact's own email to a rep belongs to that contact's owner; a rep's email is theirs.
  const kept = await keep(port, email, 'logged', null, async () => {
    const ids: string[] = [];
    for (const contact of contacts) ids.push(await activityFromEmail(store, tenant, email, contact, sender ? sender.id : typeof contact.owner_id === 'string' ? contact.owner_id : null));
    return ids;
  });
  return kept ? { status: 'logged', id: kept.id, activityIds: kept.activityIds } : duplicateOf(port, email.messageId);
}
