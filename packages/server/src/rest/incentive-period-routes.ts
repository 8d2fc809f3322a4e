// Incentive periods and runs: list, open, move along open → calculated → approved → paid → closed
// (approval through the tenant's flow when it has one), and a full recalculation. Finance only;
// status changes are audited by the engine in their own transaction.
import type { FastifyInstance } from 'fastify';
import { PERIOD_SUBJECT, syncGoalTargets, syncPlansFromMetadata, type PeriodStatus } from '@attain/engine';
import { badRequest } from '../http/errors.ts';
import { periodParam } from '../http/params.ts';
import { INTEGER, jsonBody, list, NO_BODY, object, params, replies, STRING } from '../http/route-schema.ts';
import { requireFinance } from './incentive-access.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

export async function incentivePeriodRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, derive, routed } = kit;

  app.get('/incentives/periods', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { engine } = ctx(request);
    return { data: await run(() => engine.periodsWithDays()) };
  });

  app.post('/incentives/periods/:period/open', { schema: { params: params('period'), body: NO_BODY, response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const period = periodParam((request.params as { period: string }).period, '/period');
    await run(() => engine.openPeriod(period, access.actor));
    // A newly open period is computed like any change that moves pay, so its statements exist
    // (incremental = full) and the write's position says when they do.
    await derive(access);
    return { data: await engine.periodsWithDays() };
  });

  app.post('/incentives/periods/:period/status', { schema: { params: params('period'), body: jsonBody({ status: STRING }), response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const status = (request.body as { status?: unknown } | undefined)?.status;
    if (typeof status !== 'string' || !['calculated', 'approved', 'paid', 'closed'].includes(status))
      throw badRequest('invalid_body', 'status must be calculated, approved, paid or closed', [{ path: '/status', rule: 'enum', message: 'must be calculated, approved, paid or closed' }]);
    const period = periodParam((request.params as { period: string }).period, '/period');
    if (status === 'approved') {
      // A missing exchange rate in the period refuses approval (409 fx_missing) before any flow starts.
      await run(() => engine.assertApprovable(period));
      // With an approval flow for periods, approving starts it; the last approver's decision approves the period.
      const approval = await routed(access.tenantName, { kind: PERIOD_SUBJECT, id: period, label: period }, access.principal.userId);
      if (approval) return { data: await engine.periodsWithDays(), approval };
    }
    await run(() => engine.setPeriodStatus(period, status as PeriodStatus, access.principal.userId, access.actor));
    return { data: await engine.periodsWithDays() };
  });

  app.post('/incentives/recalculate', { schema: { body: NO_BODY, response: replies({ 200: object({ data: object({ problems: INTEGER }, ['problems']) }, ['data']) }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    // Plans applied as metadata and goals targets are taken in before the run.
    await run(() => syncPlansFromMetadata(engine, access.registry));
    await run(() => engine.syncRolesFromRecords());
    await run(() => syncGoalTargets(engine));
    const stats = await run(() => engine.recompute({ credit: true }));
    // How many transactions (or credits) the run had to leave out: GET /incentives/problems lists them.
    return { data: { ...stats, problems: (await run(() => engine.problems())).length } };
  });
}
