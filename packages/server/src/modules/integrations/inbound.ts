// Processing one inbound event: its id is the idempotency key (a processed event sent again gets
// the stored answer and changes nothing), its type is looked up in the declared table
// (event-types.ts), and its record is found by external id and written through the records
// service (validation, the audit log, record events: the incentives engine re-reads the order).
// A refused event (unknown type, unknown record, bad data) is kept as failed with its error: the
// integration error an admin lists; sending it again (fixed, or once the order exists) retries it.
import { createHash } from 'node:crypto';
import { AttainError } from '@attain/meta';
import type { ErrorBody } from '../../http/errors.ts';
import type { Store } from '../../store-port.ts';
import { dataProblems, EVENT_TYPES, patchOf } from './event-types.ts';
import type { IntegrationsPort } from './tables.ts';

export interface Envelope {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface Answer {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** An event still marked processing after this long was cut off (a node died): it may be taken over. */
const STALE_MS = 5 * 60_000;

const fail = (status: number, code: string, message: string, details: ErrorBody['error']['details'] = []): Answer => ({ status, body: { error: { code, message, details } } });

type Row = { event_id: string; status: string; http_status: number | null; result: string | null; body_sha256: string; updated_at: Date | string };

/** Claims the event id for this request: undefined when it is ours to process, else the answer to give. */
async function claim(port: IntegrationsPort, e: Envelope, hash: string): Promise<Answer | undefined> {
  const now = new Date();
  const inserted = await port
    .table('inbound')
    .insert({ event_id: e.id, type: e.type.slice(0, 100), status: 'processing', body_sha256: hash, attempts: 1, received_at: now, updated_at: now })
    .onConflict('event_id')
    .ignore()
    .returning('event_id');
  if (inserted.length) return undefined;
  const row = (await port.table('inbound').where({ event_id: e.id }).first()) as Row | undefined;
  if (!row) return fail(409, 'event_in_progress', 'this event is being received right now; send it again later');
  if (row.body_sha256 !== hash && row.status === 'processed')
    return fail(422, 'event_id_reused', `the event id ${JSON.stringify(e.id)} was received with another body`, [{ path: '/id', rule: 'unique', message: 'already used by another event' }]);
  if (row.status === 'processed') return { status: row.http_status ?? 200, body: JSON.parse(row.result ?? '{}'), replayed: true };
  const stale = new Date(row.updated_at).getTime() < now.getTime() - STALE_MS;
  if (row.status === 'processing' && !stale) return fail(409, 'event_in_progress', 'this event is being received right now; send it again later');
  // A failed (or cut-off) event is tried again; only one request wins the row.
  const taken = await port
    .table('inbound')
    .where({ event_id: e.id, status: row.status, updated_at: row.updated_at })
    .update({ status: 'processing', type: e.type.slice(0, 100), body_sha256: hash, updated_at: now, attempts: port.knex.raw('attempts + 1') });
  return taken ? undefined : fail(409, 'event_in_progress', 'this event is being received right now; send it again later');
}

async function apply(store: Store, tenant: string, e: Envelope): Promise<Answer & { recordId?: string }> {
  const def = EVENT_TYPES.find((t) => t.type === e.type);
  if (!def)
    return fail(422, 'unknown_event_type', `the event type ${JSON.stringify(e.type.slice(0, 100))} is not one Attain receives`, [
      { path: '/type', rule: 'enum', message: `one of ${EVENT_TYPES.map((t) => t.type).join(', ')}` },
    ]);
  const problems = dataProblems(def, e.data);
  if (problems.length) return fail(422, 'invalid_event_data', `${def.type}: ${problems[0]?.path} ${problems[0]?.message}`, problems);
  const records = await store.records(tenant);
  if (!records.registry.object(def.object))
    return fail(422, 'unknown_object', `this tenant has no ${def.object} object`, [{ path: '/type', rule: 'object', message: `needs the ${def.object} object` }]);
  const key = String(e.data[def.key]);
  const found = await records.list(def.object, { filter: { external_id: { eq: key } }, limit: 1 });
  const record = found.data[0];
  if (!record)
    return fail(422, 'unknown_record', `no ${def.object} has the external id ${JSON.stringify(key.slice(0, 100))}`, [
      { path: `/data/${def.key}`, rule: 'exists', message: `no ${def.object} with this external_id` },
    ]);
  const patch = patchOf(def, e.data);
  try {
    await records.update(def.object, record.id, patch, { userId: null, label: `integration event ${e.id.slice(0, 100)} (${def.type})` });
  } catch (error) {
    // The records service refused the write (a field the tenant's order lacks, a rule): the sender's 422.
    if (error instanceof AttainError && error.status < 500) return { ...fail(422, error.code, error.message, error.details), recordId: record.id };
    throw error;
  }
  return { status: 200, body: { data: { id: e.id, type: def.type, status: 'processed', object: def.object, recordId: record.id, changes: patch } }, recordId: record.id };
}

/** Receives one verified event: the stored answer for a processed id, else processes and keeps the outcome. */
export async function receiveEvent(store: Store, tenant: string, port: IntegrationsPort, e: Envelope, rawBody: string): Promise<Answer> {
  const hash = createHash('sha256').update(rawBody).digest('hex');
  const early = await claim(port, e, hash);
  if (early) return early;
  let out: Answer & { recordId?: string };
  try {
    out = await apply(store, tenant, e);
  } catch (error) {
    // Let the sender retry: the row goes back to failed, the error to the server's log.
    await port
      .table('inbound')
      .where({ event_id: e.id })
      .update({ status: 'failed', http_status: 500, result: JSON.stringify({ error: { code: 'internal', message: 'internal error', details: [] } }), updated_at: new Date() });
    throw error;
  }
  await port
    .table('inbound')
    .where({ event_id: e.id })
    .update({ status: out.status === 200 ? 'processed' : 'failed', http_status: out.status, result: JSON.stringify(out.body), record_id: out.recordId ?? null, updated_at: new Date() });
  return out;
}
