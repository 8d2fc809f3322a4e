import { SandboxError } from './errors.ts';

interface TenantSlot {
  active: number;
  queue: Array<{ resolve: () => void; reject: (error: SandboxError) => void }>;
}

/** Per-tenant concurrency: up to `max` calls run, up to `maxQueued` wait, the rest are refused. */
export class TenantLimiter {
  readonly #max: number;
  readonly #maxQueued: number;
  readonly #slots = new Map<string, TenantSlot>();

  constructor(max: number, maxQueued: number) {
    this.#max = Math.max(1, max);
    this.#maxQueued = Math.max(0, maxQueued);
  }

  /** Synchronous fast path: true when a slot was taken. */
  tryAcquire(tenant: string): boolean {
    let slot = this.#slots.get(tenant);
    if (!slot) {
      slot = { active: 0, queue: [] };
      this.#slots.set(tenant, slot);
    }
    if (slot.active < this.#max) {
      slot.active++;
      return true;
    }
    return false;
  }

  /** Waits for a slot, or rejects with `concurrency_limit` when the tenant's queue is full. */
  acquire(tenant: string): Promise<void> {
    if (this.tryAcquire(tenant)) return Promise.resolve();
    const slot = this.#slots.get(tenant)!;
    if (slot.queue.length >= this.#maxQueued) {
      return Promise.reject(new SandboxError('concurrency_limit', `tenant has ${slot.active} sandbox calls running and ${slot.queue.length} queued (limit ${this.#max} + ${this.#maxQueued})`));
    }
    return new Promise<void>((resolve, reject) => slot.queue.push({ resolve, reject }));
  }

  release(tenant: string): void {
    const slot = this.#slots.get(tenant);
    if (!slot) return;
    const next = slot.queue.shift();
    if (next) {
      next.resolve();
      return;
    }
    slot.active--;
    if (slot.active <= 0) this.#slots.delete(tenant);
  }

  /** Fails every queued call (used by close()). */
  rejectQueued(error: SandboxError): void {
    for (const slot of this.#slots.values()) {
      for (const waiter of slot.queue.splice(0)) waiter.reject(error);
    }
  }

  active(tenant: string): number {
    return this.#slots.get(tenant)?.active ?? 0;
  }
}
