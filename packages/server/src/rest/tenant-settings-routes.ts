// The tenant's base currency, time zone and fiscal calendar (tenant-settings.ts in the store): admins
// change them until the first incentive calculation; after it they are fixed (409).
import type { FastifyInstance } from 'fastify';
import type { TenantSettings } from '@attain/store';
import { IncentiveEngine } from '@attain/engine';
import { forbidden } from '../http/errors.ts';
import { isAdmin } from '../rbac/permissions.ts';
import type { Store } from '../store-port.ts';
import { seesAll } from './incentive-access.ts';
import { requireAccess } from './request-access.ts';
import { object, OBJECT, replies } from '../http/route-schema.ts';

const view = (s: TenantSettings) => ({
  baseCurrency: s.baseCurrency,
  timeZone: s.timeZone,
  fiscalYearStartMonth: s.fiscalYearStartMonth,
  calculatedAt: s.calculatedAt,
  locked: s.calculatedAt !== null,
});

export async function tenantSettingsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  app.get('/tenant/settings', { schema: { response: replies({ 200: object({ data: OBJECT }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    // Admins, and finance who enter the rates in this currency.
    if (!seesAll(access)) throw forbidden('only an admin or finance may read the tenant settings');
    return { data: view(await opts.store.tenants.settings(access.tenantName)) };
  });

  app.put('/tenant/settings', { schema: { body: OBJECT, response: replies({ 200: object({ data: OBJECT }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    if (!isAdmin(access.principal.role)) throw forbidden('only an admin may change the tenant settings');
    // Validation (422 naming the field) and the lock after the first calculation (409) are the store's.
    const before = await opts.store.tenants.settings(access.tenantName);
    const after = await opts.store.tenants.updateSettings(access.tenantName, request.body ?? {}, access.actor);
    // Credits already kept (orders booked before any calculation) are recredited in the new base
    // currency, so none keeps the old one's rates; nothing was calculated yet, so nothing else moves.
    if (after.baseCurrency !== before.baseCurrency) await new IncentiveEngine(opts.store as never, access.tenantName).credit(null);
    return { data: view(after) };
  });
}
