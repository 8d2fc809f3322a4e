// Outbound change events: a record write of an object a subscription names becomes one delivery
// per subscription (made once per record event, in one transaction with its first job), sent
// signed through the workflow's webhook machinery (the SSRF guard, HMAC signature headers, the
// delivery id header) by durable jobs. A failed send is tried again with exponential backoff; one
// that used up its attempts is a dead letter until an admin replays it (same body, same id).
import { prepareWebhook, sendWebhook, workflowFor } from '@attain/workflow';
import type { BackgroundModule, Job, RecordEvent } from '@attain/store';
import type { Store } from '../../store-port.ts';
import { integrationsPort, unseal } from './secrets.ts';
import type { IntegrationsPort } from './tables.ts';

export const CHANGE_CONSUMER = 'integrations';
export const DELIVER_QUEUE = 'integrations.deliver';
export const MAX_ATTEMPTS = 8;
/** 30 s, 1 min, 2 min, … capped at an hour: eight attempts span about an hour. */
export const defaultDeliveryBackoff = (attempt: number): number => Math.min(3_600_000, 30_000 * 2 ** (attempt - 1));

export interface DeliveryOptions {
  backoffMs?: (attempt: number) => number;
  maxAttempts?: number;
  now?: () => Date;
}

// Which objects each tenant's subscriptions name, per store, so a write nobody subscribed to costs
// no job. Read again in the background once older than a minute (changes made on another node
// reach this one within that; this node's own changes at once). A tenant not read yet on this node:
// the event is queued and the handler decides, so nothing is lost while the first read runs.
const FRESH_MS = 60_000;
type Known = { objects: Set<string>; at: number };
const known = new WeakMap<Store, Map<string, Known>>();
const reading = new WeakMap<Store, Set<string>>();

function cacheOf(store: Store): Map<string, Known> {
  let m = known.get(store);
  if (!m) known.set(store, (m = new Map()));
  return m;
}

export function forgetSubscriptions(store: Store, tenant: string): void {
  cacheOf(store).delete(tenant);
}

/** A jsonb list as the driver gives it (parsed, or text on some drivers). */
export const objectsOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? (JSON.parse(v) as unknown[]).map(String) : []);

/** Reads which objects the tenant's subscriptions name, and remembers it for `accepts`. */
export async function subscribedObjects(store: Store, port: IntegrationsPort): Promise<Set<string>> {
  const rows = (await port.table('subscription').where({ active: true }).select('objects')) as Array<{ objects: unknown }>;
  const objects = new Set(rows.flatMap((r) => objectsOf(r.objects)));
  cacheOf(store).set(port.tenant, { objects, at: Date.now() });
  return objects;
}

function refresh(store: Store, tenant: string): void {
  let busy = reading.get(store);
  if (!busy) reading.set(store, (busy = new Set()));
  if (busy.has(tenant)) return;
  busy.add(tenant);
  void integrationsPort(store, tenant)
    .then((port) => subscribedObjects(store, port))
    // A failed read leaves the tenant unknown (every write queued); the next write tries again.
    .catch(() => undefined)
    .finally(() => busy.delete(tenant));
}

export function accepts(store: Store, tenant: string, object: string): boolean {
  const hit = cacheOf(store).get(tenant);
  if (!hit || Date.now() - hit.at > FRESH_MS) refresh(store, tenant);
  return !hit || hit.objects.has(object);
}

const PAST: Record<RecordEvent['op'], string> = { create: 'created', update: 'updated', delete: 'deleted', restore: 'restored' };

/** The body a receiver gets: Stripe-like `{id, type, created, data}`; `id` is the delivery id. */
function changeBody(id: string, e: RecordEvent): string {
  const before = e.before ?? {};
  const after = e.after ?? {};
  const changed = e.op === 'update' ? Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k])) : [];
  return JSON.stringify({ id, type: `${e.object}.${PAST[e.op]}`, created: e.at, data: { object: e.object, id: e.recordId, record: e.after ?? e.before, ...(e.op === 'update' ? { changed } : {}) } });
}

