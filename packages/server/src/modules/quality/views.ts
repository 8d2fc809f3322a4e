// What the routes and the report read back: the latest run, scores (1 − failed/checked) per rule,
// object, owner and team, and the issue list inside the caller's record scope.
import type { DataPort } from '@attain/store';
import type { AccessContext } from '../../rbac/context.ts';
import { RULE_KIND, type RuleDoc } from './kind.ts';

type Port = DataPort<'run' | 'issue' | 'count'>;

export interface RunRow {
  id: string;
  trigger: string;
  started_at: Date | string;
  finished_at: Date | string | null;
  rules: number;
  issues: number;
  new_issues: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export const runOut = (r: RunRow) => ({
  id: r.id,
  trigger: r.trigger,
  startedAt: iso(r.started_at) as string,
  finishedAt: iso(r.finished_at),
  rules: r.rules,
  issues: r.issues,
  newIssues: r.new_issues,
});

export async function latestRun(port: Port): Promise<RunRow | undefined> {
  return (await port.table('run').whereNotNull('finished_at').orderBy('started_at', 'desc').first()) as RunRow | undefined;
}

export async function recentRuns(port: Port, limit: number): Promise<RunRow[]> {
  return (await port.table('run').whereNotNull('finished_at').orderBy('started_at', 'desc').limit(limit)) as RunRow[];
}

/** A score from counts: the share of checked records that pass, to 4 decimals; null when nothing was checked. */
export const scoreOf = (checked: number, failed: number): number | null => (checked === 0 ? null : Math.round((1 - failed / checked) * 10_000) / 10_000);

export interface ScoreRow {
  key: string | null;
  checked: number;
  failed: number;
  score: number | null;
}

const GROUP = { rule: 'rule', object: 'object', owner: 'owner_id', team: 'team_id' } as const;
export type ScoreBy = keyof typeof GROUP;

/** Counts of a run summed by rule, object, owner or team (optionally of one rule). */
type ScopeOf = Awaited<ReturnType<AccessContext['scopes']>>;

/**
 * Limits rows of the issue or count table to the caller's record scope per object, as the list
 * routes apply it (`access.scopes()`: none, all, or the owners it covers), matched on the owner the
 * record had when it was scanned.
 */
function inScope(q: ReturnType<Port['table']>, objects: string[], scopeOf: ScopeOf): void {
  q.where((w) => {
    w.whereRaw('false');
    for (const object of objects) {
      const scope = scopeOf(object);
      if (scope === 'none') continue;
      if (scope === undefined) w.orWhere('object', object);
      else w.orWhere((x) => void x.where('object', object).whereIn('owner_id', scope.ownerIn));
    }
  });
}

export async function scoresBy(port: Port, runId: string, by: ScoreBy, rule?: string, scope?: { objects: string[]; scopeOf: ScopeOf }): Promise<ScoreRow[]> {
  const col = GROUP[by];
  const q = port
    .table('count')
    .where('run_id', runId)
    .groupBy(col)
    .orderBy(col)
    .select(port.knex.raw('?? as key', [col]), port.knex.raw('sum(checked)::int as checked'), port.knex.raw('sum(failed)::int as failed'));
  if (rule !== undefined) q.where('rule', rule);
  if (scope) inScope(q, scope.objects, scope.scopeOf);
  const rows = (await q) as Array<{ key: string | null; checked: number; failed: number }>;
  return rows.map((r) => ({ key: r.key, checked: r.checked, failed: r.failed, score: scoreOf(r.checked, r.failed) }));
}

/**
 * The rules on objects the caller reads, with their figures in a run (absent from the run: null
 * figures) over the records in the caller's scope: an administrator's are the tenant's, a rep's
 * their own records'.
 */
export async function rulesWithScores(port: Port, access: AccessContext, runId: string | undefined) {
  const scopeOf = await access.scopes();
  const rules = (access.registry.documentsOfKind(RULE_KIND) as RuleDoc[]).filter((r) => scopeOf(r.object) !== 'none');
  const objects = [...new Set(rules.map((r) => r.object))];
  const byRule = new Map(runId ? (await scoresBy(port, runId, 'rule', undefined, { objects, scopeOf })).map((s) => [s.key, s]) : []);
  return rules.map((r) => {
    const s = byRule.get(r.name);
    return {
      name: r.name,
      label: r.label,
      object: r.object,
      check: r.check,
      severity: r.severity ?? 'medium',
      ...(r.description ? { description: r.description } : {}),
      checked: s?.checked ?? null,
      failed: s?.failed ?? null,
      score: s?.score ?? null,
    };
  });
}

export interface IssueQuery {
  rule?: string;
  object?: string;
  limit: number;
  offset: number;
}

/** The issues of a run on records in the caller's scope (`inScope`). */
export async function issuesFor(port: Port, access: AccessContext, runId: string, query: IssueQuery) {
  const objects = [...new Set(((await port.table('issue').where('run_id', runId).distinct('object')) as Array<{ object: string }>).map((r) => r.object))];
  const q = port.table('issue').where('run_id', runId);
  inScope(q, objects, await access.scopes());
  if (query.rule !== undefined) q.where('rule', query.rule);
  if (query.object !== undefined) q.where('object', query.object);
  const total = Number(((await q.clone().count({ n: '*' }).first()) as { n: number | string }).n);
  const rows = (await q.orderBy(['object', 'rule', 'record_id']).limit(query.limit).offset(query.offset).select()) as Array<{
    rule: string;
    object: string;
    record_id: string;
    title: string | null;
    owner_id: string | null;
    team_id: string | null;
    detail: string | null;
    is_new: boolean;
  }>;
  return {
    total,
    data: rows.map((r) => ({
      rule: r.rule,
      object: r.object,
      recordId: r.record_id,
      title: r.title,
      ownerId: r.owner_id,
      teamId: r.team_id,
      detail: r.detail,
      isNew: r.is_new,
      url: `/o/${r.object}/${r.record_id}`,
      api: `/api/v1/objects/${r.object}/${r.record_id}`,
    })),
  };
}
