// A scan: every `quality.rule` of the tenant in a few set-based statements (scan-plan.ts). On
// PostgreSQL they run at once, each in its own transaction on its own connection; PGlite has one
// connection and runs them in turn, in one transaction. Readers read finished runs only, so the run
// is marked finished when every statement is in, and removed (with what it stored) if one fails.
// Owners with issues that the previous run did not have are notified once per run.
import { uuidv7 } from '@attain/store';
import { notifyUsers, type Workflow } from '@attain/workflow';
import type { Store } from '../../store-port.ts';
import { RULE_KIND, type RuleDoc } from './kind.ts';
import { scanStatements } from './scan-plan.ts';
import type { Sql } from './scan-sql.ts';
import { qualityTables } from './tables.ts';

/** For this transaction only (`set local`), so the server's other work keeps its own setting. */
export const SCAN_WORK_MEM = "set local work_mem = '64MB'";
/**
 * Also for the transaction only: every join of a scan statement is a hash join (or a one-row cross
 * join), but the previous run's issues were written since the table was last analysed, so the
 * planner can think there are none and pick a nested loop over them: quadratic in the issues.
 */
export const SCAN_NO_NESTLOOP = 'set local enable_nestloop = off';

export async function scanSettings(trx: { raw(sql: string): Promise<unknown> }): Promise<void> {
  // Duplicates and outliers sort the whole object: in memory rather than in temporary files.
  await trx.raw(SCAN_WORK_MEM);
  await trx.raw(SCAN_NO_NESTLOOP);
}

/** Statements run at once on PostgreSQL (each holds a connection of the pool while it runs). */
export const SCAN_PARALLEL = Math.max(1, Number(process.env.ATTAIN_QUALITY_SCAN_PARALLEL ?? 3));

export interface ScanResult {
  runId: string;
  rules: number;
  issues: number;
  newIssues: number;
  /** Owners told of their new issues. */
  notified: number;
  startedAt: string;
  finishedAt: string;
}

export interface ScanOptions {
  trigger: 'manual' | 'schedule';
  now?: Date;
  /** Owners with new issues are told through it (inbox and their channels); absent: nobody is told. */
  workflow?: Workflow;
}

const NEW_ISSUES = {
  title: { en: '{{count}} new data-quality issue(s) on your records', 'zh-CN': '您的记录有 {{count}} 个新的数据质量问题' },
  body: {
    en: 'The data-quality scan found {{count}} new issue(s) on records you own ({{rules}}). Open Data quality to see and fix them.',
    'zh-CN': '数据质量扫描在您负责的记录上发现 {{count}} 个新问题（{{rules}}）。请打开“数据质量”查看并修正。',
  },
};

export async function runScan(store: Store, tenant: string, opts: ScanOptions): Promise<ScanResult> {
  const now = opts.now ?? new Date();
  const registry = await store.registry(tenant);
  const rules = registry.documentsOfKind(RULE_KIND) as RuleDoc[];
  const port = await store.port(tenant, qualityTables);
  const runId = uuidv7();
  const startedAt = new Date();
  const previous = (await port.table('run').whereNotNull('finished_at').orderBy('started_at', 'desc').first('id')) as { id: string } | undefined;
  const target = { registry, schema: port.schema, now };
  const run = { runId, previousRunId: previous?.id ?? null, issueTable: port.name('issue'), countTable: port.name('count') };
  await port.table('run').insert({ id: runId, trigger: opts.trigger, started_at: startedAt, rules: rules.length });
  const statements = scanStatements(rules, target, run).map((s) => s.sql);
  try {
    if (store.db.dialect === 'postgres') await inParallel(port.knex, statements, SCAN_PARALLEL);
    else
      await port.knex.transaction(async (trx) => {
        await scanSettings(trx);
        for (const s of statements) await trx.raw(s.sql, s.bindings as never);
      });
  } catch (error) {
    // Nothing of a failed run stays: the statements that did commit are undone here.
    await port.knex.transaction(async (trx) => {
      await port.table('issue', trx).where('run_id', runId).delete();
      await port.table('count', trx).where('run_id', runId).delete();
      await port.table('run', trx).where('id', runId).delete();
    });
    throw error;
  }
  const totals = (await port.table('issue').where('run_id', runId).select(port.knex.raw('count(*)::int as issues'), port.knex.raw('(count(*) filter (where is_new))::int as new_issues')).first()) as {
    issues: number;
    new_issues: number;
  };
  const finishedAt = new Date();
  await port.table('run').where('id', runId).update({ finished_at: finishedAt, issues: totals.issues, new_issues: totals.new_issues });
  let notified = 0;
  if (opts.workflow && totals.new_issues > 0) {
    const owners = (await port
      .table('issue')
      .where({ run_id: runId, is_new: true })
      .whereNotNull('owner_id')
      .groupBy('owner_id')
      .select('owner_id', port.knex.raw('count(*)::int as n'), port.knex.raw("string_agg(distinct rule, ', ') as rules"))) as Array<{ owner_id: string; n: number; rules: string }>;
    for (const o of owners) {
      const sent = await notifyUsers(opts.workflow, tenant, {
        to: [o.owner_id],
        template: NEW_ISSUES,
        vars: { count: o.n, rules: o.rules },
        kind: 'data_quality',
        key: `quality:${runId}:${o.owner_id}`,
      });
      if (sent > 0) notified++;
    }
  }
  await port.audit({
    actor: { userId: null, label: `quality scan (${opts.trigger})` },
    action: 'quality.run.finish',
    object: 'quality.run',
    recordId: runId,
    after: { rules: rules.length, ...totals },
  });
  return { runId, rules: rules.length, issues: totals.issues, newIssues: totals.new_issues, notified, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() };
}

type Knex = Awaited<ReturnType<Store['port']>>['knex'];

/** Runs the statements `width` at a time, each in its own transaction; rejects once all have settled if any failed. */
async function inParallel(knex: Knex, statements: Sql[], width: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < statements.length) {
      const s = statements[next++] as Sql;
      try {
        await knex.transaction(async (trx) => {
          await scanSettings(trx);
          await trx.raw(s.sql, s.bindings as never);
        });
      } catch (error) {
        errors.push(error);
        // The rest is not started: the run is abandoned anyway.
        next = statements.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, statements.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
