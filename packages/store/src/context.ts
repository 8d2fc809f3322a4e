import type { Knex } from 'knex';
import { Registry } from '@attain/meta';
import type { Database } from './database.ts';
import { StoreError } from './errors.ts';
import type { Actor, LocalChange, PhysicalState, Tenant } from './types.ts';
import { isUuid, uuidv7 } from './uuid.ts';
import { qualified } from './sql.ts';
import { EventBus, eventQueue, metadataQueue, type MetadataEvent, type RecordEvent } from './events.ts';
import { WriteGuards } from './write-guards.ts';
import { BeforeWriteHooks } from './write-hooks.ts';
import { DocumentChecks } from './document-checks.ts';
import { FormulaFunctions } from './formula/plugin-functions.ts';
import type { ChangeFeed } from './change-feed.ts';

const RECORD_OPS = new Set(['create', 'update', 'delete', 'restore']);
const REVISION_TRUST_MS = 60_000;

export type Q = Knex | Knex.Transaction;

export interface TenantRow {
  id: string;
  name: string;
  label: string | null;
  schema_name: string;
  revision: number;
  physical: PhysicalState;
  created_at: Date | string;
}

/** Everything the parts of one store share. Caches are keyed by tenant and revision only. */
export class Ctx {
  readonly db: Database;
  readonly knex: Knex;
  readonly control: string;
  readonly prefix: string;
  private readonly registries = new Map<string, Registry>();
  private readonly tenantNames = new Map<string, string>();
  readonly events = new EventBus();
  readonly guards = new WriteGuards();
  readonly beforeWrite = new BeforeWriteHooks();
  readonly documentChecks = new DocumentChecks();
  readonly formulaFunctions = new FormulaFunctions();
  private readonly localListeners = new Set<(change: LocalChange) => void>();
  readonly changes: ChangeFeed;
  /** Tenant rows last read, with the metadata version they were read at (see registry()). */
  private readonly rows = new Map<string, { row: TenantRow; meta: number | undefined; at: number }>();
  private readonly schemas = new Map<string, string>();

  constructor(db: Database, control: string, prefix: string) {
    this.db = db;
    this.knex = db.knex;
    this.control = control;
    this.prefix = prefix;
    this.changes = db.changes;
  }

  /** Runs `fn` once `q` has committed (at once outside a transaction); never after a rollback. */
  afterCommit(q: Q, fn: () => void): void {
    if (isTransaction(q)) q.executionPromise.then(fn, () => {});
    else fn();
  }

  subscribeLocal(listener: (change: LocalChange) => void): () => void {
    this.localListeners.add(listener);
    return () => void this.localListeners.delete(listener);
  }

  /** Tells this process's listeners about changes once `q` has committed (at once outside a transaction). */
  announce(q: Q, changes: LocalChange[]): void {
    if (changes.length === 0 || this.localListeners.size === 0) return;
    const fire = () => {
      for (const change of changes) for (const listener of this.localListeners) listener(change);
    };
    // A rolled-back transaction changed nothing, so there is nothing to announce.
    if (isTransaction(q)) q.executionPromise.then(fire, () => {});
    else fire();
  }

  table(q: Q, name: string): Knex.QueryBuilder {
    return q.withSchema(this.control).table(name);
  }

  async tenantRow(q: Q, name: string, opts: { forUpdate?: boolean; light?: boolean } = {}): Promise<TenantRow> {
    if (typeof name !== 'string') throw new StoreError('not_found', 'No such tenant');
    // The light form skips the physical-state document: it is the per-request revision check.
    const cols = opts.light ? ['id', 'name', 'label', 'schema_name', 'revision', 'created_at'] : ['*'];
    let query = this.table(q, 'tenants').where({ name }).first(cols);
    if (opts.forUpdate) query = query.forUpdate();
    const row = (await query) as TenantRow | undefined;
    if (!row) throw new StoreError('not_found', `No tenant named "${name.slice(0, 64)}"`);
    return { ...row, revision: Number(row.revision) };
  }

