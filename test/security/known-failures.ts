import type { Finding, FindingKind } from './checks.ts';

/**
 * Failures the suite finds today whose fixes are being made elsewhere, each with its finding
 * number in issue #12. A finding matching an entry is reported but does not fail the suite; any
 * other finding does. Remove an entry once its fix is merged (the suite then guards it).
 * #12.1 (formula preview scope), #12.2 (reference writes) and #12.7 (introspection) were found
 * by this suite too and are fixed on main: their entries are gone, the suite guards them.
 *
 * `route` and `input` are regular expressions over the finding's route (`METHOD /path`) and
 * input name; `kinds` limits the entry to those kinds of finding.
 */
export interface KnownFailure {
  finding: string;
  route: RegExp;
  input?: RegExp;
  caller?: RegExp;
  kinds: readonly FindingKind[];
  why: string;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    finding: '#12.10',
    route: new RegExp(`^(${[
      'POST /api/v1/auth/login',
      'GET /api/v1/audit',
      'DELETE /api/v1/goals/alerts/rules/\\{name\\}',
      'GET /api/v1/goals/plans/\\{plan\\}/versions',
      'GET /api/v1/incentives/inputs',
      'GET /api/v1/incentives/leaderboard/\\{period\\}',
      'GET /api/v1/incentives/payouts/\\{period\\}(/xlsx)?',
      'GET /api/v1/incentives/problems',
      'GET /api/v1/incentives/statements/.*',
      'POST /api/v1/incentives/disputes',
      'GET /api/v1/workflow/runs',
    ].join('|')})$`),
    // The input is `nul-byte`, or `<query key>=nul-byte` when one key is probed alone.
    input: /(^|=)nul-byte$/,
    kinds: ['5xx'],
    why: 'a NUL byte in text that reaches PostgreSQL is a 500',
  },
  {
    finding: '#12.11',
    // Every query key gets the input, the statement period among them: any non-period is a 500.
    route: /^GET \/api\/v1\/incentives\/statements\/\{payeeId\}\/\{period\}\/pdf$/,
    kinds: ['5xx'],
    why: 'a malformed statement period (2026-13, abc) is a 500 on the PDF route',
  },
  {
    finding: '#12.11 (found by this suite, not in the issue)',
    // With kpi and period present, `team=<not a uuid>` reaches teamOf before the uuid check.
    route: /^GET \/api\/v1\/goals\/attainment$/,
    kinds: ['5xx'],
    why: 'GET /goals/attainment?kpi=x&period=2026-01&team=abc is a 500: the team id is not validated before use',
  },
  {
    finding: '#12.13',
    route: /\{[A-Za-z]+\}/,
    input: /^(long-text|invalid-utf8-url)$/,
    kinds: ['error-shape'],
    // Found by this suite beside #13: a path with bad percent-encoding (`%FF%FE`) is fastify's
    // FST_ERR_BAD_URL 400, also outside the shape; the same router-error handler fixes both.
    why: "a path parameter over 200 characters (414) or not UTF-8 (400) gets fastify's body, outside the API's error shape",
  },
];

export function knownFailure(f: Finding): KnownFailure | undefined {
  return KNOWN_FAILURES.find((k) => k.kinds.includes(f.kind) && k.route.test(f.route) && (!k.input || k.input.test(f.input)) && (!k.caller || k.caller.test(f.caller)));
}
