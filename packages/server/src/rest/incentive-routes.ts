// Incentives API. Pay is private: a payee scope is resolved per request (incentive-access.ts) — all
// payees for admins and roles that approve everything (finance), the reporting subtree for roles
// with a team scope (managers), else only oneself — and every read or write naming a payee is
// checked against it. An out-of-scope payee answers 404, so the API is no oracle for who is paid what.
// The routes live one resource a file; this registers them in their long-standing order.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store-port.ts';
import { incentiveAssignmentRoutes, planAssignmentRoutes } from './incentive-assignment-routes.ts';
import { incentiveDisputeRoutes } from './incentive-dispute-routes.ts';
import { incentiveInputRoutes } from './incentive-input-routes.ts';
import { incentivePeriodRoutes } from './incentive-period-routes.ts';
import { creditingRuleRoutes, incentivePlanRoutes } from './incentive-plan-routes.ts';
import { incentiveRouteKit } from './incentive-route-kit.ts';
import { incentiveExportRoutes, incentiveStatementRoutes } from './incentive-statement-routes.ts';

export { payeeScope } from './incentive-access.ts';

export async function incentiveRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const kit = incentiveRouteKit(opts.store);
  // Territories, specialists and calculation problems.
  await incentiveAssignmentRoutes(app, kit);
  await incentivePlanRoutes(app, kit);
  await planAssignmentRoutes(app, kit);
  await creditingRuleRoutes(app, kit);
  await incentivePeriodRoutes(app, kit);
  await incentiveStatementRoutes(app, kit);
  await incentiveDisputeRoutes(app, kit);
  await incentiveInputRoutes(app, kit);
  await incentiveExportRoutes(app, kit);
}