  /**
   * The tenant's registry at its current revision. One cheap query checks the revision, so a
   * change applied by another node is seen on the next call; the parsed registry is cached per
   * (tenant, revision).
   */
  async registry(q: Q, tenant: string): Promise<{ registry: Registry; row: TenantRow }> {
    // Outside a transaction, a row read earlier stands while the change feed says the tenant's
    // metadata has not moved since (and for at most REVISION_TRUST_MS, a bound should a
    // notification ever be lost without the connection dropping).
    const outside = q === this.knex;
    const known = outside ? this.rows.get(tenant) : undefined;
    const before = known ? this.changes.metaVersion(known.row.schema_name) : undefined;
    if (known && before !== undefined && known.meta === before && Date.now() - known.at < REVISION_TRUST_MS) {
      const cached = this.registries.get(known.row.name);
      if (cached && cached.revision === known.row.revision) return { registry: cached, row: known.row };
    }
    const row = await this.tenantRow(q, tenant, { light: true });
    this.schemas.set(row.id, row.schema_name);
    // The version is the one read before the query (a change landing meanwhile makes the next
    // call read again); a first read has none, so it is trusted from the second on.
    if (outside) this.rows.set(tenant, { row, meta: known?.row.schema_name === row.schema_name ? before : undefined, at: Date.now() });
    const cached = this.registries.get(row.name);
    if (cached && cached.revision === row.revision) return { registry: cached, row };
    const registry = await this.registryAt(q, row, row.revision);
    this.registries.set(row.name, registry);
    return { registry, row };
  }

  async registryAt(q: Q, row: TenantRow, revision: number): Promise<Registry> {
    const rev = (await this.table(q, 'metadata_revisions').where({ tenant_id: row.id, revision }).first('docs')) as { docs: unknown[] } | undefined;
    if (!rev) throw new StoreError('not_found', `Tenant "${row.name}" has no revision ${revision}`);
    return Registry.fromDocuments(rev.docs, revision);
  }

  async audit(
    q: Q,
    e: { tenantId: string; actor: Actor; action: string; object?: string | null; recordId?: string | null; before?: unknown; after?: unknown; revision?: number | null },
  ): Promise<void> {
    await this.auditMany(q, [e]);
  }

  async auditMany(
    q: Q,
    entries: Array<{ tenantId: string; actor: Actor; action: string; object?: string | null; recordId?: string | null; before?: unknown; after?: unknown; revision?: number | null }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.insertAudit(q, entries);
    // Every record write is audited: this process's caches see it as soon as it commits.
    const written = new Set(entries.filter((e) => e.object).map((e) => this.schemas.get(e.tenantId)));
    for (const schema of written) if (schema) this.afterCommit(q, () => this.changes.bumpData(schema));
    // Every record write is audited, so this is where a changed user (role, active, …) is seen.
    this.announce(
      q,
      entries.filter((e) => e.object === 'user' && e.recordId).map((e) => ({ kind: 'user', userId: e.recordId as string })),
    );
    await this.emitRecordEvents(q, entries);
    await this.emitMetadataEvents(q, entries);
  }

