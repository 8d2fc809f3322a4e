// Territory (customer → payee) and specialist (product category → payee) assignments, read by the
// `assignment` and `overlay` crediting rules, and the calculation problems finance fixes before a
// close. Admins write, finance reads, everyone else is refused.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncentiveEngine, KeyedKind } from '@attain/engine';
import { KEYED } from '@attain/engine';
import { badRequest } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import { requireAdmin, requireFinance } from './incentive-access.ts';
import { listSummary, type auditTrail } from './audit-trail.ts';
import { ANY, list, object, OBJECT, query, replies, STRING } from '../http/route-schema.ts';

const CODES = ['fx_missing', 'split_total', 'plan_fx_missing'];

export interface IncentiveRouteKit {
  ctx: (request: FastifyRequest) => { access: AccessContext; engine: IncentiveEngine };
  /** Runs an engine call, turning its errors into API errors. */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Writes the incentives module's audit entry (audit-trail.ts). */
  audit: ReturnType<typeof auditTrail>;
}

export async function incentiveAssignmentRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, audit } = kit;
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
      const before = await run(() => engine.keyedAssignments(kind));
      const saved = await run(() => engine.setKeyedAssignments(kind, body[name]));
      await audit(access, { action: `incentives.${kind}_assignments.update`, object: 'incentive_assignment', before: listSummary(before), after: listSummary(saved.data) });
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
