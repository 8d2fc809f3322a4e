// The tenant's field settings: how far from a customer a check-in may be, what happens to one
// further away (flagged for the manager, or refused), and how old a device's time may be.
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../../http/errors.ts';
import { INTEGER, jsonBody, object, replies, STRING } from '../../http/route-schema.ts';
import { isAdmin } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { fieldTables, type FieldPort } from './tables.ts';

export interface FieldSettings {
  radiusMeters: number;
  outsideRadius: 'flag' | 'refuse';
  maxAgeMinutes: number;
}

export const DEFAULT_FIELD_SETTINGS: FieldSettings = { radiusMeters: 200, outsideRadius: 'flag', maxAgeMinutes: 60 };

const SETTINGS_SCHEMA = object({ radiusMeters: INTEGER, outsideRadius: STRING, maxAgeMinutes: INTEGER }, ['radiusMeters', 'outsideRadius', 'maxAgeMinutes']);

// Bounds: a radius from a shop door to a large campus; device time up to a week old (offline sync).
const SETTINGS_BODY = {
  ...jsonBody({
    radiusMeters: { type: 'integer', minimum: 1, maximum: 100_000 },
    outsideRadius: { type: 'string', enum: ['flag', 'refuse'] },
    maxAgeMinutes: { type: 'integer', minimum: 1, maximum: 10_080 },
  }),
  additionalProperties: false,
};

interface SettingsRow {
  radius_meters: number;
  outside_radius: FieldSettings['outsideRadius'];
  max_age_minutes: number;
}

export function fieldPort(store: Store, tenant: string): Promise<FieldPort> {
  return store.port(tenant, fieldTables);
}

export async function readFieldSettings(port: FieldPort): Promise<FieldSettings> {
  const row = (await port.table('settings').where({ id: 1 }).first()) as SettingsRow | undefined;
  if (!row) return DEFAULT_FIELD_SETTINGS;
  return { radiusMeters: Number(row.radius_meters), outsideRadius: row.outside_radius, maxAgeMinutes: Number(row.max_age_minutes) };
}

export async function fieldSettingsRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  // Every user of the tenant may read them: the phone shows the radius before a check-in.
  app.get('/field/settings', { schema: { response: replies({ 200: object({ data: SETTINGS_SCHEMA }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: await readFieldSettings(await fieldPort(opts.store, access.tenantName)) };
  });

  app.put('/field/settings', { schema: { body: SETTINGS_BODY, response: replies({ 200: object({ data: SETTINGS_SCHEMA }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    if (!isAdmin(access.principal.role)) throw forbidden('only an admin may change the field settings');
    const port = await fieldPort(opts.store, access.tenantName);
    const before = await readFieldSettings(port);
    const next = { ...before, ...(request.body as Partial<FieldSettings>) };
    // The change and its audit entry commit together.
    await port.knex.transaction(async (trx) => {
      await port
        .table('settings', trx)
        .insert({ id: 1, radius_meters: next.radiusMeters, outside_radius: next.outsideRadius, max_age_minutes: next.maxAgeMinutes, updated_by: access.principal.userId, updated_at: new Date() })
        .onConflict('id')
        .merge();
      await port.audit({ actor: access.actor, action: 'field.settings.update', object: 'field_settings', before, after: next }, trx);
    });
    return { data: next };
  });
}
