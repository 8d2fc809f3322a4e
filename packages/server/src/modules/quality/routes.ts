// Data quality over HTTP: run a scan now (admins), the rules with their scores, the scores by
// object, owner or team (admins), and the issues of the latest run inside the caller's record scope.
import { workflowFor } from '@attain/workflow';
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden } from '../../http/errors.ts';
import { INTEGER, list, NO_BODY, nullable, NUMBER, object, query, replies, STRING, BOOLEAN, ANY } from '../../http/route-schema.ts';
import type { AccessContext } from '../../rbac/context.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { scheduleNightly } from './jobs.ts';
import { scheduleMonthly } from './report-jobs.ts';
import { runScan } from './scan.ts';
import { qualityTables } from './tables.ts';
import { issuesFor, latestRun, recentRuns, rulesWithScores, runOut, scoresBy, type ScoreBy } from './views.ts';

const tags = ['quality'];
export const RUN = object({ id: STRING, trigger: STRING, startedAt: STRING, finishedAt: nullable(STRING), rules: INTEGER, issues: INTEGER, newIssues: INTEGER }, [
  'id',
  'trigger',
  'startedAt',
  'finishedAt',
  'rules',
  'issues',
  'newIssues',
]);
const SCAN = object({ runId: STRING, rules: INTEGER, issues: INTEGER, newIssues: INTEGER, notified: INTEGER, startedAt: STRING, finishedAt: STRING }, [
  'runId',
  'rules',
  'issues',
  'newIssues',
  'notified',
]);
const NULL_INT = nullable(INTEGER);
const RULE = object({ name: STRING, label: ANY, object: STRING, check: STRING, severity: STRING, description: STRING, checked: NULL_INT, failed: NULL_INT, score: nullable(NUMBER) }, [
  'name',
  'label',
  'object',
  'check',
  'severity',
  'checked',
  'failed',
  'score',
]);
export const SCORE = object({ key: nullable(STRING), checked: INTEGER, failed: INTEGER, score: nullable(NUMBER) }, ['key', 'checked', 'failed', 'score']);
const ISSUE = object(
  { rule: STRING, object: STRING, recordId: STRING, title: nullable(STRING), ownerId: nullable(STRING), teamId: nullable(STRING), detail: nullable(STRING), isNew: BOOLEAN, url: STRING, api: STRING },
  ['rule', 'object', 'recordId', 'url', 'isNew'],
);
const NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' };

export function requireAdmin(access: AccessContext, what: string): void {
  if (!isAdmin(access.principal.role)) throw forbidden(`only an administrator ${what}`, [{ path: '/role', rule: 'admin', message: 'administrators only' }]);
}

function intParam(value: string | undefined, fallback: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,6}$/.test(value) || n > max) throw badRequest('invalid_query', `${path.slice(1)} must be a whole number from 0 to ${max}`, [{ path, rule: 'range', message: `0 to ${max}` }]);
  return n;
}

export async function qualityRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const portOf = (tenant: string) => store.port(tenant, qualityTables);

  app.post(
    '/quality/runs',
    { config: { summary: 'Run the data-quality scan now (administrators)', tags }, schema: { body: NO_BODY, response: replies({ 201: object({ data: SCAN }, ['data']) }) } },
    async (request, reply) => {
      const access = requireAccess(request);
      requireAdmin(access, 'runs the data-quality scan');
      const result = await runScan(store, access.tenantName, { trigger: 'manual', workflow: workflowFor(store as never) });
      await scheduleNightly(store, access.tenantName);
      await scheduleMonthly(store, access.tenantName);
      return reply.code(201).send({ data: result });
    },
  );

  app.get(
    '/quality/runs',
    { config: { summary: 'The latest data-quality runs', tags }, schema: { querystring: query({ limit: { type: 'string', pattern: '^[0-9]{1,3}$' } }), response: replies({ 200: list(RUN) }) } },
    async (request) => {
      const access = requireAccess(request);
      const limit = intParam((request.query as { limit?: string }).limit, 30, 365, '/limit');
      return { data: (await recentRuns(await portOf(access.tenantName), limit)).map(runOut) };
    },
  );

  app.get(
    '/quality/rules',
    {
      config: { summary: 'Data-quality rules on objects the caller reads, with their scores over the records in their scope in the latest run', tags },
      schema: { response: replies({ 200: list(RULE, { run: nullable(RUN) }) }) },
    },
    async (request) => {
      const access = requireAccess(request);
      const port = await portOf(access.tenantName);
      const run = await latestRun(port);
      await scheduleNightly(store, access.tenantName);
      return { data: await rulesWithScores(port, access, run?.id), run: run ? runOut(run) : null };
    },
  );

  app.get(
    '/quality/scores',
    {
      config: { summary: 'Scores of the latest run by rule, object, owner or team (administrators)', tags },
      schema: { querystring: query({ by: { enum: ['rule', 'object', 'owner', 'team'] }, rule: NAME }, ['by']), response: replies({ 200: list(SCORE, { runId: nullable(STRING) }) }) },
    },
    async (request) => {
      const access = requireAccess(request);
      requireAdmin(access, 'reads the scores of every owner and team');
      const q = request.query as { by: ScoreBy; rule?: string };
      const port = await portOf(access.tenantName);
      const run = await latestRun(port);
      return { data: run ? await scoresBy(port, run.id, q.by, q.rule) : [], runId: run?.id ?? null };
    },
  );

  app.get(
    '/quality/issues',
    {
      config: { summary: 'Issues of the latest run on records the caller may read, each linking to its record', tags },
      schema: {
        querystring: query({ rule: NAME, object: NAME, limit: { type: 'string', pattern: '^[0-9]{1,3}$' }, offset: { type: 'string', pattern: '^[0-9]{1,6}$' } }),
        response: replies({ 200: list(ISSUE, { total: INTEGER, runId: nullable(STRING) }) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const q = request.query as { rule?: string; object?: string; limit?: string; offset?: string };
      const limit = Math.max(1, intParam(q.limit, 50, 500, '/limit'));
      const offset = intParam(q.offset, 0, 999_999, '/offset');
      const port = await portOf(access.tenantName);
      const run = await latestRun(port);
      if (!run) return { data: [], total: 0, runId: null };
      const page = await issuesFor(port, access, run.id, { limit, offset, ...(q.rule ? { rule: q.rule } : {}), ...(q.object ? { object: q.object } : {}) });
      return { ...page, runId: run.id };
    },
  );
}
