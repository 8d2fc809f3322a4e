import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  approveVersion,
  versionWithRequest,
  attainment,
  deleteRule,
  evaluateAlerts,
  inAppNotifier,
  listRules,
  markNoticesRead,
  noticesFor,
  putRule,
  scheduleAlerts,
  computeSplit,
  fromUnits,
  isDecimal,
  planDoc,
  reconcile,
  toUnits,
  closePeriod,
  compileKpi,
  goalsContext,
  importMemberships,
  kpiOf,
  listVersions,
  measureLive,
  goalsModule,
  recomputeAll,
  recomputeScope,
  rejectVersion,
  saveDraft,
  seedMemberships,
  submitVersion,
  unitOf,
  attainmentNames,
  boardOf,
  peersOf,
  GoalsError,
  type GoalsContext,
  type MembershipInput,
  type PlanRequest,
  TARGET_PLAN_SUBJECT,
} from '@attain/engine';
import { approvalGateway, workflowFor, WorkflowError } from '@attain/workflow';
import { Registry, type KpiDoc } from '@attain/meta';
import { today as localToday } from '@attain/engine';
import { ApiError, badRequest, forbidden } from '../http/errors.ts';
import { dateParam, monthParam, objectRows, optionalDateParam, periodYearsParam, uuidParam } from '../http/params.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin, objectPermission } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';
import { auditTrail, versionSummary } from './audit-trail.ts';
import { assertMaySee, assertRequestInScope, kpiVisibility, seesNode, visibleGrid, visibleRequest } from './goals-access.ts';
import { ANY, APPLIED, NOTICES, arrayOf, jsonBody, BOOLEAN, DATE_TEXT, INTEGER, list, NO_BODY, NO_CONTENT, nullable, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';

/** A KPI document (its meta-schema owns the fields) and a split request's shape. */
const KPI_DOC = jsonBody({ kind: { const: 'kpi' }, name: STRING });
const PLAN_REQUEST = jsonBody({ total: STRING, method: { enum: ['equal', 'weights', 'last_year', 'seasonality', 'headcount'] }, weights: OBJECT, locks: arrayOf() });

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 200 ? v : undefined);

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid_body', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

function requireAdmin(access: AccessContext): void {
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may do this');
}

/** Who may split targets: admins, and roles that approve records of the KPI's object (managers). */
function requirePlanner(access: AccessContext, ctx: GoalsContext, kpi: string): void {
  if (isAdmin(access.principal.role)) return;
  const object = access.registry.object(kpiOf(ctx, kpi).object);
  if (!object || !objectPermission(access.principal.role, object).actions.has('approve')) throw forbidden('your role may not set targets for this KPI');
}

function planRequest(b: Record<string, unknown>): PlanRequest {
  const req: PlanRequest = {};
  if (b.total !== undefined) req.total = b.total as string;
  if (b.method !== undefined) {
    if (!['equal', 'weights', 'last_year', 'seasonality', 'headcount'].includes(b.method as string))
      throw badRequest('invalid_body', 'unknown split method', [{ path: '/method', rule: 'enum', message: 'equal | weights | last_year | seasonality | headcount' }]);
    req.method = b.method as PlanRequest['method'];
  }
  if (b.weights !== undefined) {
    if (!b.weights || typeof b.weights !== 'object' || Array.isArray(b.weights))
      throw badRequest('invalid_body', '"weights" must map rows to weights', [{ path: '/weights', rule: 'type', message: 'must be an object' }]);
    req.weights = b.weights as Record<string, string>;
  }
  if (b.locks !== undefined) {
    if (!Array.isArray(b.locks) || b.locks.length > 10_000) throw badRequest('invalid_body', '"locks" must be a list', [{ path: '/locks', rule: 'type', message: 'must be an array' }]);
    req.locks = b.locks as PlanRequest['locks'];
  }
  return req;
}

