// Who may do what in the incentives API. Pay is private: admins and roles reading every object
// (`*`, scope all: finance) see all payees; roles with a team scope (managers) their reporting
// subtree; everyone else only themselves.
import { forbidden, notFound } from '../http/errors.ts';
import type { AccessContext } from '../rbac/context.ts';
import { isAdmin } from '../rbac/permissions.ts';

export function seesAll(access: AccessContext): boolean {
  const role = access.principal.role;
  if (isAdmin(role)) return true;
  return (role?.permissions ?? []).some((p) => p.object === '*' && p.scope === 'all' && p.actions.includes('read'));
}

/** Payees this request may see: 'all', or a list (oneself, plus the reporting subtree for team scopes). */
export async function payeeScope(access: AccessContext): Promise<'all' | string[]> {
  if (seesAll(access)) return 'all';
  const team = (access.principal.role?.permissions ?? []).some((p) => p.scope === 'team');
  return team ? access.teamOwners() : [access.principal.userId];
}

/** An out-of-scope payee answers 404, so the API is no oracle for who is paid what. */
export async function requirePayee(access: AccessContext, payeeId: string): Promise<void> {
  const scope = await payeeScope(access);
  if (scope !== 'all' && !scope.includes(payeeId)) throw notFound('no statement for this payee and period');
}

export function requireAdmin(access: AccessContext): void {
  if (!isAdmin(access.principal.role)) throw forbidden('only an admin may change incentive plans and crediting rules');
}

export function requireFinance(access: AccessContext): void {
  if (!seesAll(access)) throw forbidden('only finance may run, approve, close or export incentive periods');
}

export function requireFinanceOrAdmin(access: AccessContext): void {
  if (!seesAll(access)) throw forbidden('only finance or an admin may do this');
}
