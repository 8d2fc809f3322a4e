// Which roles get a daily report and at which hour of the tenant's day (0–23). A role that is not
// listed gets none. Admins change them; every user reads them (the studio shows the rep's hour).
import type { FastifyInstance } from 'fastify';
import { ApiError, forbidden } from '../../http/errors.ts';
import { arrayOf, BOOLEAN, INTEGER, object, replies, STRING } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { scheduleDaily } from './schedule.ts';
import { dailyTables, type DailyPort } from './tables.ts';

export interface RoleSetting {
  role: string;
  enabled: boolean;
  hour: number;
}

const ROLE_SETTING = object({ role: STRING, enabled: BOOLEAN, hour: INTEGER }, ['role', 'enabled', 'hour']);
const SETTINGS_REPLY = object({ data: object({ roles: arrayOf(ROLE_SETTING) }, ['roles']) }, ['data']);
const SETTINGS_BODY = {
  type: 'object',
  required: ['roles'],
  additionalProperties: false,
  properties: {
    roles: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        required: ['role', 'enabled', 'hour'],
        additionalProperties: false,
        properties: { role: { type: 'string', minLength: 1, maxLength: 100 }, enabled: { type: 'boolean' }, hour: { type: 'integer', minimum: 0, maximum: 23 } },
      },
    },
  },
};

export function dailyPort(store: Store, tenant: string): Promise<DailyPort> {
  return store.port(tenant, dailyTables);
}

export async function readDailySettings(port: DailyPort): Promise<RoleSetting[]> {
  const rows = (await port.table('settings').select('role', 'enabled', 'hour').orderBy('role')) as Array<{ role: string; enabled: boolean; hour: number }>;
  return rows.map((r) => ({ role: r.role, enabled: Boolean(r.enabled), hour: Number(r.hour) }));
}

export async function dailySettingsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/daily/settings', { schema: { response: replies({ 200: SETTINGS_REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: { roles: await readDailySettings(await dailyPort(store, access.tenantName)) } };
  });

  app.put('/daily/settings', { schema: { body: SETTINGS_BODY, response: replies({ 200: SETTINGS_REPLY }) } }, async (request) => {
    const access = requireAccess(request);
    if (!isAdmin(access.principal.role)) throw forbidden('only an admin changes the daily report settings');
    const { roles } = request.body as { roles: RoleSetting[] };
    const seen = new Set<string>();
    roles.forEach((r, i) => {
      if (!access.registry.role(r.role)) throw new ApiError(422, 'unknown_role', `there is no role "${r.role.slice(0, 64)}"`, [{ path: `/roles/${i}/role`, rule: 'exists', message: 'no such role' }]);
      if (seen.has(r.role)) throw new ApiError(422, 'duplicate_role', `the role "${r.role}" is listed twice`, [{ path: `/roles/${i}/role`, rule: 'unique', message: 'listed twice' }]);
      seen.add(r.role);
    });
    const port = await dailyPort(store, access.tenantName);
    const before = await readDailySettings(port);
    await port.knex.transaction(async (trx) => {
      await port.table('settings', trx).delete();
      if (roles.length) await port.table('settings', trx).insert(roles.map((r) => ({ role: r.role, enabled: r.enabled, hour: r.hour, updated_by: access.principal.userId, updated_at: new Date() })));
      await port.audit({ actor: access.actor, action: 'daily.settings.update', object: 'daily_settings', before: { roles: before }, after: { roles } }, trx);
    });
    // The chain of daily jobs starts (or gains an hour) with the settings.
    await scheduleDaily(store, access.tenantName);
    return { data: { roles: await readDailySettings(port) } };
  });
}