/** Goals: KPIs, target plans and their split, attainment and pacing (issue 6). */
export async function goalsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  // Plans go through the tenant's approval flow for target plans when one is configured (the
  // goals module registers the subject's handler).
  const wf = workflowFor(opts.store as never);
  const gateway = approvalGateway(wf);
  const { store } = opts;
  const audit = auditTrail(store, goalsModule);
  // The org history is seeded for users and units written around the records service; once per
  // version of the tenant's data on this node (the change feed moves it on every write, from any
  // node), not on every read. Without a trusted feed it is seeded every time.
  const seededAt = new Map<string, number>();
  const context = async (access: AccessContext) => {
    const ctx = await goalsContext(store, access.tenantName, access.registry);
    const version = store.db.changes.dataVersion(ctx.schema);
    if (version === undefined || seededAt.get(ctx.schema) !== version) {
      await seedMemberships(ctx);
      if (version !== undefined) seededAt.set(ctx.schema, version);
    }
    return ctx;
  };

  app.get('/goals/kpis', { schema: { response: replies({ 200: object({ data: arrayOf(), plans: arrayOf() }, ['data', 'plans']) }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: access.registry.documentsOf('kpi'), plans: access.registry.documentsOf('target_plan') };
  });

  // Adds or replaces a KPI after its formulas type-check against this tenant's objects.
  app.put('/goals/kpis/:name', { schema: { params: params('name'), body: KPI_DOC, response: replies({ 200: APPLIED }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    const doc = body(request) as unknown as KpiDoc;
    const { name } = request.params as { name: string };
    if (doc.name !== name) throw badRequest('invalid_body', 'the KPI name does not match the URL', [{ path: '/name', rule: 'const', message: `must be "${name.slice(0, 64)}"` }]);
    const next = Registry.tryFromDocuments([...access.registry.docs.filter((d) => d.id !== doc.id), doc]);
    if (!next.ok)
      throw new GoalsError(
        'kpi_invalid',
        'the KPI document is invalid',
        next.issues.map((i) => ({ path: i.path, rule: i.rule, message: i.message })),
      );
    compileKpi(next.registry, doc);
    return store.metadata.apply(access.tenantName, next.registry.docs as unknown[], { actor: access.actor });
  });

  app.post('/goals/plans/:plan/preview', { schema: { params: params('plan'), body: PLAN_REQUEST, response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    const ctx = await context(access);
    const { plan } = request.params as { plan: string };
    const seen = await kpiVisibility(access, ctx, planDoc(ctx, plan).kpi);
    const req = planRequest(body(request));
    assertRequestInScope(seen, req);
    return visibleGrid(seen, (await computeSplit(ctx, plan, req)).grid);
  });

  app.get('/goals/plans/:plan/versions', { schema: { params: params('plan'), response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    const ctx = await context(access);
    const { plan } = request.params as { plan: string };
    await kpiVisibility(access, ctx, planDoc(ctx, plan).kpi);
    return { data: await listVersions(ctx, plan) };
  });

  app.post('/goals/plans/:plan/versions', { schema: { params: params('plan'), body: PLAN_REQUEST, response: replies({ 200: object({ grid: OBJECT }, ['grid']) }) } }, async (request) => {
    const access = requireAccess(request);
    const ctx = await context(access);
    const { plan } = request.params as { plan: string };
    const doc = access.registry.documentsOf('target_plan').find((p) => p.name === plan);
    if (doc) requirePlanner(access, ctx, doc.kpi);
    const seen = await kpiVisibility(access, ctx, planDoc(ctx, plan).kpi);
    const req = planRequest(body(request));
    assertRequestInScope(seen, req);
    const saved = await saveDraft(ctx, plan, req, access.principal.userId);
    await audit(access, { action: 'goals.target_plan.save', object: 'target_plan_version', recordId: saved.version.id, after: versionSummary(saved.version) });
    return { ...saved, grid: visibleGrid(seen, saved.grid) };
  });

  // One version with the request it was saved from (method, weights, locks), so the split
  // screen can reopen it and keep editing.
  app.get('/goals/plans/:plan/versions/:id', { schema: { params: params('plan', 'id'), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    const ctx = await context(access);
    const { plan, id } = request.params as { plan: string; id: string };
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw badRequest('invalid_id', 'not a version id', [{ path: '/id', rule: 'format', message: 'must be a uuid' }]);
    const seen = await kpiVisibility(access, ctx, planDoc(ctx, plan).kpi);
    const found = await versionWithRequest(ctx, plan, id);
    if (!found) throw new GoalsError('unknown_version', 'no such plan version', [{ path: '/version', rule: 'unknown_reference', message: 'no such version' }], 404);
    // The saved weights and locks name other people's targets: only the visible ones come back.
    return { ...found, request: visibleRequest(seen, found.request) };
  });

  // Bottom-up entry next to the top-down split: per node and month, both numbers and the gap.
  app.post(
    '/goals/plans/:plan/reconcile',
    { schema: { params: params('plan'), body: jsonBody({ bottomUp: OBJECT }), response: replies({ 200: object({ months: arrayOf(STRING), data: arrayOf() }, ['months', 'data']) }) } },
    async (request) => {
      const access = requireAccess(request);
      const ctx = await context(access);
      const { plan } = request.params as { plan: string };
      const seen = await kpiVisibility(access, ctx, planDoc(ctx, plan).kpi);
      const b = body(request);
      const entries = b.bottomUp ?? {};
      if (!entries || typeof entries !== 'object' || Array.isArray(entries))
        throw badRequest('invalid_body', '"bottomUp" must map rows to 12 monthly numbers', [{ path: '/bottomUp', rule: 'type', message: 'must be an object' }]);
      const asked = planRequest(b);
      assertRequestInScope(seen, asked);
      const split = await computeSplit(ctx, plan, asked);
      const { months, scale } = split.grid;
      const bottomUp = new Map<string, bigint[]>();
      const issues: Array<{ path: string; rule: string; message: string }> = [];
      for (const [node, row] of Object.entries(entries as Record<string, unknown>)) {
        if (!Array.isArray(row) || row.length !== months.length) {
          issues.push({ path: `/bottomUp/${node}`, rule: 'type', message: `must list ${months.length} monthly numbers` });
          continue;
        }
        bottomUp.set(
          node,
          row.map((v, j) => {
            if (!isDecimal(v)) {
              issues.push({ path: `/bottomUp/${node}/${months[j]}`, rule: 'type', message: 'must be a decimal number written as a string' });
              return 0n;
            }
            return toUnits(v, scale);
          }),
        );
      }
      if (issues.length) throw new GoalsError('reconcile_invalid', 'the bottom-up numbers were refused', issues.slice(0, 50));
      const rows = reconcile(split.root, split.cells, bottomUp, months.length);
      const dec = (r: readonly bigint[]) => r.map((v) => fromUnits(v, scale));
      return {
        months,
        data: rows
          .filter((r) => seesNode(seen, r.node))
          .map((r) => ({
            node: r.node,
            topDown: dec(r.topDown),
            bottomUp: dec(r.bottomUp),
            gap: dec(r.gap),
            gapYear: fromUnits(
              r.gap.reduce((a, v) => a + v, 0n),
              scale,
            ),
          })),
      };
    },
  );

  app.post('/goals/plans/:plan/versions/:id/:action', { schema: { params: params('plan', 'id', 'action'), body: NO_BODY, response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    const ctx = await context(access);
    const { plan, id, action } = request.params as { plan: string; id: string; action: string };
    const doc = access.registry.documentsOf('target_plan').find((p) => p.name === plan);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw badRequest('invalid_id', 'not a version id', [{ path: '/id', rule: 'format', message: 'must be a uuid' }]);
    const by = access.principal.userId;
    if (action === 'submit') {
      if (doc) requirePlanner(access, ctx, doc.kpi);
      const submitted = await submitVersion(ctx, plan, id, by);
      await audit(access, { action: 'goals.target_plan.submit', object: 'target_plan_version', recordId: id, after: versionSummary(submitted) });
      try {
        const started = await gateway.submit({ tenant: access.tenantName, subject: { kind: TARGET_PLAN_SUBJECT, id, label: `${plan} v${submitted.version}` }, requestedBy: by });
        // Without a flow for target plans an admin approves through this API.
        return started === 'manual' ? submitted : { ...submitted, approval: started.ref };
      } catch (error) {
        if (error instanceof WorkflowError) throw new ApiError(error.status, error.code, error.message, error.details);
        throw error;
      }
    }
    if (action === 'approve' || action === 'reject') {
      requireAdmin(access);
      const pending = await gateway.pending(access.tenantName, TARGET_PLAN_SUBJECT, id);
      if (pending)
        throw new ApiError(409, 'approval_pending', 'this version is in an approval flow; it is decided there', [
          { path: '/action', rule: 'approval_pending', message: `approval ${pending} is pending` },
        ]);
      const decided = action === 'approve' ? await approveVersion(ctx, plan, id, by) : await rejectVersion(ctx, plan, id, by);
      await audit(access, { action: `goals.target_plan.${action}`, object: 'target_plan_version', recordId: id, after: versionSummary(decided) });
      return decided;
    }
    throw badRequest('invalid_action', 'unknown action', [{ path: '/action', rule: 'enum', message: 'submit | approve | reject' }]);
  });

  app.get(
    '/goals/attainment',
    {
      schema: {
        querystring: query({ kpi: STRING, period: STRING, asOf: DATE_TEXT, pacing: { type: 'string', description: 'linear | seasonal (the default)' }, team: STRING, unit: STRING, person: STRING }),
        response: replies({ 200: object({ data: arrayOf(), asOf: STRING, myUnit: nullable(STRING), peers: nullable(object({ rank: INTEGER, of: INTEGER })) }, ['data', 'asOf']) }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const ctx = await context(access);
      const q = request.query as Record<string, unknown>;
      const kpi = str(q.kpi);
      const period = str(q.period);
      if (!kpi || !period) throw badRequest('invalid_query', 'kpi and period are required', [{ path: kpi ? '/period' : '/kpi', rule: 'required', message: 'is required' }]);
      periodYearsParam(period, '/period');
      // Today on the tenant's wall clock (the tenant calendar), not UTC's.
      const asOf = optionalDateParam(q.asOf, '/asOf') ?? localToday(ctx.calendar.timeZone);
      const pacing = q.pacing === 'linear' ? 'linear' : 'seasonal';
      let subjects: Array<{ kind: 'person' | 'unit'; id: string }>;
      let board = false;
      const me = access.principal.userId;
      let myUnit: string | null | undefined;
      if (typeof q.team === 'string') {
        const team = uuidParam(q.team, '/team');
        // The board of a unit outside the caller's subtree is refused before it is read.
        await assertMaySee(access, ctx, kpi, [{ kind: 'unit', id: team }]);
        // The team and the viewer's own unit in one read.
        ({ subjects, myUnit } = await boardOf(ctx, team, me, asOf));
        board = true;
      } else if (typeof q.unit === 'string') subjects = [{ kind: 'unit', id: q.unit }];
      else subjects = [{ kind: 'person', id: typeof q.person === 'string' ? q.person : access.principal.userId }];
      if (subjects.some((s) => !/^[0-9a-f-]{36}$/i.test(s.id))) throw badRequest('invalid_query', 'not an id', [{ path: '/person', rule: 'format', message: 'must be a uuid' }]);
      await assertMaySee(access, ctx, kpi, board ? subjects.filter((s) => s.kind === 'person') : subjects);
      const self = !board && subjects.length === 1 && subjects[0]!.kind === 'person' && subjects[0]!.id === me;
      // My goals: the caller's unit and its people in one read.
      const peers = self ? await peersOf(ctx, me, asOf) : undefined;
      if (myUnit === undefined) myUnit = peers ? peers.unit : await unitOf(ctx, me, asOf);
      // A person's own rank among the people of their unit, without showing the peers' numbers.
      if (peers && myUnit) {
        const people = peers.people.map((id) => ({ kind: 'person' as const, id }));
        if (people.length > 1 && people.some((p) => p.id === me)) {
          // One read for the unit's people gives both the caller's own row and their rank.
          const ranked = await attainment(ctx, { kpi, period, subjects: people, asOf, pacing, names: false });
          const mine = ranked.find((r) => r.subject.id === me);
          if (mine?.rank) {
            const [named] = await attainmentNames(ctx, [mine]);
            return { data: [{ ...named, rank: 1 }], asOf, myUnit, peers: { rank: mine.rank, of: ranked.length } };
          }
        }
      }
      const data = await attainment(ctx, { kpi, period, subjects, asOf, pacing });
      return { data, asOf, myUnit, peers: null };
    },
  );

  app.get(
    '/goals/measure',
    { schema: { querystring: query({ kpi: STRING, start: DATE_TEXT, end: DATE_TEXT, unit: STRING, person: STRING, dimension: STRING }), response: replies({ 200: list() }) } },
    async (request) => {
      const access = requireAccess(request);
      const ctx = await context(access);
      const q = request.query as Record<string, unknown>;
      const kpi = str(q.kpi);
      if (!kpi) throw badRequest('invalid_query', 'kpi is required', [{ path: '/kpi', rule: 'required', message: 'is required' }]);
      const start = dateParam(q.start, '/start');
      const end = dateParam(q.end, '/end');
      const unit = q.unit === undefined ? undefined : uuidParam(q.unit, '/unit');
      const user = q.person === undefined ? undefined : uuidParam(q.person, '/person');
      await assertMaySee(access, ctx, kpi, unit ? [{ kind: 'unit', id: unit }] : [{ kind: 'person', id: user ?? access.principal.userId }]);
      return { data: await measureLive(ctx, { kpi, start, end, ...(unit ? { unit } : { user: user ?? access.principal.userId }), ...(str(q.dimension) ? { dimension: str(q.dimension)! } : {}) }) };
    },
  );

  // Org import with back-dated moves; `dryRun: true` returns the diff and changes nothing.
  app.post('/goals/org/import', { schema: { body: jsonBody({ rows: arrayOf(), dryRun: BOOLEAN }), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    const ctx = await context(access);
    const b = body(request);
    if (!Array.isArray(b.rows) || b.rows.length > 50_000) throw badRequest('invalid_body', '"rows" must be a list', [{ path: '/rows', rule: 'type', message: 'must be an array' }]);
    objectRows(b.rows, '/rows');
    const preview = await importMemberships(ctx, b.rows as MembershipInput[], { dryRun: b.dryRun === true });
    if (b.dryRun !== true) {
      const users = Object.keys(preview.from);
      for (const k of access.registry.documentsOf('kpi')) await recomputeScope(ctx, kpiOf(ctx, k.name), { users });
    }
    return preview;
  });

  app.post('/goals/periods/:month/close', { schema: { params: params('month'), body: NO_BODY, response: replies({ 200: object({ closed: STRING }, ['closed']) }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    const ctx = await context(access);
    const month = monthParam((request.params as { month: string }).month, '/month');
    await closePeriod(ctx, month, access.principal.userId);
    await audit(access, { action: 'goals.period.close', object: 'goals_period', after: { month, status: 'closed' } });
    return { closed: month };
  });

  app.post('/goals/recompute', { schema: { body: NO_BODY, response: replies({ 200: object({ rows: ANY }, ['rows']) }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    const ctx = await context(access);
    const out: Record<string, number> = {};
    for (const k of access.registry.documentsOf('kpi')) out[k.name] = (await recomputeAll(ctx, kpiOf(ctx, k.name))).rows;
    return { rows: out };
  });

  // Alert rules (admin) and each user's goal alerts. Saving a rule starts the tenant's schedule.
  app.get('/goals/alerts/rules', { schema: { response: replies({ 200: list() }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    return { data: await listRules(await context(access)) };
  });

  app.put('/goals/alerts/rules/:name', { schema: { params: params('name'), body: jsonBody({ name: STRING }), response: replies({ 200: OBJECT }) } }, async (request) => {
    const access = requireAccess(request);
    requireAdmin(access);
    const ctx = await context(access);
    const { name } = request.params as { name: string };
    const b = body(request);
    if (b.name !== name) throw badRequest('invalid_body', 'the rule name does not match the URL', [{ path: '/name', rule: 'const', message: `must be "${name.slice(0, 64)}"` }]);
    const rule = await putRule(ctx, b);
    await scheduleAlerts(store, access.tenantName);
    return rule;
  });

  app.delete('/goals/alerts/rules/:name', { schema: { params: params('name'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    requireAdmin(access);
    if (!(await deleteRule(await context(access), (request.params as { name: string }).name)))
      throw new GoalsError('unknown_rule', 'no such alert rule', [{ path: '/name', rule: 'unknown_reference', message: 'no such rule' }], 404);
    return reply.code(204).send();
  });

  // Evaluates the rules now (what the scheduled job does), for an admin checking a new rule.
  app.post(
    '/goals/alerts/run',
    { schema: { body: NO_BODY, response: replies({ 200: object({ evaluated: INTEGER, fired: arrayOf(object({ rule: STRING, subject: STRING, to: arrayOf(STRING) })) }, ['evaluated', 'fired']) }) } },
    async (request) => {
      const access = requireAccess(request);
      requireAdmin(access);
      return evaluateAlerts(await context(access), new Date(), inAppNotifier);
    },
  );

  app.get('/goals/notifications', { schema: { response: replies({ 200: NOTICES }) } }, async (request) => {
    const access = requireAccess(request);
    return noticesFor(await context(access), access.principal.userId, 50);
  });

  app.post(
    '/goals/notifications/read',
    { schema: { body: jsonBody({ ids: { anyOf: [{ const: 'all' }, arrayOf(STRING)] } }), response: replies({ 200: object({ read: ANY }, ['read']) }) } },
    async (request) => {
      const access = requireAccess(request);
      const b = body(request);
      const ids = b.ids === 'all' ? 'all' : Array.isArray(b.ids) && b.ids.length <= 500 && b.ids.every((i) => typeof i === 'string') ? (b.ids as string[]) : undefined;
      if (!ids) throw badRequest('invalid_body', '"ids" must be "all" or a list of ids', [{ path: '/ids', rule: 'type', message: 'must be "all" or an array of ids' }]);
      return { read: await markNoticesRead(await context(access), access.principal.userId, ids) };
    },
  );
}