  /** Appends audit rows only: module actions (plan saves, period status, …) are no record changes, so no events or cache bumps. */
  async insertAudit(
    q: Q,
    entries: Array<{ tenantId: string; actor: Actor; action: string; object?: string | null; recordId?: string | null; before?: unknown; after?: unknown; revision?: number | null }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      tenant_id: e.tenantId,
      actor_id: e.actor.userId,
      actor_label: e.actor.label ?? null,
      action: e.action,
      object: e.object ?? null,
      record_id: e.recordId ?? null,
      before: e.before === undefined ? null : e.before,
      after: e.after === undefined ? null : e.after,
      revision: e.revision ?? null,
    }));
    // One statement and one bound JSON value for the whole batch (a bulk chunk is 1,000 entries
    // with before/after each), read into the table's own row type; before/after stay documents.
    const table = qualified(this.control, 'audit_log');
    const cols = '"tenant_id", "actor_id", "actor_label", "action", "object", "record_id", "before", "after", "revision"';
    await q.raw(`insert into ${table} (${cols}) select ${cols} from jsonb_populate_recordset(null::${table}, ?::jsonb)`, [JSON.stringify(rows)]);
  }

  /** The outbox for metadata changes: one job per metadata consumer and new revision, in the applying transaction. */
  private async emitMetadataEvents(q: Q, entries: Array<{ tenantId: string; actor: Actor; action: string; revision?: number | null }>): Promise<void> {
    const consumers = this.events.metadataConsumers();
    if (consumers.length === 0) return;
    for (const e of entries) {
      if (!e.action.startsWith('metadata.') || typeof e.revision !== 'number') continue;
      const tenant = await this.tenantName(q, e.tenantId);
      const at = new Date();
      const event: MetadataEvent = { tenant, revision: e.revision, actor: e.actor, at: at.toISOString() };
      const payload = JSON.stringify(event);
      await this.table(q, 'jobs').insert(consumers.map((consumer) => ({ id: uuidv7(), queue: metadataQueue(consumer), tenant, key: null, payload, run_at: at })));
    }
  }

  /** The outbox: one job per subscribed consumer and record change, in the writing transaction. */
  private async emitRecordEvents(
    q: Q,
    entries: Array<{ tenantId: string; actor: Actor; action: string; object?: string | null; recordId?: string | null; before?: unknown; after?: unknown; revision?: number | null }>,
  ): Promise<void> {
    const jobs: Array<Record<string, unknown>> = [];
    const at = new Date();
    for (const e of entries) {
      if (!e.object || !e.recordId || !RECORD_OPS.has(e.action)) continue;
      // Unfiltered first: a write no consumer follows costs no tenant lookup.
      if (this.events.consumersFor(e.object).length === 0) continue;
      const tenant = await this.tenantName(q, e.tenantId);
      const consumers = this.events.consumersFor(e.object, tenant, e.action);
      if (consumers.length === 0) continue;
      const event: RecordEvent = {
        tenant,
        object: e.object,
        recordId: e.recordId,
        op: e.action as RecordEvent['op'],
        before: (e.before ?? null) as RecordEvent['before'],
        after: (e.after ?? null) as RecordEvent['after'],
        actor: e.actor,
        revision: e.revision ?? null,
        at: at.toISOString(),
      };
      const payload = JSON.stringify(event);
      for (const consumer of consumers) jobs.push({ id: uuidv7(), queue: eventQueue(consumer), tenant, key: null, payload, run_at: at });
    }
    for (let i = 0; i < jobs.length; i += 500) await this.table(q, 'jobs').insert(jobs.slice(i, i + 500));
  }

  private async tenantName(q: Q, id: string): Promise<string> {
    const cached = this.tenantNames.get(id);
    if (cached) return cached;
    const row = (await this.table(q, 'tenants').where({ id }).first('name')) as { name: string } | undefined;
    if (!row) throw new StoreError('not_found', 'No such tenant');
    this.tenantNames.set(id, row.name);
    return row.name;
  }
}

function isTransaction(q: Q): q is Knex.Transaction {
  return (q as Partial<Knex.Transaction>).isTransaction === true;
}

export function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    label: row.label,
    schema: row.schema_name,
    revision: Number(row.revision),
    createdAt: toIso(row.created_at),
  };
}

export function toIso(v: Date | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}

export function actorUuid(actor: Actor | undefined): string | null {
  return actor && isUuid(actor.userId) ? actor.userId.toLowerCase() : null;
}

export function checkActor(actor: unknown): Actor {
  if (!actor || typeof actor !== 'object' || !('userId' in actor)) {
    throw new StoreError('validation_failed', 'An actor is required for every change', [{ path: '/actor', rule: 'required', message: 'say who makes the change' }]);
  }
  const a = actor as Actor;
  if (a.userId !== null && typeof a.userId !== 'string') throw new StoreError('validation_failed', 'actor.userId must be a string or null');
  return a;
}
