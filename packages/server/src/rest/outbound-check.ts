import { workflowFor, type OutboundProblem } from '@attain/workflow';
import { ApiError } from '../http/errors.ts';
import type { Store } from '../store-port.ts';

/**
 * Refuses a save that holds a webhook, robot or SMTP address the send-time SSRF guard would
 * refuse: 422 `ssrf_blocked` (a private, loopback, link-local or metadata target) or
 * `invalid_url`, one detail per refused value naming its place in the body.
 */
export async function refuseBlockedOutbound(store: Store, tenant: string, what: Parameters<ReturnType<typeof workflowFor>['outboundProblems']>[1]): Promise<void> {
  const problems: OutboundProblem[] = await workflowFor(store).outboundProblems(tenant, what);
  if (!problems.length) return;
  const blocked = problems.some((p) => p.rule === 'ssrf_blocked');
  throw new ApiError(
    422,
    blocked ? 'ssrf_blocked' : 'invalid_url',
    blocked ? `${problems[0]?.path}: outbound calls to private, loopback, link-local or metadata addresses are not allowed` : `${problems[0]?.path}: ${problems[0]?.message}`,
    problems.map((p) => ({ path: p.path, rule: p.rule, message: p.message })),
  );
}
