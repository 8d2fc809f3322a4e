// Dashboards people build in the studio (managers for their team, anyone for themselves), kept
// in the analytics module's own table: the same document shape as an `analytics.dashboard`
// metadata document, checked by the same meta-schema and cross-checks, owned by a user and shared
// with the owner's team or with roles. Metadata dashboards stay the admins' (and templates').
import { randomBytes } from 'node:crypto';
import type { Actor, TenantModule } from '@attain/store';
import { ApiError } from '../../http/errors.ts';
import type { Store } from '../../store-port.ts';
import type { DashboardDoc } from './dashboard-schema.ts';

export const analyticsTables: TenantModule<'dashboard'> = {
  // Its own migration list, apart from the funnel's and the forecast's tables (one name, one list).
  name: 'analytics_dashboards',
  tables: ['dashboard'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (await trx.schema.withSchema(schema).hasTable('attain_analytics_dashboards_dashboard')) return;
        await trx.schema.withSchema(schema).createTable('attain_analytics_dashboards_dashboard', (t) => {
          t.text('name').primary();
          t.uuid('owner_id').notNullable();
          t.jsonb('doc').notNullable();
          t.boolean('team').notNullable().defaultTo(false);
          t.integer('version').notNullable().defaultTo(1);
          t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          t.index(['owner_id']);
        });
      },
    },
  ],
};

/** A dashboard someone built: its document, who owns it, and whether their team sees it. */
export interface UserDashboard {
  doc: DashboardDoc;
  ownerId: string;
  team: boolean;
  version: number;
  updatedAt: string;
}

interface Row {
  name: string;
  owner_id: string;
  doc: DashboardDoc | string;
  team: boolean;
  version: number;
  updated_at: Date | string;
}

const fromRow = (r: Row): UserDashboard => ({
  doc: typeof r.doc === 'string' ? (JSON.parse(r.doc) as DashboardDoc) : r.doc,
  ownerId: r.owner_id,
  team: r.team,
  version: Number(r.version),
  updatedAt: r.updated_at instanceof Date ? r.updated_at.toISOString() : String(r.updated_at),
});

/** A new dashboard's api name: `u_` and 12 hex digits, never one a metadata document can take by accident. */
export const newDashboardName = (): string => `u_${randomBytes(6).toString('hex')}`;

export async function userDashboards(store: Store, tenant: string): Promise<UserDashboard[]> {
  const port = await store.port(tenant, analyticsTables);
  return ((await port.table('dashboard').select('*').orderBy('created_at')) as Row[]).map(fromRow);
}

export async function userDashboard(store: Store, tenant: string, name: string): Promise<UserDashboard | undefined> {
  const port = await store.port(tenant, analyticsTables);
  const row = (await port.table('dashboard').where({ name }).first()) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

/** Creates or replaces one, with its audit entry in the same transaction. `expected`: the version the editor started from. */
export async function saveUserDashboard(store: Store, tenant: string, d: { doc: DashboardDoc; ownerId: string; team: boolean }, actor: Actor, expected?: number): Promise<UserDashboard> {
  const port = await store.port(tenant, analyticsTables);
  return port.knex.transaction(async (trx) => {
    const before = (await port.table('dashboard', trx).where({ name: d.doc.name }).forUpdate().first()) as Row | undefined;
    if (before && expected !== undefined && Number(before.version) !== expected) {
      throw new ApiError(409, 'conflict', 'the dashboard was changed by someone else since you opened it', [{ path: '/version', rule: 'version', message: `now version ${before.version}` }]);
    }
    const version = before ? Number(before.version) + 1 : 1;
    const row = { name: d.doc.name, owner_id: d.ownerId, doc: JSON.stringify(d.doc), team: d.team, version, updated_at: new Date() };
    if (before) await port.table('dashboard', trx).where({ name: d.doc.name }).update(row);
    else await port.table('dashboard', trx).insert(row);
    await port.audit(
      { actor, action: before ? 'analytics.dashboard.update' : 'analytics.dashboard.create', object: 'analytics_dashboard', before: before ? fromRow(before).doc : null, after: d.doc },
      trx,
    );
    return fromRow({ ...row, doc: d.doc, updated_at: row.updated_at });
  });
}

export async function deleteUserDashboard(store: Store, tenant: string, name: string, actor: Actor): Promise<void> {
  const port = await store.port(tenant, analyticsTables);
  await port.knex.transaction(async (trx) => {
    const before = (await port.table('dashboard', trx).where({ name }).forUpdate().first()) as Row | undefined;
    if (!before) return;
    await port.table('dashboard', trx).where({ name }).delete();
    await port.audit({ actor, action: 'analytics.dashboard.delete', object: 'analytics_dashboard', before: fromRow(before).doc, after: null }, trx);
  });
}
