// Disputes on statement lines: a payee (or whoever may see their pay) raises one, finance resolves
// it, or the tenant's approval flow does. Raising and resolving are audited by the engine in their
// own transaction.
import type { FastifyInstance } from 'fastify';
import { DISPUTE_SUBJECT } from '@attain/engine';
import { ApiError, badRequest } from '../http/errors.ts';
import { periodParam, uuidParam } from '../http/params.ts';
import { BOOLEAN, jsonBody, list, object, OBJECT, params, replies, STRING } from '../http/route-schema.ts';
import { payeeScope, requireFinance, requirePayee } from './incentive-access.ts';
import type { IncentiveRouteKit } from './incentive-route-kit.ts';

export async function incentiveDisputeRoutes(app: FastifyInstance, kit: IncentiveRouteKit): Promise<void> {
  const { ctx, run, routed, pending } = kit;

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
          by: access.actor,
          ...(typeof body.amount === 'string' ? { amount: body.amount } : {}),
        }),
      );
      // Routed like an approval when the tenant has a flow for disputes.
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
      const waiting = await pending(access.tenantName, DISPUTE_SUBJECT, (request.params as { id: string }).id);
      if (waiting)
        throw new ApiError(409, 'approval_pending', 'this dispute is in an approval flow; it is decided there', [
          { path: '/status', rule: 'approval_pending', message: `approval ${waiting} is pending` },
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
          by: access.actor,
        }),
      );
      return { data: d };
    },
  );
}
