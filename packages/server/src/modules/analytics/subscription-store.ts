// Dashboard subscriptions (a snapshot sent weekly or monthly by email or to a group robot) and the
// short-lived snapshot links robots get, in the analytics module's own tables. Creates and deletes
// are audited in their transaction; each run records its outcome on the row (`lastRun`, `lastError`).
import { createHash, randomBytes } from 'node:crypto';
import type { Actor, TenantModule } from '@attain/store';
import type { Store } from '../../store-port.ts';
import type { FilterValue } from './dashboard-schema.ts';
import type { SnapshotFormat } from './dashboard-export.ts';

export const subscriptionTables: TenantModule<'subscription' | 'link'> = {
  name: 'analytics_subs',
  tables: ['subscription', 'link'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (!(await trx.schema.withSchema(schema).hasTable('attain_analytics_subs_subscription'))) {
          await trx.schema.withSchema(schema).createTable('attain_analytics_subs_subscription', (t) => {
            t.uuid('id').primary();
            t.text('dashboard').notNullable();
            t.uuid('owner_id').notNullable();
            t.jsonb('schedule').notNullable();
            t.text('format').notNullable();
            t.jsonb('filters').notNullable();
            t.text('channel').notNullable();
            t.jsonb('recipients').notNullable();
            t.jsonb('robot');
            t.text('link_base');
            t.timestamp('next_run', { useTz: true });
            t.timestamp('last_run', { useTz: true });
            t.text('last_error');
            t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
            t.index(['dashboard']);
          });
        }
        if (!(await trx.schema.withSchema(schema).hasTable('attain_analytics_subs_link'))) {
          await trx.schema.withSchema(schema).createTable('attain_analytics_subs_link', (t) => {
            // sha256 of the token's secret part: a database read does not give working links away.
            t.text('token_hash').primary();
            t.uuid('subscription_id').notNullable();
            t.text('content_type').notNullable();
            t.text('filename').notNullable();
            t.binary('bytes').notNullable();
            t.timestamp('expires_at', { useTz: true }).notNullable();
            t.index(['expires_at']);
          });
        }
      },
    },
  ],
};

export interface Schedule {
  every: 'week' | 'month';
  /** ISO weekday 1 (Monday) … 7, for `week`. */
  weekday?: number;
  /** Day of the month 1 … 31 (a shorter month runs on its last day), for `month`. */
  day?: number;
  hour: number;
}

export type RobotFormat = 'json' | 'feishu' | 'dingtalk' | 'wecom';

export interface Subscription {
  id: string;
  dashboard: string;
  ownerId: string;
  schedule: Schedule;
  format: SnapshotFormat;
  filters: Record<string, FilterValue>;
  channel: 'email' | 'robot';
  recipients: string[];
  robot: { format: RobotFormat; url: string; secret?: string } | null;
  linkBase: string | null;
  nextRun: string | null;
  lastRun: string | null;
  lastError: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  dashboard: string;
  owner_id: string;
  schedule: unknown;
  format: string;
  filters: unknown;
  channel: string;
  recipients: unknown;
  robot: unknown;
  link_base: string | null;
  next_run: Date | string | null;
  last_run: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const iso = (v: Date | string | null): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString());

const fromRow = (r: Row): Subscription => ({
  id: r.id,
  dashboard: r.dashboard,
  ownerId: r.owner_id,
  schedule: json<Schedule>(r.schedule),
  format: r.format as SnapshotFormat,
  filters: json<Record<string, FilterValue>>(r.filters),
  channel: r.channel as Subscription['channel'],
  recipients: json<string[]>(r.recipients),
  robot: r.robot === null ? null : json<Subscription['robot']>(r.robot),
  linkBase: r.link_base,
  nextRun: iso(r.next_run),
  lastRun: iso(r.last_run),
  lastError: r.last_error,
  createdAt: iso(r.created_at) as string,
});

const port = (store: Store, tenant: string) => store.port(tenant, subscriptionTables);

/** What the audit log keeps of a subscription: never the robot's URL or secret (they hold its access key). */
const summary = (s: Omit<Subscription, 'nextRun' | 'lastRun' | 'lastError' | 'createdAt'>) => ({
  dashboard: s.dashboard,
  schedule: s.schedule,
  format: s.format,
  channel: s.channel,
  recipients: s.recipients,
  ...(s.robot ? { robot: s.robot.format } : {}),
});

