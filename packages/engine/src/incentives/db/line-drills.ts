// What a statement shows of each line's drill-down: the first credit ids, the source records behind
// them and the count (TRACE_IDS of each, the drill-down route pages through all). Computing it runs
// one drill-down query per line, so it is stored on the line row (`drill`) the first time the line
// is read and read back after that: a statement read is then a few indexed lookups.
//
// The stored value stays the drill-down's as long as what the drill-down reads stays put:
// - a run rewrites a payee's open lines whenever their credits, records, KPI actuals, plans or org
//   change (the change feed's recalculation), and a rewritten row starts with no drill;
// - freezing a period drops its lines' drills (frozen-rows.ts), which then read the snapshot;
// - a period frozen before snapshots existed reads today's credits: its drills are never stored;
// - the tenant's metadata revision, time zone and fiscal calendar (record sources, local days and
//   ranges) are part of the stored value's key: a change of any recomputes it on the next read.
// A run or a freeze racing a read cannot leave a stale drill: the update names the run that wrote
// the line, and one read live is not stored once the period has a snapshot.
import type { StatementLine } from '../types.ts';
import type { IncentiveEngine } from './engine.ts';
import { text, type EngineCore, type Row } from './engine-core.ts';
import { isSnapshotted } from './frozen-rows.ts';
import { TRACE_IDS } from './line-trace.ts';
import { FROZEN, type PeriodStatus } from './period-flow.ts';

/** The part of a line's trace the statement fills from its drill-down. */
export type TraceIds = Pick<StatementLine['trace'], 'creditIds' | 'sourceRecordIds' | 'creditCount'>;
type Stored = TraceIds & { version: string };

/** What the stored drills depend on besides the line row itself. */
async function drillVersion(core: EngineCore): Promise<string> {
  const registry = await core.store.registry(core.tenant);
  return `${registry.revision}|${core.timeZone}|${core.calendar.firstMonth}`;
}

/** A line's trace ids from its own drill-down (what the statement showed before they were stored). */
async function traceIds(engine: IncentiveEngine, line: StatementLine, plans: Parameters<IncentiveEngine['lineTrace']['behindLine']>[1], snapshotted: boolean): Promise<TraceIds> {
  const behind = await engine.lineTrace.behindLine(line, plans, TRACE_IDS, snapshotted);
  const ids = behind.credits.map((c) => text(c.id));
  const sources = [...new Set([...behind.credits.map((c) => text(c.record_id)), ...behind.records.map((r) => text(r.id))])];
  const count = behind.credits.length + behind.records.length;
  return { creditIds: ids, sourceRecordIds: sources, creditCount: count < TRACE_IDS ? count : Math.max(count, line.trace.creditCount) };
}

/**
 * Fills each line's trace ids (`rows`: the lines' rows as read, with `drill` and `run_id`), from
 * the stored drills, computing and storing the missing ones. `fresh`: compute every line's and
 * store nothing (what the stored ones are checked against).
 */
export async function fillTraceIds(core: EngineCore, engine: IncentiveEngine, period: string, status: PeriodStatus | null, lines: StatementLine[], rows: readonly Row[], fresh = false): Promise<void> {
  const version = await drillVersion(core);
  const missing: number[] = [];
  lines.forEach((line, i) => {
    const stored = fresh ? undefined : (rows[i]?.drill as Stored | null | undefined);
    if (stored && stored.version === version) line.trace = { ...line.trace, creditIds: stored.creditIds, sourceRecordIds: stored.sourceRecordIds, creditCount: stored.creditCount };
    else missing.push(i);
  });
  if (!missing.length) return;
  const { knex, t, schema } = await core.db();
  const plans = await engine.plans();
  const snapshotted = await isSnapshotted(knex, schema, period);
  // A period frozen without a snapshot lists today's credits: never stored.
  const keep = !fresh && (snapshotted || !status || !FROZEN.includes(status));
  const updates: Row[] = [];
  for (const i of missing) {
    const line = lines[i] as StatementLine;
    const ids = await traceIds(engine, line, plans, snapshotted);
    line.trace = { ...line.trace, ...ids };
    if (keep) updates.push({ key: line.key, run_id: rows[i]?.run_id, drill: { ...ids, version } });
  }
  if (!updates.length) return;
  await knex.raw(
    `update ${t('lines')} l set drill = x.drill from jsonb_to_recordset(?::jsonb) as x(key text, run_id text, drill jsonb)
     where l.payee_id = ? and l.period = ? and l.key = x.key and l.run_id = x.run_id
       and (?::boolean or not exists (select 1 from ${t('frozen_periods')} f where f.period = l.period))`,
    [JSON.stringify(updates), lines[0]?.payeeId ?? '', period, snapshotted],
  );
}
