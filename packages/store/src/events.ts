/** A record change, delivered to each subscribed consumer as a job on queue `event:<consumer>`. */
export interface RecordEvent {
  tenant: string;
  object: string;
  recordId: string;
  op: 'create' | 'update' | 'delete' | 'restore';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  actor: { userId: string | null; label?: string };
  revision: number | null;
  at: string;
}

export interface EventSubscription {
  /** Stable consumer name; its queue is `event:<consumer>`. */
  consumer: string;
  /** Objects it cares about; all when omitted. */
  objects?: string[];
  /** Also told of every metadata change (apply, rollback) on `metadata:<consumer>`. */
  metadata?: boolean;
  /**
   * A cheap, synchronous test run per write (e.g. "does this tenant have a plugin with an
   * after-hook on this object?"), so a consumer interested in few tenants costs the others nothing.
   */
  accepts?: (tenant: string, object: string, op: string) => boolean;
}

/** A tenant's metadata changed: a module derives what it keeps from the new revision (KPI actuals, plans). */
export interface MetadataEvent {
  tenant: string;
  revision: number;
  actor: { userId: string | null; label?: string };
  at: string;
}

export const eventQueue = (consumer: string): string => `event:${consumer}`;
export const metadataQueue = (consumer: string): string => `metadata:${consumer}`;

/**
 * Subscriptions live in code, not in the database: every node registers the same ones at start,
 * and each record write enqueues one job per matching subscription in the write's transaction
 * (a transactional outbox), so no change is lost and none is delivered twice per consumer.
 */
export class EventBus {
  private readonly subs = new Map<string, EventSubscription>();

  subscribe(sub: EventSubscription): void {
    if (!/^[a-z][a-z0-9_.-]{0,80}$/.test(sub.consumer)) throw new Error(`bad consumer name ${sub.consumer}`);
    this.subs.set(sub.consumer, sub);
  }

  unsubscribe(consumer: string): void {
    this.subs.delete(consumer);
  }

  /** Consumers that list the object by name (those without a list are not sent internal events). */
  namedConsumersFor(object: string): string[] {
    return [...this.subs.values()].filter((s) => s.objects?.includes(object)).map((s) => s.consumer);
  }

  consumersFor(object: string, tenant?: string, op?: string): string[] {
    return [...this.subs.values()].filter((s) => (!s.objects || s.objects.includes(object)) && (!s.accepts || tenant === undefined || s.accepts(tenant, object, op ?? ''))).map((s) => s.consumer);
  }

  metadataConsumers(): string[] {
    return [...this.subs.values()].filter((s) => s.metadata).map((s) => s.consumer);
  }
}
