// The monthly data health report (issue #18, item 6): the month's data-quality scores (its latest
// run) and their trend over its runs, the worst records, import and integration errors per source,
// API latency percentiles per route from the persisted latency history of every node, and index
// usage on the tenant's largest tables from PostgreSQL's statistics.
import type { Store } from '../../store-port.ts';
import { databaseHealth, type DatabaseHealth, type Unavailable } from './report-db.ts';
import { errorSections, type ErrorSection } from './report-errors/index.ts';
import { monthLatencies, type RouteLatency } from './report-latency.ts';
import { qualityTables } from './tables.ts';
import { runOut, scoreOf, scoresBy, type RunRow, type ScoreRow } from './views.ts';

export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';

export interface HealthReport {
  month: string;
  generatedAt: string;
  run: ReturnType<typeof runOut> | null;
  scores: { overall: { checked: number; failed: number; score: number | null }; byRule: ScoreRow[]; byObject: ScoreRow[]; byTeam: ScoreRow[] } | null;
  trend: Array<{ runId: string; startedAt: string; checked: number; failed: number; score: number | null; issues: number }>;
  worstRecords: Array<{ object: string; recordId: string; title: string | null; ownerId: string | null; issues: number; rules: string[]; url: string }>;
  errors: ErrorSection[];
  latency: RouteLatency[];
  database: DatabaseHealth | Unavailable;
}

export const monthOf = (d: Date) => d.toISOString().slice(0, 7);
const monthBounds = (month: string): [Date, Date] => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return [new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 1))];
};

export async function buildReport(store: Store, tenant: string, month: string, opts: { now?: Date } = {}): Promise<HealthReport> {
  const port = await store.port(tenant, qualityTables);
  const [from, to] = monthBounds(month);
  const runs = (await port.table('run').whereNotNull('finished_at').where('started_at', '>=', from).where('started_at', '<', to).orderBy('started_at')) as RunRow[];
  const totals = runs.length
    ? ((await port
        .table('count')
        .whereIn(
          'run_id',
          runs.map((r) => r.id),
        )
        .groupBy('run_id')
        .select('run_id', port.knex.raw('sum(checked)::int as checked'), port.knex.raw('sum(failed)::int as failed'))) as Array<{ run_id: string; checked: number; failed: number }>)
    : [];
  const byRun = new Map(totals.map((t) => [t.run_id, t]));
  const trend = runs.map((r) => {
    const t = byRun.get(r.id) ?? { checked: 0, failed: 0 };
    return { runId: r.id, startedAt: new Date(r.started_at).toISOString(), checked: t.checked, failed: t.failed, score: scoreOf(t.checked, t.failed), issues: r.issues };
  });
  const last = runs.at(-1);
  let scores: HealthReport['scores'] = null;
  let worstRecords: HealthReport['worstRecords'] = [];
  if (last) {
    const overall = trend.at(-1) as (typeof trend)[number];
    scores = {
      overall: { checked: overall.checked, failed: overall.failed, score: overall.score },
      byRule: await scoresBy(port, last.id, 'rule'),
      byObject: await scoresBy(port, last.id, 'object'),
      byTeam: await scoresBy(port, last.id, 'team'),
    };
    const worst = (await port
      .table('issue')
      .where('run_id', last.id)
      .groupBy('object', 'record_id', 'title', 'owner_id')
      .select('object', 'record_id', 'title', 'owner_id', port.knex.raw('count(*)::int as n'), port.knex.raw('array_agg(rule order by rule) as rules'))
      .orderBy([{ column: 'n', order: 'desc' }, 'object', 'record_id'])
      .limit(10)) as Array<{ object: string; record_id: string; title: string | null; owner_id: string | null; n: number; rules: string[] }>;
    worstRecords = worst.map((w) => ({ object: w.object, recordId: w.record_id, title: w.title, ownerId: w.owner_id, issues: w.n, rules: w.rules, url: `/o/${w.object}/${w.record_id}` }));
  }
  return {
    month,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    run: last ? runOut(last) : null,
    scores,
    trend,
    worstRecords,
    errors: await errorSections(store, tenant, from, to),
    latency: await monthLatencies(store, tenant, from, to),
    database: await databaseHealth(store.db.knex, store.db.dialect, port.schema),
  };
}
