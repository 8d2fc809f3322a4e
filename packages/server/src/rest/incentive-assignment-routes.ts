// Who is paid by what: plan assignments, plans given by role, territory (customer → payee) and
// specialist (product category → payee) assignments read by the `assignment` and `overlay`
// crediting rules, and the calculation problems finance fixes before a close. Admins write, finance
// reads, everyone else is refused; saves are audited by the engine in their own transaction.
import type { FastifyInstance } from 'fastify';
import type { KeyedKind, RoleAssignment } from '@attain/engine';
import { KEYED } from '@attain/engine';
import { badRequest, notFound } from '../http/errors.ts';
import { isIsoDate, objectRows } from '../http/params.ts';
import { ANY, arrayOf, jsonBody, list, object, OBJECT, params, query, replies, STRING } from '../http/route-schema.ts';
import { requireAdmin, requireFinance } from './incentive-access.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

const CODES = ['fx_missing', 'split_total', 'plan_fx_missing'];

export async function incentiveAssignmentRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run } = kit;
  for (const kind of ['territory', 'specialist'] as const satisfies readonly KeyedKind[]) {
    const name = KEYED[kind].list;
    app.get(`/incentives/${name}`, { schema: { response: replies({ 200: list() }) } }, async (request) => {
      const { access, engine } = ctx(request);
      requireFinance(access);
      return { data: await run(() => engine.keyedAssignments(kind)) };
    });

    // Replaces the list of this kind (plan assignments and the other kind are kept) and recomputes
    // the payees of the affected customers' or categories' transactions.
    app.put(`/incentives/${name}`, { schema: { body: OBJECT, response: replies({ 200: object({ data: ANY, recomputed: OBJECT }, ['data', 'recomputed']) }) } }, async (request) => {
      const { access, engine } = ctx(request);
      requireAdmin(access);
      const body = request.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || !Array.isArray(body[name]))
        throw badRequest('invalid_body', `expected {"${name}": [...]}`, [{ path: `/${name}`, rule: 'type', message: 'must be an array' }]);
      const saved = await run(() => engine.setKeyedAssignments(kind, body[name], access.actor));
      const error = saved.failed
        ? {
            error: {
              code: 'calculation_failed',
              message: `saved; the recalculation failed: ${saved.failed.message}`,
              details: [{ path: saved.failed.path, rule: 'calculation', message: saved.failed.message }],
            },
          }
        : {};
      return { data: saved.data, recomputed: { transactions: saved.transactions, payees: saved.run?.payees ?? 0, periods: saved.run?.periods ?? [], ...error } };
    });
  }

  // What the engine had to leave out, and why: a transaction without a rate for its currency, split
  // rows not totalling 100%, a credit a plan paying in another currency has no rate for.
  app.get('/incentives/problems', { schema: { querystring: query({ code: STRING, txId: STRING }), response: replies({ 200: list() }) } }, async (request) => {
    const { access, engine } = ctx(request);
    requireFinance(access);
    const q = request.query as { code?: string; txId?: string };
    if (q.code !== undefined && !CODES.includes(q.code))
      throw badRequest('invalid_query', `code must be one of ${CODES.join(', ')}`, [{ path: '/code', rule: 'enum', message: `must be one of ${CODES.join(', ')}` }]);
    return { data: await run(() => engine.problems({ ...(q.code ? { codes: [q.code] } : {}), ...(q.txId ? { txIds: [q.txId] } : {}) })) };
  });
}

/** Who is on one plan, and plans given by role. */
export async function planAssignmentRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, derive } = kit;

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
      const rows = (request.body as { assignments?: unknown } | undefined)?.assignments;
      if (!Array.isArray(rows)) throw badRequest('invalid_body', 'expected {"assignments": [...]}', [{ path: '/assignments', rule: 'type', message: 'must be an array' }]);
      objectRows(rows, '/assignments');
      const details = rows.flatMap((a: Record<string, unknown>, i) => [
        ...(typeof a?.payeeId === 'string' && a.payeeId ? [] : [{ path: `/assignments/${i}/payeeId`, rule: 'required', message: 'is required' }]),
        ...(isIsoDate(a?.from) ? [] : [{ path: `/assignments/${i}/from`, rule: 'format', message: 'must be a date (YYYY-MM-DD)' }]),
        ...(a?.to === undefined || a.to === null || (isIsoDate(a.to) && a.to >= String(a.from))
          ? []
          : [{ path: `/assignments/${i}/to`, rule: 'format', message: 'must be a date on or after the start' }]),
      ]);
      if (details.length) throw badRequest('invalid_body', 'invalid plan assignments', details);
      const saved = await run(() => engine.setPlanAssignments(id, rows as Array<{ payeeId: string; from: string; to?: string | null }>, access.actor));
      if (!saved) throw notFound('no such plan');
      await derive(access);
      return saved;
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
      const rows = (request.body as { roleAssignments?: unknown } | undefined)?.roleAssignments;
      if (!Array.isArray(rows)) throw badRequest('invalid_body', 'expected {"roleAssignments": [...]}', [{ path: '/roleAssignments', rule: 'type', message: 'must be an array' }]);
      objectRows(rows, '/roleAssignments');
      // Roles as the user records have them now (changes are recorded as of the day they are seen).
      await run(() => engine.syncRolesFromRecords());
      const issues = await run(() => engine.setRoleAssignments(rows as RoleAssignment[], access.actor));
      const after = await engine.roleAssignments();
      await derive(access);
      return { data: after, issues };
    },
  );
}
