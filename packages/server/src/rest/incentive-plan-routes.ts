// Incentive plans (list, lint, save, the designer's preview) and crediting rules. Admins write;
// saves are audited by the engine in their own transaction.
import type { FastifyInstance } from 'fastify';
import { validateAgainstMetaSchema } from '@attain/meta';
import { lintPlan, previewPlan, type CreditingRuleDoc, type IncentivePlanDoc, type PlanVersionDef, type PreviewSample } from '@attain/engine';
import { ApiError, badRequest } from '../http/errors.ts';
import { objectRows } from '../http/params.ts';
import { arrayOf, jsonBody, list, NUMBER, object, OBJECT, params, replies, STRING } from '../http/route-schema.ts';
import { requireAdmin, requireFinance } from './incentive-access.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

/** An incentive plan document (its meta-schema owns the rest) and the lint answer. */
const PLAN_DOC = jsonBody({ kind: STRING, id: STRING, versions: { type: 'array' } });
const ISSUES = object({ issues: arrayOf() }, ['issues']);

export async function incentivePlanRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, derive } = kit;

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
    const issues = await run(() => engine.savePlan(plan, access.actor));
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
}

export async function creditingRuleRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, derive } = kit;

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
    const issues = await run(() => engine.saveRules(body.rules as CreditingRuleDoc[], access.actor));
    await derive(access, { credit: true });
    return { issues };
  });
}

export function planBody(body: unknown, opts: { shapeOnly?: boolean } = {}): IncentivePlanDoc {
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
