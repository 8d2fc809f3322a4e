import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IncentiveEngine, IncentiveError, fmt, lintPlan, previewPlan, type Assignment, type CreditingRuleDoc, type PlanVersionDef, type PreviewSample, type IncentivePlanDoc, type PayoutSummary, type PeriodStatus, type StatementLine } from '@attain/engine';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';

/**
 * Incentives API. Pay is private: a payee scope is resolved per request — all payees for admins
 * and roles that approve everything (finance), the reporting subtree for roles with a team scope
 * (managers), else only oneself — and every read or write naming a payee is checked against it.
 * Finance = a role reading every object (`*`, scope all). An out-of-scope payee answers 404, so the API is no oracle for who is paid what.
 */
export async function incentiveRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
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
      throw error;
    }
  };
  const ctx = (request: FastifyRequest) => {
    const access = requireAccess(request);
    return { access, engine: engineFor(access) };
  };

  app.get('/incentives/plans', async (request) => {
    const { engine } = ctx(request);
    return { data: await run(() => engine.plans()) };
  });

  app.post('/incentives/plans/lint', async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const plan = planBody(request.body);
    return { issues: lintPlan(plan, { plans: [plan, ...(await engine.plans()).filter((p) => p.id !== plan.id)], assignments: await engine.assignments() }) };
  });

  app.put('/incentives/plans/:id', async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const plan = planBody(request.body);
    if (plan.id !== (request.params as { id: string }).id) throw badRequest('id_mismatch', 'the plan id in the body must match the URL', [{ path: '/id', rule: 'const', message: 'must equal the id in the URL' }]);
    return { issues: await run(() => engine.savePlan(plan)) };
  });

  // The designer's live preview: payout curves and the plan on sample payees, nothing stored.
  app.post('/incentives/plans/preview', async (request) => {
    const { access } = ctx(request);
    requireAdmin(access);
    const body = (request.body ?? {}) as { version?: PlanVersionDef; samples?: unknown; steps?: unknown };
    const v = body.version;
    if (!v || typeof v !== 'object' || !Array.isArray(v.components) || !Array.isArray(v.measures) || !v.rounding) throw badRequest('invalid_body', 'expected {"version": {...}, "samples": [...]}', [{ path: '/version', rule: 'type', message: 'must be a plan version with measures, components and rounding' }]);
    const samples = (Array.isArray(body.samples) ? body.samples : []).slice(0, 20).filter((x): x is PreviewSample => !!x && typeof x === 'object' && typeof (x as PreviewSample).name === 'string' && !!(x as PreviewSample).values && typeof (x as PreviewSample).values === 'object');
    return { data: await run(async () => previewPlan(v, samples, typeof body.steps === 'number' ? { steps: body.steps } : {})) };
  });

  app.get('/incentives/plans/:id/assignments', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const id = (request.params as { id: string }).id;
    return { data: (await engine.assignments()).filter((a) => a.kind === 'plan' && a.key === id) };
  });

  // Replaces who is on one plan; other plans' and specialist/territory assignments are kept.
  app.put('/incentives/plans/:id/assignments', async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const id = (request.params as { id: string }).id;
    const list = (request.body as { assignments?: unknown } | undefined)?.assignments;
    if (!Array.isArray(list)) throw badRequest('invalid_body', 'expected {"assignments": [...]}', [{ path: '/assignments', rule: 'type', message: 'must be an array' }]);
    const DATE = /^\d{4}-\d{2}-\d{2}$/;
    const details = list.flatMap((a: Record<string, unknown>, i) => [
      ...(typeof a?.payeeId === 'string' && a.payeeId ? [] : [{ path: `/assignments/${i}/payeeId`, rule: 'required', message: 'is required' }]),
      ...(typeof a?.from === 'string' && DATE.test(a.from) ? [] : [{ path: `/assignments/${i}/from`, rule: 'format', message: 'must be a date (YYYY-MM-DD)' }]),
      ...(a?.to === undefined || a.to === null || (typeof a.to === 'string' && DATE.test(a.to) && a.to >= String(a.from)) ? [] : [{ path: `/assignments/${i}/to`, rule: 'format', message: 'must be a date on or after the start' }]),
    ]);
    if (details.length) throw badRequest('invalid_body', 'invalid plan assignments', details);
    const plan = (await engine.plans()).find((p) => p.id === id);
    if (!plan) throw notFound('no such plan');
    const mine: Assignment[] = (list as Array<{ payeeId: string; from: string; to?: string | null }>).map((a) => ({ kind: 'plan', payeeId: a.payeeId, key: id, from: a.from, to: a.to ?? null }));
    const all = [...(await engine.assignments()).filter((a) => !(a.kind === 'plan' && a.key === id)), ...mine];
    const issues = lintPlan(plan, { plans: await engine.plans(), assignments: all });
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length) throw new ApiError(422, 'assignment_invalid', 'these assignments would pay someone twice', errors);
    await run(() => engine.setAssignments(all));
    return { data: mine, issues };
  });

  app.get('/incentives/crediting-rules', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    return { data: await run(() => engine.rules()) };
  });

  app.put('/incentives/crediting-rules', async (request) => {
    const { access, engine } = ctx(request);
    requireAdmin(access);
    const body = request.body as { rules?: unknown } | undefined;
    if (!body || !Array.isArray(body.rules)) throw badRequest('invalid_body', 'expected {"rules": [...]}', [{ path: '/rules', rule: 'type', message: 'must be an array' }]);
    return { issues: await run(() => engine.saveRules(body.rules as CreditingRuleDoc[])) };
  });

  app.get('/incentives/periods', async (request) => {
    const { engine } = ctx(request);
    return { data: await run(() => engine.periods()) };
  });

  app.post('/incentives/periods/:period/open', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    await run(() => engine.openPeriod((request.params as { period: string }).period));
    return { data: await engine.periods() };
  });

  app.post('/incentives/periods/:period/status', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const status = (request.body as { status?: unknown } | undefined)?.status;
    if (typeof status !== 'string' || !['calculated', 'approved', 'paid', 'closed'].includes(status)) throw badRequest('invalid_body', 'status must be calculated, approved, paid or closed', [{ path: '/status', rule: 'enum', message: 'must be calculated, approved, paid or closed' }]);
    await run(() => engine.setPeriodStatus((request.params as { period: string }).period, status as PeriodStatus, access.principal.userId));
    return { data: await engine.periods() };
  });

  app.post('/incentives/recalculate', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const stats = await run(() => engine.recompute({ credit: true }));
    return { data: stats };
  });

  app.get('/incentives/statements/:payeeId/:period', async (request) => {
    const { access, engine } = ctx(request);
    const { payeeId, period } = request.params as { payeeId: string; period: string };
    await requirePayee(access, payeeId);
    const s = await run(() => engine.statement(payeeId, period));
    return { data: { ...s, lines: s.lines.map(lineJson), payouts: s.payouts.map(payoutJson) } };
  });

  app.get('/incentives/statements/:payeeId/:period/lines/:key', async (request) => {
    const { access, engine } = ctx(request);
    const { payeeId, period, key } = request.params as { payeeId: string; period: string; key: string };
    await requirePayee(access, payeeId);
    const found = await run(() => engine.lineCredits(payeeId, period, key));
    if (!found) throw notFound('no such statement line');
    return { data: { line: lineJson(found.line), credits: found.credits } };
  });

  app.get('/incentives/payouts/:period', async (request, reply) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const raw = (request.params as { period: string }).period;
    if (raw.endsWith('.csv')) {
      const period = raw.slice(0, -4);
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="payouts-${period.replace(/[^0-9-]/g, '')}.csv"`);
      return run(() => engine.payoutCsv(period));
    }
    return { data: (await run(() => engine.payouts(raw))).map(payoutJson) };
  });

  app.get('/incentives/disputes', async (request) => {
    const { access, engine } = ctx(request);
    const scope = await payeeScope(access);
    return { data: await run(() => engine.disputes(scope === 'all' ? {} : { payees: scope })) };
  });

  app.post('/incentives/disputes', async (request, reply) => {
    const { access, engine } = ctx(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const details = (['payeeId', 'period', 'lineKey', 'reason'] as const).filter((k) => typeof body[k] !== 'string' || !(body[k] as string).trim()).map((k) => ({ path: `/${k}`, rule: 'required', message: 'is required' }));
    if (details.length) throw badRequest('invalid_body', 'a dispute needs payeeId, period, lineKey and reason', details);
    await requirePayee(access, String(body.payeeId));
    const d = await run(() => engine.raiseDispute({ payeeId: String(body.payeeId), period: String(body.period), lineKey: String(body.lineKey), reason: String(body.reason).slice(0, 2000), actor: access.principal.userId }));
    return reply.status(201).send({ data: d });
  });

  app.post('/incentives/disputes/:id/resolve', async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.status !== 'accepted' && body.status !== 'rejected') throw badRequest('invalid_body', 'status must be accepted or rejected', [{ path: '/status', rule: 'enum', message: 'must be accepted or rejected' }]);
    const d = await run(() => engine.resolveDispute((request.params as { id: string }).id, { status: body.status as 'accepted' | 'rejected', resolution: typeof body.resolution === 'string' ? body.resolution : '', ...(typeof body.amount === 'string' ? { amount: body.amount } : {}), actor: access.principal.userId }));
    return { data: d };
  });
}

function planBody(body: unknown): IncentivePlanDoc {
  const plan = body as IncentivePlanDoc | undefined;
  if (!plan || typeof plan !== 'object' || plan.kind !== 'incentive_plan' || typeof plan.id !== 'string' || !Array.isArray(plan.versions)) {
    throw badRequest('invalid_body', 'expected an incentive_plan document', [{ path: '/kind', rule: 'const', message: 'must be "incentive_plan" with an id and versions' }]);
  }
  return plan;
}

function seesAll(access: AccessContext): boolean {
  const role = access.principal.role;
  if (isAdmin(role)) return true;
  return (role?.permissions ?? []).some((p) => p.object === '*' && p.scope === 'all' && p.actions.includes('read'));
}

/** Payees this request may see: 'all', or a list (oneself, plus the reporting subtree for team scopes). */
export async function payeeScope(access: AccessContext): Promise<'all' | string[]> {
  if (seesAll(access)) return 'all';
  const team = (access.principal.role?.permissions ?? []).some((p) => p.scope === 'team');
  return team ? access.teamOwners() : [access.principal.userId];
}

async function requirePayee(access: AccessContext, payeeId: string): Promise<void> {
  const scope = await payeeScope(access);
  if (scope !== 'all' && !scope.includes(payeeId)) throw notFound('no statement for this payee and period');
}

function requireAdmin(access: AccessContext): void {
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may change incentive plans and crediting rules');
}

function requireFinance(access: AccessContext): void {
  if (!seesAll(access)) throw forbidden('only finance may run, approve, close or export incentive periods');
}

/** Money and points travel as exact decimal strings. */
function lineJson(l: StatementLine) {
  return { ...l, amount: fmt(l.amount), points: fmt(l.points) };
}

function payoutJson(p: PayoutSummary) {
  return { ...p, earned: fmt(p.earned), adjustments: fmt(p.adjustments), drawAdvance: fmt(p.drawAdvance), recovery: fmt(p.recovery), payout: fmt(p.payout), points: fmt(p.points), balanceAfter: fmt(p.balanceAfter) };
}
