import type { Knex } from 'knex';
import type { Registry } from '@attain/meta';
import { qualified } from '../sql.ts';
import type { ApplyOptions, PhysicalState, PlanStep, StepKind } from '../types.ts';
import type { Change, ChangeKind } from './changes.ts';
import { classify } from './classify.ts';
import { diffSchemas } from './diff.ts';
import type { Snapshot } from './snapshot.ts';
import { stepHandlers } from './steps/handlers.ts';
import type { PlanOut, StepHandler } from './steps/out.ts';

/** One piece of DDL/DML, run in phase order so drops come before renames, renames before adds. */
export interface Action {
  phase: number;
  run(trx: Knex.Transaction): Promise<void>;
}

export interface Planned {
  steps: PlanStep[];
  actions: Action[];
  next: PhysicalState;
}

/** The order steps are shown in (the order their DDL runs in, roughly). */
const STEP_ORDER: StepKind[] = [
  'drop_foreign_key',
  'drop_index',
  'hide_object',
  'hide_field',
  'purge_field',
  'purge_object',
  'rename_table',
  'restore_object',
  'create_table',
  'rename_column',
  'restore_field',
  'add_column',
  'widen_column',
  'set_default',
  'drop_required',
  'set_required',
  'add_index',
  'add_foreign_key',
  'metadata_only',
];

/**
 * Plans a metadata change in three parts: `diffSchemas` lists the differences as data (pure),
 * `classify` decides each one's safety (asking the database only cheap read-only questions), and
 * one handler per change kind writes its step sentence and DDL. The apply runs every action in one
 * transaction, in phase order, and only when no step is refused.
 */
export async function planMigration(input: { schema: string; current: Registry; physical: PhysicalState; next: Registry; snapshot: Snapshot; opts: ApplyOptions }): Promise<Planned> {
  const { schema, snapshot, opts } = input;
  const diff = diffSchemas({ current: input.current, physical: input.physical, next: input.next, catalog: snapshot, purge: opts.purge ?? [] });
  const steps: Array<PlanStep & { order: number }> = [];
  const actions: Action[] = [];
  const out: PlanOut = {
    T: (table) => qualified(schema, table),
    step(kind, object, sentence, extra = {}) {
      const s = { kind, object, sentence, message: kind, params: {}, safe: true, ...extra, order: STEP_ORDER.indexOf(kind) };
      steps.push(s);
      return s;
    },
    act: (phase, run) => void actions.push({ phase, run: async (trx) => void (await run(trx)) }),
    ddl: (phase, sql, bindings = []) => void actions.push({ phase, run: async (trx) => void (await trx.raw(sql, bindings)) }),
  };
  for (const change of diff.changes) {
    const verdict = await classify(change, snapshot, opts);
    const s = handle(change, verdict, out);
    if (s && !verdict.safe) {
      s.safe = false;
      if (verdict.reason !== undefined) s.reason = verdict.reason;
    }
  }
  // Stable sorts: within a kind or phase, the diff's order (objects, then their fields) holds.
  steps.sort((a, b) => a.order - b.order);
  actions.sort((a, b) => a.phase - b.phase);
  return { steps: steps.map(({ order: _order, ...s }) => s), actions, next: diff.next };
}

function handle<K extends ChangeKind>(change: Change & { kind: K }, verdict: Parameters<StepHandler<K>>[1], out: PlanOut): PlanStep | undefined {
  return (stepHandlers[change.kind] as StepHandler<K>)(change as Parameters<StepHandler<K>>[0], verdict, out);
}
