import type { Actor } from './types.ts';

/** One record write about to happen, seen by a before-write hook outside the write's transaction. */
export interface BeforeWriteInput {
  tenant: string;
  object: string;
  op: 'create' | 'update' | 'delete';
  /** The record id (update, delete; upsert rows that update). */
  id?: string;
  /** What the caller sends (create: the new record; update: the patch); absent for delete. */
  data?: Record<string, unknown>;
  /** The stored record (update, delete), all fields, read without a lock. */
  before?: Record<string, unknown>;
  actor: Actor;
}

/**
 * Returns the data to write instead (fields set by the hook), or undefined to keep it. Throws
 * (a StoreError) to refuse the write. Runs before validation, so what it returns is validated
 * like anything the caller sent.
 */
export type BeforeWriteHook = (input: BeforeWriteInput) => Promise<Record<string, unknown> | undefined>;

export interface BeforeWriteRegistration {
  /** Cheap test: does this hook care about writes to the object in this tenant? */
  wants(tenant: string, object: string): boolean | Promise<boolean>;
  run: BeforeWriteHook;
}

/**
 * Hooks that see every record write before it is validated (tenant plugins). Every write path
 * of the records service (create, update, upsert, delete) calls them, so REST, GraphQL, import
 * and plugin SDK writes all pass through. Like write guards they live in code.
 */
export class BeforeWriteHooks {
  private readonly hooks = new Map<string, BeforeWriteRegistration>();

  register(name: string, hook: BeforeWriteRegistration): void {
    this.hooks.set(name, hook);
  }

  unregister(name: string): void {
    this.hooks.delete(name);
  }

  /** The hooks interested in this object, or an empty list (the common case costs no await). */
  async interested(tenant: string, object: string): Promise<BeforeWriteRegistration[]> {
    if (this.hooks.size === 0) return [];
    const out: BeforeWriteRegistration[] = [];
    for (const h of this.hooks.values()) if (await h.wants(tenant, object)) out.push(h);
    return out;
  }

  /** Runs the interested hooks in turn; each sees the data the previous one returned. */
  static async apply(hooks: BeforeWriteRegistration[], input: BeforeWriteInput): Promise<Record<string, unknown> | undefined> {
    let data = input.data;
    for (const h of hooks) {
      const next = await h.run({ ...input, ...(data === undefined ? {} : { data }) });
      if (next !== undefined) data = next;
    }
    return data;
  }
}
