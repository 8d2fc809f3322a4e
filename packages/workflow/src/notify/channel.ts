// A notification channel: how a rendered message reaches one user (the in-app inbox, email, …).
// Channels are registered by modules; the notifier, the preferences API and delivery jobs loop
// over the registered ones, so a new channel is one implementation and one registration.
import type { Core, Q, TenantCtx } from '../core.ts';

export interface ChannelDelivery {
  core: Core;
  /** The notifying transaction (or connection): inbox rows and delivery jobs commit with their cause. */
  q: Q;
  t: TenantCtx;
  /** The message's idempotency key; a channel keys its own rows/jobs from it and the user. */
  key: string;
  user: { id: string; name?: unknown; email?: unknown; locale?: unknown };
  message: { title: string; body: string };
  kind: string;
  object: string | null;
  recordId: string | null;
}

export interface NotificationChannel {
  /** Stable name, used in preferences (`channels.<name>`) and in flow/rule actions. */
  name: string;
  /** Sends to one user whose preferences allow this channel; false when the user cannot be reached this way. */
  send(delivery: ChannelDelivery): Promise<boolean>;
  /** Runs a durable delivery job (payload `channel` = this name) the channel enqueued in `send`. */
  deliver?(core: Core, payload: Record<string, unknown>): Promise<unknown>;
}

/** The channels of one workflow service, in registration order. */
export class NotificationChannels {
  private readonly byName = new Map<string, NotificationChannel>();

  register(channel: NotificationChannel): void {
    const current = this.byName.get(channel.name);
    if (current === channel) return;
    if (current) throw new Error(`notification channel "${channel.name}" is already registered`);
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(channel.name)) throw new Error(`bad notification channel name "${channel.name}"`);
    this.byName.set(channel.name, channel);
  }

  get(name: string): NotificationChannel | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): NotificationChannel[] {
    return [...this.byName.values()];
  }
}