export async function createSubscription(store: Store, tenant: string, s: Omit<Subscription, 'lastRun' | 'lastError' | 'createdAt'>, actor: Actor): Promise<Subscription> {
  const p = await port(store, tenant);
  return p.knex.transaction(async (trx) => {
    const row = {
      id: s.id,
      dashboard: s.dashboard,
      owner_id: s.ownerId,
      schedule: JSON.stringify(s.schedule),
      format: s.format,
      filters: JSON.stringify(s.filters),
      channel: s.channel,
      recipients: JSON.stringify(s.recipients),
      robot: s.robot ? JSON.stringify(s.robot) : null,
      link_base: s.linkBase,
      next_run: s.nextRun ? new Date(s.nextRun) : null,
    };
    await p.table('subscription', trx).insert(row);
    await p.audit({ actor, action: 'analytics.subscription.create', object: 'analytics_subscription', recordId: s.id, before: null, after: summary(s) }, trx);
    return fromRow((await p.table('subscription', trx).where({ id: s.id }).first()) as Row);
  });
}

export async function subscriptionsOf(store: Store, tenant: string, dashboard: string): Promise<Subscription[]> {
  const p = await port(store, tenant);
  return ((await p.table('subscription').where({ dashboard }).orderBy('created_at')) as Row[]).map(fromRow);
}

export async function subscription(store: Store, tenant: string, id: string): Promise<Subscription | undefined> {
  const p = await port(store, tenant);
  const row = (await p.table('subscription').where({ id }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export async function deleteSubscription(store: Store, tenant: string, id: string, actor: Actor): Promise<void> {
  const p = await port(store, tenant);
  await p.knex.transaction(async (trx) => {
    const before = (await p.table('subscription', trx).where({ id }).forUpdate().first()) as Row | undefined;
    if (!before) return;
    await p.table('subscription', trx).where({ id }).delete();
    await p.table('link', trx).where({ subscription_id: id }).delete();
    await p.audit({ actor, action: 'analytics.subscription.delete', object: 'analytics_subscription', recordId: id, before: summary(fromRow(before)), after: null }, trx);
  });
}

/** Cancels every subscription to a dashboard that is being deleted (each audited), so none keeps running against nothing. */
export async function deleteSubscriptionsOf(store: Store, tenant: string, dashboard: string, actor: Actor): Promise<void> {
  for (const s of await subscriptionsOf(store, tenant, dashboard)) await deleteSubscription(store, tenant, s.id, actor);
}

/** A run's outcome: when it ran, its error (null when it was sent) and the next run. */
export async function recordRun(store: Store, tenant: string, id: string, run: { at: Date; error: string | null; next: Date | null }): Promise<void> {
  const p = await port(store, tenant);
  await p
    .table('subscription')
    .where({ id })
    .update({ last_run: run.at, last_error: run.error === null ? null : run.error.slice(0, 1000), next_run: run.next });
}

/** Keeps a rendered snapshot for `ttlMs`; the answer is the token of its link (`<tenant>.<secret>`). */
export async function saveLink(store: Store, tenant: string, subscriptionId: string, file: { bytes: Buffer; contentType: string; filename: string }, now: Date, ttlMs: number): Promise<string> {
  const p = await port(store, tenant);
  const secret = randomBytes(24).toString('base64url');
  await p.table('link').where('expires_at', '<', now).delete();
  await p.table('link').insert({
    token_hash: createHash('sha256').update(secret).digest('hex'),
    subscription_id: subscriptionId,
    content_type: file.contentType,
    filename: file.filename,
    bytes: file.bytes,
    expires_at: new Date(now.getTime() + ttlMs),
  });
  return `${tenant}.${secret}`;
}

/** The snapshot behind a link's secret, unless it expired. */
export async function readLink(store: Store, tenant: string, secret: string, now: Date): Promise<{ bytes: Buffer; contentType: string; filename: string } | undefined> {
  const p = await port(store, tenant);
  const row = (await p
    .table('link')
    .where({ token_hash: createHash('sha256').update(secret).digest('hex') })
    .where('expires_at', '>', now)
    .first()) as { bytes: Buffer | Uint8Array; content_type: string; filename: string } | undefined;
  return row ? { bytes: Buffer.from(row.bytes), contentType: row.content_type, filename: row.filename } : undefined;
}
