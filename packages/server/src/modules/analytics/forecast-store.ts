// The forecast's own tables: every submission kept (history; the latest one counts), the weekly
// snapshots of computed numbers, and the tenant's stage → category map. Writes are audited through
// the module's port in their own transaction.
import { dec, money } from '@attain/meta/decimal/fixed';
import type { Actor, TenantModule } from '@attain/store';
import type { Store } from '../../store-port.ts';
import type { CategoryOrOmitted } from './forecast-period.ts';

export const forecastTables: TenantModule<'submission' | 'snapshot' | 'setting'> = {
  name: 'analytics_forecast',
  tables: ['submission', 'snapshot', 'setting'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = trx.schema.withSchema(schema);
        if (!(await s.hasTable('attain_analytics_forecast_submission'))) {
          await trx.schema.withSchema(schema).createTable('attain_analytics_forecast_submission', (t) => {
            t.uuid('id').primary().defaultTo(trx.raw('gen_random_uuid()'));
            t.text('period').notNullable();
            t.uuid('user_id').notNullable();
            // 'own': a person's forecast; 'override': a manager's override of their team's roll-up.
            t.text('kind').notNullable();
            t.uuid('unit_id');
            t.decimal('commit', 20, 2).notNullable();
            t.decimal('best_case', 20, 2).notNullable();
            t.text('note');
            t.timestamp('submitted_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
            t.index(['period', 'user_id', 'kind']);
          });
        }
        if (!(await trx.schema.withSchema(schema).hasTable('attain_analytics_forecast_snapshot'))) {
          await trx.schema.withSchema(schema).createTable('attain_analytics_forecast_snapshot', (t) => {
            t.text('week').notNullable();
            t.text('period').notNullable();
            t.uuid('user_id').notNullable();
            t.jsonb('numbers').notNullable();
            t.jsonb('submission');
            t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
            t.primary(['week', 'period', 'user_id']);
          });
        }
        if (!(await trx.schema.withSchema(schema).hasTable('attain_analytics_forecast_setting'))) {
          await trx.schema.withSchema(schema).createTable('attain_analytics_forecast_setting', (t) => {
            t.text('name').primary();
            t.jsonb('value').notNullable();
          });
        }
      },
    },
  ],
};

export interface Submission {
  id: string;
  period: string;
  userId: string;
  kind: 'own' | 'override';
  unitId: string | null;
  commit: string;
  bestCase: string;
  note: string | null;
  submittedAt: string;
}

interface SubmissionRow {
  id: string;
  period: string;
  user_id: string;
  kind: 'own' | 'override';
  unit_id: string | null;
  commit: string | number;
  best_case: string | number;
  note: string | null;
  submitted_at: Date | string;
}

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
/** numeric(20, 2) as the drivers return it (text, or a number) → money text with 2 decimals. */
const moneyOf = (v: string | number): string => money(dec(v));

const fromRow = (r: SubmissionRow): Submission => ({
  id: r.id,
  period: r.period,
  userId: r.user_id,
  kind: r.kind,
  unitId: r.unit_id,
  commit: moneyOf(r.commit),
  bestCase: moneyOf(r.best_case),
  note: r.note,
  submittedAt: iso(r.submitted_at),
});

export async function addSubmission(store: Store, tenant: string, s: Omit<Submission, 'id' | 'submittedAt'>, actor: Actor, at = new Date()): Promise<Submission> {
  const port = await store.port(tenant, forecastTables);
  return port.knex.transaction(async (trx) => {
    const row = { period: s.period, user_id: s.userId, kind: s.kind, unit_id: s.unitId, commit: s.commit, best_case: s.bestCase, note: s.note, submitted_at: at };
    const [saved] = (await port.table('submission', trx).insert(row).returning('*')) as SubmissionRow[];
    const out = fromRow(saved as SubmissionRow);
    await port.audit({ actor, action: `analytics.forecast.${s.kind === 'own' ? 'submit' : 'override'}`, object: 'analytics_forecast_submission', recordId: out.id, before: null, after: out }, trx);
    return out;
  });
}

/**
 * Submissions of these people for a period, newest first; `before`: only those made before that moment
 * (accuracy reads what was known when the period ended).
 */
export async function submissionsOf(store: Store, tenant: string, period: string, userIds: readonly string[], kind: 'own' | 'override', before?: Date): Promise<Submission[]> {
  if (userIds.length === 0) return [];
  const port = await store.port(tenant, forecastTables);
  const q = port
    .table('submission')
    .where({ period, kind })
    .whereIn('user_id', [...userIds]);
  if (before) q.where('submitted_at', '<', before);
  return (
    (await q.orderBy([
      { column: 'submitted_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])) as SubmissionRow[]
  ).map(fromRow);
}

/** The latest submission per person (the first of each in a newest-first list). */
export function latestBy(subs: readonly Submission[]): Map<string, Submission> {
  const out = new Map<string, Submission>();
  for (const s of subs) if (!out.has(s.userId)) out.set(s.userId, s);
  return out;
}

export async function stageMapSetting(store: Store, tenant: string): Promise<Record<string, CategoryOrOmitted> | undefined> {
  const port = await store.port(tenant, forecastTables);
  const row = (await port.table('setting').where({ name: 'stage_map' }).first()) as { value: unknown } | undefined;
  if (!row) return undefined;
  return (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as Record<string, CategoryOrOmitted>;
}

export async function saveStageMap(store: Store, tenant: string, map: Record<string, CategoryOrOmitted>, actor: Actor): Promise<void> {
  const port = await store.port(tenant, forecastTables);
  await port.knex.transaction(async (trx) => {
    const before = (await port.table('setting', trx).where({ name: 'stage_map' }).forUpdate().first()) as { value: unknown } | undefined;
    await port
      .table('setting', trx)
      .insert({ name: 'stage_map', value: JSON.stringify(map) })
      .onConflict('name')
      .merge();
    await port.audit({ actor, action: 'analytics.forecast.settings', object: 'analytics_forecast_setting', before: before?.value ?? null, after: map }, trx);
  });
}

export interface SnapshotRow {
  week: string;
  period: string;
  userId: string;
  numbers: unknown;
  submission: Submission | null;
  takenAt: string;
}

/** Stores one person's week (running the week's job again replaces it: the job is idempotent). */
export async function saveSnapshot(store: Store, tenant: string, s: Omit<SnapshotRow, 'takenAt'>, at: Date): Promise<void> {
  const port = await store.port(tenant, forecastTables);
  const row = { week: s.week, period: s.period, user_id: s.userId, numbers: JSON.stringify(s.numbers), submission: s.submission ? JSON.stringify(s.submission) : null, taken_at: at };
  await port.table('snapshot').insert(row).onConflict(['week', 'period', 'user_id']).merge();
}

export async function snapshotsOf(store: Store, tenant: string, period: string, userIds: readonly string[]): Promise<SnapshotRow[]> {
  if (userIds.length === 0) return [];
  const port = await store.port(tenant, forecastTables);
  const rows = (await port
    .table('snapshot')
    .where({ period })
    .whereIn('user_id', [...userIds])
    .orderBy(['week', 'user_id'])) as Array<{ week: string; period: string; user_id: string; numbers: unknown; submission: unknown; taken_at: Date | string }>;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return rows.map((r) => ({ week: r.week, period: r.period, userId: r.user_id, numbers: json(r.numbers), submission: (json(r.submission) as Submission | null) ?? null, takenAt: iso(r.taken_at) }));
}
