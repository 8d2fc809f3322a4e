import type { Knex } from 'knex';
import type { Registry } from '@attain/meta';
import type { Actor } from './types.ts';

/** One record write about to happen, seen by a guard inside the write's transaction. */
export interface WriteGuardInput {
  tenant: string;
  /** The tenant's schema, already validated. */
  schema: string;
  registry: Registry;
  object: string;
  op: 'update' | 'delete';
  id: string;
  /** The row before the write (all fields, serialized). */
  before: Record<string, unknown>;
  /** What the caller asked to change (update only), keyed by field name. */
  patch?: Record<string, unknown>;
  actor: Actor;
  /** Every query a guard runs must use this (PGlite has one connection). */
  trx: Knex.Transaction;
}

/** Throws (a StoreError) to refuse the write; the transaction then rolls back. */
export type WriteGuard = (input: WriteGuardInput) => Promise<void>;

/**
 * Vetoes on record writes registered by platform modules (e.g. workflow locks fields while an
 * approval is pending). Like event subscriptions they live in code: every node registers the same.
 */
export class WriteGuards {
  private readonly guards = new Map<string, WriteGuard>();

  register(name: string, guard: WriteGuard): void {
    this.guards.set(name, guard);
  }

  unregister(name: string): void {
    this.guards.delete(name);
  }

  async check(input: WriteGuardInput): Promise<void> {
    for (const guard of this.guards.values()) await guard(input);
  }
}
