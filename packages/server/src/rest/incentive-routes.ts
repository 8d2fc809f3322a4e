import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RoleAssignment } from '@attain/engine';
import { requestLocale } from './formula-routes.ts';
import { validateAgainstMetaSchema } from '@attain/meta';
import {
  CalcError,
  IncentiveEngine,
  IncentiveError,
  accrualReport,
  fmt,
  incentiveTeamOf,
  leaderboard,
  lintPlan,
  payoutsXlsx,
  putInputs,
  readInputs,
  statementNames,
  statementPdf,
  syncGoalTargets,
  syncPlansFromMetadata,
  whatIf,
  previewPlan,
  type Assignment,
  type CreditingRuleDoc,
  type PlanVersionDef,
  type PreviewSample,
  type IncentivePlanDoc,
  type PayoutSummary,
  type PeriodStatus,
  type StatementLine,
} from '@attain/engine';
import { ApiError, badRequest, notFound } from '../http/errors.ts';
import { isIsoDate, objectRows, optionalPeriodParam, periodOrDateParam, periodParam, uuidParam } from '../http/params.ts';
import type { AccessContext } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';
import { payeeScope, requireAdmin, requireFinance, requireFinanceOrAdmin, requirePayee } from './incentive-access.ts';
import { incentiveAssignmentRoutes } from './incentive-assignment-routes.ts';
import { requireAccess } from './request-access.ts';
import { approvalGateway, notifyUsers, workflowFor, WorkflowError } from '@attain/workflow';
import { DERIVE_INCENTIVES, DISPUTE_SUBJECT, INCENTIVES_MODULE, onDisputeResolved, PERIOD_SUBJECT } from '@attain/engine';
import { assignmentRows, auditTrail, disputeSummary, listSummary, planChange, ruleSummary } from './audit-trail.ts';
import { ANY, arrayOf, jsonBody, BOOLEAN, DATE_TEXT, file, INTEGER, list, NO_BODY, NUMBER, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';

/** An incentive plan document (its meta-schema owns the rest) and the lint answer. */
const PLAN_DOC = jsonBody({ kind: STRING, id: STRING, versions: { type: 'array' } });
const ISSUES = object({ issues: arrayOf() }, ['issues']);

export { payeeScope } from './incentive-access.ts';

/**
 * Incentives API. Pay is private: a payee scope is resolved per request — all payees for admins
 * and roles that approve everything (finance), the reporting subtree for roles with a team scope
 * (managers), else only oneself — and every read or write naming a payee is checked against it.
 * Finance = a role reading every object (`*`, scope all). An out-of-scope payee answers 404, so the API is no oracle for who is paid what.
 */
export async function incentiveRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  // Period approval and disputes go through the tenant's approval flows when configured (the
  // incentives module registers the subjects' handlers).
  const wf = workflowFor(opts.store as never);
  // The payee hears of a resolved dispute in their inbox (and preferred channels), whichever door resolved it.
  onDisputeResolved(opts.store, async (tenant, notice) => {
    await notifyUsers(wf, tenant, { ...notice, object: null, recordId: null });
  });
  const gateway = approvalGateway(wf);
  const audit = auditTrail(opts.store, INCENTIVES_MODULE);
  const routed = async (tenant: string, subject: { kind: string; id: string; label: string }, by: string | null): Promise<string | undefined> => {
    try {
      const r = await gateway.submit({ tenant, subject, requestedBy: by });
      return r === 'manual' ? undefined : r.ref;
    } catch (error) {
      if (error instanceof WorkflowError) throw new ApiError(error.status, error.code, error.message, error.details);
      throw error;
    }
  };
  const engines = new Map<string, IncentiveEngine>();
  const engineFor = (access: AccessContext) => {
    const key = access.principal.tenant.id;
    let e = engines.get(key);
    if (!e) {
      e = new IncentiveEngine(opts.store as never, access.tenantName);
      engines.set(key, e);
    }
    return e;
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof IncentiveError) throw new ApiError(error.status, error.code, error.message, error.details);
      // A plan that cannot be computed for someone (e.g. no target for them): the cell, not a 500.
      if (error instanceof CalcError) throw new ApiError(422, 'calculation_failed', error.message, [{ path: error.pointer, rule: 'calculation', message: error.message }]);
      throw error;
    }
  };
  const ctx = (request: FastifyRequest) => {
    const access = requireAccess(request);
    return { access, engine: engineFor(access) };
  };
  // A change that moves pay (a plan, who is on it, crediting rules, inputs) is computed in the
  // background at once; the write's x-attain-position says when statements reflect it (GET /sync).
  const derive = (access: AccessContext, change: { credit?: boolean } = {}) =>
    opts.store.jobs.enqueue({ queue: DERIVE_INCENTIVES, tenant: access.tenantName, payload: { tenant: access.tenantName, credit: change.credit === true } });

  // Territories, specialists and calculation problems (incentive-assignment-routes.ts).
  await incentiveAssignmentRoutes(app, { ctx, run, audit });

  app.get('/incentives/plans', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { engine } = ctx(request);
    return { data: await run(() => engine.plans()) };
  });

  app.post('/incentives/plans/lint', { schema: { body: PLAN_DOC, response: replies({ 200: ISSUES }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const plan = planBody(request.body, { shapeOnly: true });
    // A draft that breaks the schema is linted as far as that: its issues name the cells, as lint's do.
    const shape = planSchemaIssues(plan);
    if (shape.length) return { issues: shape };
    await engine.ensure();
    return {
      issues: [
        ...lintPlan(plan, {
          plans: [plan, ...(await engine.plans()).filter((p) => p.id !== plan.id)],
          assignments: await engine.assignments(),
          defaultCurrency: engine.baseCurrency,
          calendar: engine.calendar,
          ...(await engine.lintFunctions()),
        }),
        ...(await run(() => engine.lintSources(plan))),
      ],
    };
  });

  app.put('/incentives/plans/:id', { schema: { params: params('id'), body: PLAN_DOC, response: replies({ 200: ISSUES }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const plan = planBody(request.body);
    if (plan.id !== (request.params as { id: string }).id)
      throw badRequest('id_mismatch', 'the plan id in the body must match the URL', [{ path: '/id', rule: 'const', message: 'must equal the id in the URL' }]);
    const before = (await engine.plans()).find((p) => p.id === plan.id);
    const issues = await run(() => engine.savePlan(plan));
    await audit(access, planChange(before, plan));
    await derive(access);
    return { issues };
  });

  // The designer's live preview: payout curves and the plan on sample payees, nothing stored.
  app.post(
    '/incentives/plans/preview',
    { schema: { body: jsonBody({ version: OBJECT, samples: arrayOf(), steps: NUMBER }), response: replies({ 200: object({ data: OBJECT }, ['data']) }) } },
    async (request) => {
      const { access } = ctx(request);
      requireAdmin(access);
      const body = (request.body ?? {}) as { version?: PlanVersionDef; samples?: unknown; steps?: unknown };
      const v = body.version;
      if (!v || typeof v !== 'object' || !Array.isArray(v.components) || !Array.isArray(v.measures) || !v.rounding)
        throw badRequest('invalid_body', 'expected {"version": {...}, "samples": [...]}', [
          { path: '/version', rule: 'type', message: 'must be a plan version with measures, components and rounding' },
        ]);
      // The version is checked as the meta-schema checks one inside a plan, with paths under /version.
      const versionIssues = validateAgainstMetaSchema({ kind: 'incentive_plan', id: 'preview', name: 'preview', label: { en: 'preview' }, versions: [v] }, 'preview');
      if (versionIssues.length)
        throw new ApiError(
          422,
          'plan_invalid',
          `the plan version is invalid: ${versionIssues[0]!.message}`,
          versionIssues.slice(0, 50).map((i) => ({ path: i.path.replace(/^\/versions\/0/, '/version'), rule: i.rule, message: i.message })),
        );
      const samples = (Array.isArray(body.samples) ? body.samples : [])
        .slice(0, 20)
        .filter(
          (x): x is PreviewSample => !!x && typeof x === 'object' && typeof (x as PreviewSample).name === 'string' && !!(x as PreviewSample).values && typeof (x as PreviewSample).values === 'object',
        );
      return { data: await run(async () => previewPlan(v, samples, typeof body.steps === 'number' ? { steps: body.steps } : {})) };
    },
  );

  app.get('/incentives/plans/:id/assignments', { schema: { params: params('id'), response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const id = (request.params as { id: string }).id;
    return { data: (await engine.assignments()).filter((a) => a.kind === 'plan' && a.key === id) };
  });

  // Replaces who is on one plan; other plans' and specialist/territory assignments are kept.
  app.put(
    '/incentives/plans/:id/assignments',
    { schema: { params: params('id'), body: jsonBody({ assignments: arrayOf() }), response: replies({ 200: object({ data: arrayOf(), issues: arrayOf() }, ['data', 'issues']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      requireAdmin(access);
      const id = (request.params as { id: string }).id;
      const list = (request.body as { assignments?: unknown } | undefined)?.assignments;
      if (!Array.isArray(list)) throw badRequest('invalid_body', 'expected {"assignments": [...]}', [{ path: '/assignments', rule: 'type', message: 'must be an array' }]);
      objectRows(list, '/assignments');
      const details = list.flatMap((a: Record<string, unknown>, i) => [
        ...(typeof a?.payeeId === 'string' && a.payeeId ? [] : [{ path: `/assignments/${i}/payeeId`, rule: 'required', message: 'is required' }]),
        ...(isIsoDate(a?.from) ? [] : [{ path: `/assignments/${i}/from`, rule: 'format', message: 'must be a date (YYYY-MM-DD)' }]),
        ...(a?.to === undefined || a.to === null || (isIsoDate(a.to) && a.to >= String(a.from))
          ? []
          : [{ path: `/assignments/${i}/to`, rule: 'format', message: 'must be a date on or after the start' }]),
      ]);
      if (details.length) throw badRequest('invalid_body', 'invalid plan assignments', details);
      const plan = (await engine.plans()).find((p) => p.id === id);
      if (!plan) throw notFound('no such plan');
      const mine: Assignment[] = (list as Array<{ payeeId: string; from: string; to?: string | null }>).map((a) => ({ kind: 'plan', payeeId: a.payeeId, key: id, from: a.from, to: a.to ?? null }));
      const all = [...(await engine.assignments()).filter((a) => !a.via && !(a.kind === 'plan' && a.key === id)), ...mine];
      // Linted against what people would be on: named, plus what their roles give (a name wins over the role).
      const issues = lintPlan(plan, { plans: await engine.plans(), assignments: await run(() => engine.previewAssignments({ named: all })), ...(await engine.lintFunctions()) });
      const errors = issues.filter((i) => i.severity === 'error');
      if (errors.length) throw new ApiError(422, 'assignment_invalid', 'these assignments would pay someone twice', errors);
      const before = (await engine.assignments()).filter((a) => !a.via && a.kind === 'plan' && a.key === id);
      await run(() => engine.setAssignments(all));
      await audit(access, {
        action: 'incentives.assignments.update',
        object: 'incentive_assignment',
        before: { plan: id, ...listSummary(assignmentRows(before)) },
        after: { plan: id, ...listSummary(assignmentRows(mine)) },
      });
      await derive(access);
      return { data: mine, issues };
    },
  );

  // Plans by role: everyone holding the role (optionally within an org-unit subtree) in the dates.
  app.get('/incentives/role-assignments', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    return { data: await run(() => engine.roleAssignments()) };
  });

  app.put(
    '/incentives/role-assignments',
    { schema: { body: jsonBody({ roleAssignments: arrayOf() }), response: replies({ 200: object({ data: arrayOf(), issues: arrayOf() }, ['data', 'issues']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      requireAdmin(access);
      const list = (request.body as { roleAssignments?: unknown } | undefined)?.roleAssignments;
      if (!Array.isArray(list)) throw badRequest('invalid_body', 'expected {"roleAssignments": [...]}', [{ path: '/roleAssignments', rule: 'type', message: 'must be an array' }]);
      objectRows(list, '/roleAssignments');
      // Roles as the user records have them now (changes are recorded as of the day they are seen).
      await run(() => engine.syncRolesFromRecords());
      const before = await run(() => engine.roleAssignments());
      const issues = await run(() => engine.setRoleAssignments(list as RoleAssignment[]));
      const after = await engine.roleAssignments();
      await audit(access, { action: 'incentives.role_assignments.update', object: 'incentive_assignment', before: listSummary(before), after: listSummary(after) });
      await derive(access);
      return { data: after, issues };
    },
  );

  app.get('/incentives/crediting-rules', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    return { data: await run(() => engine.rules()) };
  });

  app.put('/incentives/crediting-rules', { schema: { body: jsonBody({ rules: arrayOf() }), response: replies({ 200: ISSUES }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const body = request.body as { rules?: unknown } | undefined;
    if (!body || !Array.isArray(body.rules)) throw badRequest('invalid_body', 'expected {"rules": [...]}', [{ path: '/rules', rule: 'type', message: 'must be an array' }]);
    objectRows(body.rules, '/rules');
    const before = await run(() => engine.rules());
    const issues = await run(() => engine.saveRules(body.rules as CreditingRuleDoc[]));
    await audit(access, {
      action: 'incentives.crediting_rules.update',
      object: 'crediting_rule',
      before: listSummary(before.map(ruleSummary)),
      after: listSummary((body.rules as CreditingRuleDoc[]).map(ruleSummary)),
    });
    await derive(access, { credit: true });
    return { issues };
  });

  app.get('/incentives/periods', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { engine } = ctx(request);
    return { data: await run(() => engine.periodsWithDays()) };
  });

  app.post('/incentives/periods/:period/open', { schema: { params: params('period'), body: NO_BODY, response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const period = periodParam((request.params as { period: string }).period, '/period');
    const was = (await engine.periods()).find((p) => p.period === period)?.status ?? null;
    await run(() => engine.openPeriod(period));
    await audit(access, { action: 'incentives.period.open', object: 'incentive_period', before: { period, status: was }, after: { period, status: 'open' } });
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
    const was = (await engine.periods()).find((p) => p.period === period)?.status ?? null;
    await run(() => engine.setPeriodStatus(period, status as PeriodStatus, access.principal.userId));
    await audit(access, { action: `incentives.period.${status}`, object: 'incentive_period', before: { period, status: was }, after: { period, status } });
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

  app.get(
    '/incentives/statements/:payeeId/:period',
    { schema: { params: params('payeeId', 'period'), response: replies({ 200: object({ data: object({ lines: arrayOf(), payouts: arrayOf() }, ['lines', 'payouts']) }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      await requirePayee(access, payeeId);
      const s = await run(() => engine.statement(payeeId, period, { traced: true }));
      return { data: { ...s, lines: s.lines.map(lineJson), payouts: s.payouts.map(payoutJson) } };
    },
  );

  app.get(
    '/incentives/statements/:payeeId/:period/lines/:key',
    { schema: { params: params('payeeId', 'period', 'key'), response: replies({ 200: object({ data: object({ line: OBJECT, credits: arrayOf(), records: ANY }, ['line']) }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      const { key } = request.params as { key: string };
      await requirePayee(access, payeeId);
      const found = await run(() => engine.lineCredits(payeeId, period, key));
      if (!found) throw notFound('no such statement line');
      return { data: { line: lineJson(found.line), credits: found.credits, records: found.records } };
    },
  );

  app.get(
    '/incentives/payouts/:period',
    {
      schema: {
        params: params('period'),
        querystring: query({ locale: STRING }),
        response: replies({ 200: { description: 'The payouts; `<period>.csv` answers a CSV file', content: { 'application/json': { schema: list() }, 'text/csv': { schema: STRING } } } }),
      },
    },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      const raw = (request.params as { period: string }).period;
      if (raw.endsWith('.csv')) {
        const period = periodParam(raw.slice(0, -4), '/period');
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="payouts-${period.replace(/[^0-9FQY-]/g, '')}.csv"`);
        return run(() => engine.payoutCsv(period, requestLocale(request) === 'zh-CN' ? 'zh-CN' : 'en'));
      }
      return { data: (await run(() => engine.payouts(periodParam(raw, '/period')))).map(payoutJson) };
    },
  );

  app.get('/incentives/disputes', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    const scope = await payeeScope(access);
    return { data: await run(() => engine.disputes(scope === 'all' ? {} : { payees: scope })) };
  });

  app.post(
    '/incentives/disputes',
    {
      schema: {
        body: jsonBody({ payeeId: STRING, period: STRING, lineKey: STRING, reason: STRING, amount: STRING }),
        response: replies({ 201: object({ data: OBJECT, approval: STRING }, ['data']) }),
      },
    },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const details = (['payeeId', 'period', 'lineKey', 'reason'] as const)
        .filter((k) => typeof body[k] !== 'string' || !(body[k] as string).trim())
        .map((k) => ({ path: `/${k}`, rule: 'required', message: 'is required' }));
      if (details.length) throw badRequest('invalid_body', 'a dispute needs payeeId, period, lineKey and reason', details);
      uuidParam(body.payeeId, '/payeeId');
      periodParam(body.period, '/period');
      if (body.amount !== undefined && typeof body.amount !== 'string')
        throw badRequest('invalid_body', 'amount must be a decimal string', [{ path: '/amount', rule: 'type', message: 'must be a string such as "50.00"' }]);
      await requirePayee(access, String(body.payeeId));
      // An optional claimed amount: what an approval flow's "approve" books as the adjustment.
      const d = await run(() =>
        engine.raiseDispute({
          payeeId: String(body.payeeId),
          period: String(body.period),
          lineKey: String(body.lineKey),
          reason: String(body.reason).slice(0, 2000),
          actor: access.principal.userId,
          ...(typeof body.amount === 'string' ? { amount: body.amount } : {}),
        }),
      );
      // Routed like an approval when the tenant has a flow for disputes.
      await audit(access, { action: 'incentives.dispute.open', object: 'incentive_dispute', recordId: String(d.id), after: disputeSummary(d) });
      const approval = await routed(access.tenantName, { kind: DISPUTE_SUBJECT, id: String(d.id), label: `${String(body.period)} ${String(body.lineKey).slice(0, 80)}` }, access.principal.userId);
      return reply.status(201).send({ data: d, ...(approval ? { approval } : {}) });
    },
  );

  app.post(
    '/incentives/disputes/:id/resolve',
    { schema: { params: params('id'), body: jsonBody({ status: STRING, resolution: STRING, amount: STRING, recalculate: BOOLEAN }), response: replies({ 200: object({ data: OBJECT }, ['data']) }) } },
    async (request) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const pending = await gateway.pending(access.tenantName, DISPUTE_SUBJECT, (request.params as { id: string }).id);
      if (pending)
        throw new ApiError(409, 'approval_pending', 'this dispute is in an approval flow; it is decided there', [
          { path: '/status', rule: 'approval_pending', message: `approval ${pending} is pending` },
        ]);
      if (body.status !== 'accepted' && body.status !== 'rejected')
        throw badRequest('invalid_body', 'status must be accepted or rejected', [{ path: '/status', rule: 'enum', message: 'must be accepted or rejected' }]);
      if (body.amount !== undefined && typeof body.amount !== 'string')
        throw badRequest('invalid_body', 'amount must be a decimal string', [{ path: '/amount', rule: 'type', message: 'must be a string such as "250.00"' }]);
      if (body.recalculate !== undefined && typeof body.recalculate !== 'boolean')
        throw badRequest('invalid_body', 'recalculate must be true or false', [{ path: '/recalculate', rule: 'type', message: 'must be a boolean' }]);
      const d = await run(() =>
        engine.resolveDispute((request.params as { id: string }).id, {
          status: body.status as 'accepted' | 'rejected',
          resolution: typeof body.resolution === 'string' ? body.resolution.slice(0, 2000) : '',
          ...(typeof body.amount === 'string' ? { amount: body.amount } : {}),
          recalculate: body.recalculate === true,
          actor: access.principal.userId,
        }),
      );
      await audit(access, { action: `incentives.dispute.${String(d.status)}`, object: 'incentive_dispute', recordId: String(d.id), before: { status: 'open' }, after: disputeSummary(d) });
      return { data: d };
    },
  );

  // ---- what-if, inputs, leaderboards, exports (additive) --------------------------------

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
    const data = await run(() => putInputs(engine, values));
    await audit(access, { action: 'incentives.inputs.update', object: 'incentive_input', after: listSummary(data) });
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

  app.get(
    '/incentives/statements/:payeeId/:period/pdf',
    {
      schema: {
        params: params('payeeId', 'period'),
        querystring: query({ trace: { type: 'string', description: '0 leaves the calculation trace out' }, locale: STRING }),
        response: replies({ 200: file('application/pdf') }),
      },
    },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      const { payeeId, period } = statementParams(request.params);
      await requirePayee(access, payeeId);
      const s = await run(() => engine.statement(payeeId, period, { traced: true }));
      // In the reader's language, with plan and component labels and the payee's name.
      const locale = requestLocale(request);
      const payee = access.registry.object('user')
        ? await access.principal.snapshot
            .records()
            .get('user', payeeId)
            .catch(() => undefined)
        : undefined;
      const payeeName = typeof payee?.name === 'string' ? payee.name : undefined;
      const names = statementNames(await run(() => engine.plans()), locale);
      const pdf = await statementPdf({ ...s, trace: (request.query as { trace?: string }).trace !== '0', locale, names, ...(payeeName ? { payeeName } : {}) });
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="statement-${period.replace(/[^0-9FQY-]/g, '')}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/incentives/payouts/:period/xlsx',
    { schema: { params: params('period'), response: replies({ 200: file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') }) } },
    async (request, reply) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      const period = periodParam((request.params as { period: string }).period, '/period');
      const buf = await run(() => payoutsXlsx(engine, period, requestLocale(request) === 'zh-CN' ? 'zh-CN' : 'en'));
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="payouts-${period.replace(/[^0-9FQY-]/g, '')}.xlsx"`)
        .send(buf);
    },
  );

  app.get('/incentives/accruals', { schema: { querystring: query({ asOf: DATE_TEXT }), response: replies({ 200: object({ data: ANY }, ['data']) }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const raw = (request.query as { asOf?: string }).asOf;
    const asOf = raw === undefined || raw === '' ? undefined : periodOrDateParam(raw, '/asOf');
    return { data: await run(() => accrualReport(engine, asOf ? { asOf } : {})) };
  });
}

/** A statement is one payee's (a user id) for one period. */
function statementParams(params: unknown): { payeeId: string; period: string } {
  const p = params as { payeeId: string; period: string };
  return { payeeId: uuidParam(p.payeeId, '/payeeId'), period: periodParam(p.period, '/period') };
}

function planBody(body: unknown, opts: { shapeOnly?: boolean } = {}): IncentivePlanDoc {
  const plan = body as IncentivePlanDoc | undefined;
  if (!plan || typeof plan !== 'object' || plan.kind !== 'incentive_plan' || typeof plan.id !== 'string' || !Array.isArray(plan.versions)) {
    throw badRequest('invalid_body', 'expected an incentive_plan document', [{ path: '/kind', rule: 'const', message: 'must be "incentive_plan" with an id and versions' }]);
  }
  const issues = opts.shapeOnly ? [] : planSchemaIssues(plan);
  if (issues.length)
    throw new ApiError(
      422,
      'plan_invalid',
      `the plan document is invalid: ${issues[0]!.path || '/'} ${issues[0]!.message}`,
      issues.slice(0, 50).map(({ path, rule, message }) => ({ path, rule, message })),
    );
  return plan;
}

/**
 * The plan against its metadata kind's meta-schema (the check applying it as metadata makes), so
 * the linter and the engine only ever see versions, measures and components of the right types.
 */
function planSchemaIssues(plan: IncentivePlanDoc): Array<{ severity: 'error'; path: string; rule: string; message: string }> {
  return validateAgainstMetaSchema(plan, plan.id).map((i) => ({ severity: 'error' as const, path: i.path, rule: i.rule, message: i.message }));
}

/** Money and points travel as exact decimal strings. */
function lineJson(l: StatementLine) {
  return { ...l, amount: fmt(l.amount), points: fmt(l.points) };
}

function payoutJson(p: PayoutSummary) {
  return {
    ...p,
    earned: fmt(p.earned),
    adjustments: fmt(p.adjustments),
    drawAdvance: fmt(p.drawAdvance),
    recovery: fmt(p.recovery),
    payout: fmt(p.payout),
    points: fmt(p.points),
    balanceAfter: fmt(p.balanceAfter),
  };
}
