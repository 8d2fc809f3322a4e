// What every incentives route file shares: one engine per tenant, the mapping of engine errors to
// API errors, the background derivation a pay-moving write starts, and approval routing.
import type { FastifyRequest } from 'fastify';
import { CalcError, DERIVE_INCENTIVES, IncentiveEngine, IncentiveError, onDisputeResolved } from '@attain/engine';
import { approvalGateway, notifyUsers, workflowFor, WorkflowError } from '@attain/workflow';
import { ApiError } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import type { Store } from '../store-port.ts';
import { requireAccess } from './request-access.ts';

export interface IncentiveRouteKit {
  store: Store;
  ctx: (request: FastifyRequest) => { access: AccessContext; engine: IncentiveEngine };
  /** Runs an engine call, turning its errors into API errors. */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * A change that moves pay (a plan, who is on it, crediting rules, inputs) is computed in the
   * background at once; the write's x-attain-position says when statements reflect it (GET /sync).
   */
  derive: (access: AccessContext, change?: { credit?: boolean }) => Promise<unknown>;
  /** Starts the tenant's approval flow for the subject; undefined when it has none (decided by hand). */
  routed: (tenant: string, subject: { kind: string; id: string; label: string }, by: string | null) => Promise<string | undefined>;
  /** The approval pending on a subject, if any. */
  pending: (tenant: string, kind: string, id: string) => Promise<string | undefined>;
}

export function incentiveRouteKit(store: Store): IncentiveRouteKit {
  // Period approval and disputes go through the tenant's approval flows when configured (the
  // incentives module registers the subjects' handlers).
  const wf = workflowFor(store as never);
  // The payee hears of a resolved dispute in their inbox (and preferred channels), whichever door resolved it.
  onDisputeResolved(store, async (tenant, notice) => {
    await notifyUsers(wf, tenant, { ...notice, object: null, recordId: null });
  });
  const gateway = approvalGateway(wf);
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
      e = new IncentiveEngine(store as never, access.tenantName);
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
  return {
    store,
    ctx: (request) => {
      const access = requireAccess(request);
      return { access, engine: engineFor(access) };
    },
    run,
    derive: (access, change = {}) => store.jobs.enqueue({ queue: DERIVE_INCENTIVES, tenant: access.tenantName, payload: { tenant: access.tenantName, credit: change.credit === true } }),
    routed,
    pending: (tenant, kind, id) => gateway.pending(tenant, kind, id),
  };
}
