// Per-person inputs (targets, MBO scores), the what-if comparison of a plan over real data, and the
// points leaderboard. Finance or an admin writes inputs; a payee reads what their scope lets them see.
import type { FastifyInstance } from 'fastify';
import { incentiveTeamOf, leaderboard, putInputs, readInputs, syncGoalTargets, whatIf } from '@attain/engine';
import { badRequest, notFound } from '../http/errors.ts';
import { optionalPeriodParam, periodParam, uuidParam } from '../http/params.ts';
import { ANY, arrayOf, jsonBody, list, NO_BODY, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';
import { payeeScope, requireFinanceOrAdmin } from './incentive-access.ts';
import { planBody } from './incentive-plan-routes.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

export async function incentiveInputRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, derive } = kit;

  // A copy of a plan over a period's real data next to the live plan; nothing is written.
  app.post(
    '/incentives/whatif',
    {
      schema: {
        body: jsonBody({
          period: STRING,
          planId: STRING,
          version: { description: 'The plan version to compare; typed for clients only, the handler checks the fields together and names each one', tsType: 'number' },
          payees: { description: 'Payee ids', tsType: 'string[]' },
          plan: OBJECT,
          quotas: { description: 'Targets changed for the what-if side: target name → factor as decimal text ("1.1" = 10 % higher)', tsType: 'Record<string, string>' },
        }),
        response: replies({ 200: object({ data: ANY }, ['data']) }),
      },
    },
    async (request) => {
      const { access, engine } = ctx(request);
      requireFinanceOrAdmin(access);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const details = [
        ...(typeof body.period === 'string' ? [] : [{ path: '/period', rule: 'required', message: 'is required (YYYY-MM)' }]),
        ...(typeof body.planId === 'string' && body.planId ? [] : [{ path: '/planId', rule: 'required', message: 'is required' }]),
        ...(body.version === undefined || Number.isInteger(body.version) ? [] : [{ path: '/version', rule: 'type', message: 'must be an integer' }]),
        ...(body.payees === undefined || (Array.isArray(body.payees) && body.payees.every((p) => typeof p === 'string'))
          ? []
          : [{ path: '/payees', rule: 'type', message: 'must be an array of payee ids' }]),
        ...(body.quotas === undefined || (body.quotas !== null && typeof body.quotas === 'object' && !Array.isArray(body.quotas) && Object.values(body.quotas).every((v) => typeof v === 'string'))
          ? []
          : [{ path: '/quotas', rule: 'type', message: 'must be an object of target name → factor as decimal text' }]),
      ];
      if (details.length) throw badRequest('invalid_body', 'expected {"period", "planId", and "version" or "plan"}', details);
      periodParam(body.period, '/period');
      const plan = body.plan === undefined ? undefined : planBody(body.plan);
      const data = await run(() =>
        whatIf(engine, {
          period: String(body.period),
          planId: String(body.planId),
          ...(typeof body.version === 'number' ? { version: body.version } : {}),
          ...(plan ? { plan } : {}),
          ...(Array.isArray(body.payees) ? { payees: body.payees as string[] } : {}),
          ...(body.quotas ? { quotas: body.quotas as Record<string, string> } : {}),
        }),
      );
      return { data };
    },
  );

  // Targets and per-person inputs (quota, MBO scores): finance/admin write, a payee reads what they may see.
  app.get('/incentives/inputs', { schema: { querystring: query({ period: STRING, payeeId: STRING, name: STRING }), response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    const q = request.query as { period?: string; payeeId?: string; name?: string };
    optionalPeriodParam(q.period, '/period');
    if (q.payeeId !== undefined) uuidParam(q.payeeId, '/payeeId');
    const scope = await payeeScope(access);
    const payees = q.payeeId ? [q.payeeId] : scope === 'all' ? undefined : scope;
    if (q.payeeId && scope !== 'all' && !scope.includes(q.payeeId)) return { data: [] };
    return { data: await run(() => readInputs(engine, { ...(q.period ? { period: q.period } : {}), ...(payees ? { payees } : {}), ...(q.name ? { names: [q.name] } : {}) })) };
  });

  app.put('/incentives/inputs', { schema: { body: jsonBody({ values: arrayOf() }), response: replies({ 200: object({ data: ANY }, ['data']) }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinanceOrAdmin(access);
    const values = (request.body as { values?: unknown } | undefined)?.values;
    const data = await run(() => putInputs(engine, values, access.actor));
    await derive(access);
    return { data };
  });

  // Copies targets from the goals module's active target-plan versions for plans with targetSource "goals".
  app.post('/incentives/inputs/sync-goals', { schema: { body: NO_BODY, response: replies({ 200: object({ data: object({ copied: ANY }, ['copied']) }, ['data']) }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinanceOrAdmin(access);
    return { data: { copied: await run(() => syncGoalTargets(engine)) } };
  });

  // Points leaderboard: a rep sees their own team, a manager their subtree's teams, finance any; pay only where the caller may see it.
  app.get(
    '/incentives/leaderboard/:period',
    { schema: { params: params('period'), querystring: query({ team: STRING }), response: replies({ 200: object({ data: ANY }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      const period = periodParam((request.params as { period: string }).period, '/period');
      const scope = await payeeScope(access);
      const asked = (request.query as { team?: string }).team;
      if (asked !== undefined) uuidParam(asked, '/team');
      const own = await run(() => incentiveTeamOf(engine, access.principal.userId, period));
      let team: string | null = asked ?? own;
      if (scope !== 'all' && asked && asked !== own) {
        // A manager may look at a team of their subtree; a rep only at their own.
        const visible = await Promise.all(scope.map((p) => incentiveTeamOf(engine, p, period)));
        if (!visible.includes(asked)) throw notFound('no such team');
      }
      if (scope !== 'all' && !team) return { data: { period, team: null, rows: [] } };
      if (scope === 'all' && !asked) team = null;
      const showPay = (id: string) => scope === 'all' || scope.includes(id);
      return { data: await run(() => leaderboard(engine, { period, team, showPay })) };
    },
  );
}
