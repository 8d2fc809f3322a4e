import type { Knex } from 'knex';
import type { PlanStep, StepKind } from '../../types.ts';
import type { ChangeKind, ChangeOf } from '../changes.ts';
import type { Verdict } from '../classify.ts';

/**
 * What a step handler writes to: plan steps (one sentence each) and actions. An action's phase
 * orders the DDL across handlers: link and index drops (1), hides and purges (2), table renames
 * (3), column renames and adds (4), defaults and NOT NULL (5), indexes and links (6).
 */
export interface PlanOut {
  /** The schema-qualified, quoted name of a tenant table. */
  T(table: string): string;
  /** `message` and `params` say what `sentence` says in a form a client can translate; the message defaults to the kind. */
  step(kind: StepKind, object: { id: string; name: string }, sentence: string, extra?: Partial<PlanStep>): PlanStep;
  ddl(phase: number, sql: string, bindings?: readonly Knex.RawBinding[]): void;
  act(phase: number, run: (trx: Knex.Transaction) => Promise<unknown>): void;
}

/** Turns one classified change into at most one plan step (returned, so the planner can mark it refused) and its DDL. */
export type StepHandler<K extends ChangeKind> = (change: ChangeOf<K>, verdict: Verdict, out: PlanOut) => PlanStep | undefined;