async function onChange(store: Store, job: Job): Promise<{ deliveries: number }> {
  const e = job.payload as RecordEvent;
  const port = await integrationsPort(store, e.tenant);
  if (!(await subscribedObjects(store, port)).has(e.object)) return { deliveries: 0 };
  const subs = ((await port.table('subscription').where({ active: true }).select('id', 'objects')) as Array<{ id: string; objects: unknown }>).filter((s) => objectsOf(s.objects).includes(e.object));
  let made = 0;
  for (const sub of subs) {
    await port.knex.transaction(async (trx) => {
      const id = crypto.randomUUID();
      const now = new Date();
      const ins = await port
        .table('delivery', trx)
        .insert({
          id,
          subscription_id: sub.id,
          source: job.id,
          event_type: `${e.object}.${PAST[e.op]}`,
          object: e.object,
          record_id: e.recordId,
          body: changeBody(id, e),
          status: 'pending',
          created_at: now,
          updated_at: now,
        })
        .onConflict(['subscription_id', 'source'])
        .ignore()
        .returning('id');
      if (!ins.length) return;
      made++;
      await store.jobs.enqueue({ queue: DELIVER_QUEUE, tenant: e.tenant, key: `${id}:0:1`, payload: { tenant: e.tenant, id } }, trx);
    });
  }
  return { deliveries: made };
}

type DeliveryRow = { id: string; subscription_id: string; body: string; status: string; attempts: number; replays: number };

async function deliver(store: Store, job: Job, opts: Required<DeliveryOptions>): Promise<unknown> {
  const p = job.payload as { tenant?: unknown; id?: unknown };
  if (typeof p.tenant !== 'string' || typeof p.id !== 'string') return { skipped: 'bad payload' };
  const port = await integrationsPort(store, p.tenant);
  const d = (await port.table('delivery').where({ id: p.id }).first()) as DeliveryRow | undefined;
  if (!d || d.status !== 'pending') return { skipped: d?.status ?? 'gone' };
  const sub = (await port.table('subscription').where({ id: d.subscription_id }).first()) as { url: string; secret: string; active: boolean } | undefined;
  const attempts = Number(d.attempts) + 1;
  const now = opts.now();
  try {
    if (!sub?.active) throw new Error('the subscription was removed');
    const wf = workflowFor(store);
    const t = await wf.tenant(p.tenant);
    const outbound = wf.core.outbound(await wf.core.settings(t.knex, t));
    const req = prepareWebhook('json', sub.url, { payload: JSON.parse(d.body), title: '', text: '' }, { secret: unseal(store, sub.secret, '/subscriptions/secret'), now, deliveryId: d.id });
    await sendWebhook('json', req, outbound);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const dead = attempts >= opts.maxAttempts || !sub?.active;
    await port.knex.transaction(async (trx) => {
      await port
        .table('delivery', trx)
        .where({ id: d.id })
        .update({ attempts, last_error: message, updated_at: now, ...(dead ? { status: 'dead', dead_at: now } : {}) });
      if (!dead)
        await store.jobs.enqueue(
          {
            queue: DELIVER_QUEUE,
            tenant: p.tenant as string,
            key: `${d.id}:${d.replays}:${attempts + 1}`,
            payload: { tenant: p.tenant, id: d.id },
            runAt: new Date(now.getTime() + opts.backoffMs(attempts)),
          },
          trx,
        );
    });
    return { delivered: false, attempts, dead, error: message };
  }
  await port.table('delivery').where({ id: d.id }).update({ status: 'delivered', attempts, last_error: null, delivered_at: now, updated_at: now });
  return { delivered: true, attempts };
}

/** The module's background work: record events of subscribed objects, and the delivery queue. */
export function integrationsBackground({ store }: { store: Store }, options: DeliveryOptions = {}): BackgroundModule {
  const opts: Required<DeliveryOptions> = { backoffMs: options.backoffMs ?? defaultDeliveryBackoff, maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS, now: options.now ?? (() => new Date()) };
  return {
    name: 'integrations',
    subscriptions: [{ consumer: CHANGE_CONSUMER, accepts: (tenant, object) => accepts(store, tenant, object) }],
    handlers: {
      [`event:${CHANGE_CONSUMER}`]: (job) => onChange(store, job),
      [DELIVER_QUEUE]: (job) => deliver(store, job, opts),
    },
  };
}
