import { checkDecimal } from '@attain/meta/decimal';
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden } from '../../http/errors.ts';
import { replies } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { FORECAST_OBJECT } from './forecast-compute.ts';
import { scheduleSnapshot } from './forecast-jobs.ts';
import { stageInfo, type CategoryOrOmitted } from './forecast-period.ts';
import { accuracyResponse, forecastResponse, historyResponse, PERIOD_QUERY, settingsBody, settingsResponse, submissionBody, submissionResponse } from './forecast-responses.ts';
import { addSubmission, saveStageMap } from './forecast-store.ts';
import { forecastAccuracy, forecastCaller, forecastHistory, forecastView, stageMapOf } from './forecast-view.ts';

interface SubmissionBody {
  period: string;
  commit: string;
  bestCase: string;
  note?: string;
  forUnit?: string;
}

/** Money as decimal text: at most 2 decimals, not negative, within numeric(20, 2). */
function moneyText(value: string, path: string): string {
  const c = checkDecimal(value, { scale: 2, precision: 20, minimum: 0 });
  if (!c.ok) throw badRequest('invalid_body', `${path.slice(1)} ${c.message}`, [{ path, rule: c.rule, message: c.message }]);
  return c.text;
}

/**
 * The sales forecast (issue #15, item 5): `GET /analytics/forecast?period=` (the caller's numbers and
 * submission; a manager's team rows, roll-up and override), `POST /analytics/forecast/submissions`,
 * `GET /analytics/forecast/history` (weekly snapshots), `GET /analytics/forecast/accuracy` (a period
 * that is over) and the tenant's stage → category map (`GET`/`PUT /analytics/forecast/settings`).
 */
export async function forecastRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const tags = ['analytics'];
  const periodOf = (q: unknown) => (q as { period: string }).period;

  app.get(
    '/analytics/forecast',
    { config: { summary: "The caller's forecast for a period (and their team's)", tags }, schema: { querystring: PERIOD_QUERY, response: replies({ 200: forecastResponse }) } },
    async (request) => {
      const access = requireAccess(request);
      const caller = await forecastCaller(store, access, periodOf(request.query));
      await scheduleSnapshot(store, access.tenantName);
      return { data: await forecastView(store, caller) };
    },
  );

  app.post(
    '/analytics/forecast/submissions',
    { config: { summary: 'Submit a forecast, or (with forUnit) override the team roll-up', tags }, schema: { body: submissionBody, response: replies({ 201: submissionResponse }) } },
    async (request, reply) => {
      const access = requireAccess(request);
      const body = request.body as SubmissionBody;
      const caller = await forecastCaller(store, access, body.period);
      const commit = moneyText(body.commit, '/commit');
      const bestCase = moneyText(body.bestCase, '/bestCase');
      const note = body.note?.trim() ? body.note.trim() : null;
      let unitId: string | null = null;
      if (body.forUnit !== undefined) {
        // Only a manager overrides, and only a unit their team scope covers.
        if (caller.grant.perm.scope === 'own' || !(await access.teamUnits()).includes(body.forUnit)) {
          throw forbidden('you may override only the roll-up of a team you manage', [{ path: '/forUnit', rule: 'team', message: 'not a unit of your team' }]);
        }
        if (!note) throw badRequest('invalid_body', 'an override needs a note saying why', [{ path: '/note', rule: 'required', message: 'required with forUnit' }]);
        unitId = body.forUnit;
      }
      const saved = await addSubmission(
        store,
        access.tenantName,
        { period: caller.period.key, userId: access.principal.userId, kind: unitId ? 'override' : 'own', unitId, commit, bestCase, note },
        access.actor,
      );
      await scheduleSnapshot(store, access.tenantName);
      return reply.code(201).send({ data: saved });
    },
  );

  app.get(
    '/analytics/forecast/history',
    { config: { summary: 'Weekly snapshots of the forecast for a period', tags }, schema: { querystring: PERIOD_QUERY, response: replies({ 200: historyResponse }) } },
    async (request) => {
      const access = requireAccess(request);
      return { data: await forecastHistory(store, await forecastCaller(store, access, periodOf(request.query))) };
    },
  );

  app.get(
    '/analytics/forecast/accuracy',
    { config: { summary: 'Forecast accuracy for a period that is over', tags }, schema: { querystring: PERIOD_QUERY, response: replies({ 200: accuracyResponse }) } },
    async (request) => {
      const access = requireAccess(request);
      return { data: await forecastAccuracy(store, await forecastCaller(store, access, periodOf(request.query))) };
    },
  );

  app.get('/analytics/forecast/settings', { config: { summary: "The tenant's stage → forecast category map", tags }, schema: { response: replies({ 200: settingsResponse }) } }, async (request) => {
    const access = requireAccess(request);
    await access.grant(FORECAST_OBJECT, 'read');
    return { data: { stageMap: await stageMapOf(store, access.tenantName) } };
  });

  app.put(
    '/analytics/forecast/settings',
    { config: { summary: "Change the tenant's stage → forecast category map (admins)", tags }, schema: { body: settingsBody, response: replies({ 200: settingsResponse }) } },
    async (request) => {
      const access = requireAccess(request);
      if (!isAdmin(access.principal.role)) throw forbidden('only an administrator changes the forecast categories', [{ path: '/stageMap', rule: 'admin', message: 'administrators only' }]);
      const map = (request.body as { stageMap: Record<string, CategoryOrOmitted> }).stageMap;
      const stages = stageInfo(access.registry.object(FORECAST_OBJECT)?.fields.find((f) => f.name === 'stage'));
      for (const stage of Object.keys(map)) {
        if (!stages.has(stage))
          throw badRequest('invalid_body', `"${stage}" is not a stage of ${FORECAST_OBJECT}`, [{ path: `/stageMap/${stage}`, rule: 'stage', message: `one of ${[...stages.keys()].join(', ')}` }]);
      }
      await saveStageMap(store, access.tenantName, map, access.actor);
      return { data: { stageMap: await stageMapOf(store, access.tenantName) } };
    },
  );
}
