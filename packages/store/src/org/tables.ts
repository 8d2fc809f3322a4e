// The org service's two tables in each tenant schema, created on first use (by the first record
// write or read that needs them) and seeded from the records as they are then.
import type { Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { quoteIdent } from '../sql.ts';
import { BEGINNING } from './timeline.ts';

export type Q = Knex | Knex.Transaction;

/** Quoted, schema-qualified names of the org tables and the record tables they follow. */
export interface OrgTables {
  membership: string;
  units: string;
  /** One row counting changes, so a reader's projection can tell whether it is current. */
  version: string;
  /** The user object's table and its org columns (null when the metadata has none); `active` ends the membership when false. */
  user: { table: string; unit: string | null; manager: string | null; active: string | null } | null;
  orgUnit: { table: string; parent: string | null; head: string | null } | null;
}

export function orgTables(schema: string, registry: Registry): OrgTables {
  const s = quoteIdent(schema);
  const col = (object: string, field: string) => {
    const f = registry.field(object, field);
    return f ? quoteIdent(f.column) : null;
  };
  const user = registry.object('user');
  const unit = registry.object('org_unit');
  return {
    membership: `${s}.attain_org_membership`,
    units: `${s}.attain_org_unit_history`,
    version: `${s}.attain_org_version`,
    user: user ? { table: `${s}.${quoteIdent(user.table)}`, unit: col('user', 'org_unit_id'), manager: col('user', 'manager_id'), active: col('user', 'active') } : null,
    orgUnit: unit ? { table: `${s}.${quoteIdent(unit.table)}`, parent: col('org_unit', unit.tree?.parentField ?? 'parent_id'), head: col('org_unit', 'head_id') } : null,
  };
}

/**
 * Schemas whose org tables are known to exist, per database (a process may open several: tests,
 * tools), set only after the creating transaction commits. Keyed by the knex client's config,
 * which a transaction shares with its root.
 */
const readyByDb = new WeakMap<object, Set<string>>();
function readySet(q: Q): Set<string> {
  const key = (q as unknown as { client: { config: object } }).client.config;
  let set = readyByDb.get(key);
  if (!set) readyByDb.set(key, (set = new Set()));
  return set;
}

const isTrx = (q: Q): q is Knex.Transaction => (q as Partial<Knex.Transaction>).isTransaction === true;

/**
 * Creates the org tables of a tenant schema if they are missing, seeded from the user and
 * org_unit records (and from the goals module's older membership table, so back-dated moves
 * imported before this service existed are kept). Safe under concurrent first writes.
 */
export async function ensureOrgTables(q: Q, schema: string, registry: Registry): Promise<OrgTables> {
  const t = orgTables(schema, registry);
  const ready = readySet(q);
  if (ready.has(schema)) return t;
  const exists = async (qq: Q, table: string) => Boolean(((await qq.raw(`select to_regclass(?) as t`, [`${quoteIdent(schema)}.${table}`])).rows as Array<{ t: unknown }>)[0]?.t);
  // The version table is created last: when it exists, so do the others.
  if (await exists(q, 'attain_org_version')) {
    ready.add(schema);
    return t;
  }
  const create = async (trx: Knex.Transaction) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`attain-org:${schema}`]);
    if (await exists(trx, 'attain_org_version')) return;
    await trx.raw(`create table ${t.membership} (
      user_id uuid not null, org_unit_id uuid, manager_id uuid, valid_from date not null, valid_to date,
      source text not null default 'record', changed_at timestamptz not null default now(), primary key (user_id, valid_from))`);
    await trx.raw(`create index on ${t.membership} (org_unit_id, valid_from)`);
    await trx.raw(`create table ${t.units} (
      unit_id uuid not null, parent_id uuid, head_id uuid, valid_from date not null, valid_to date,
      source text not null default 'record', changed_at timestamptz not null default now(), primary key (unit_id, valid_from))`);
    if (await exists(trx, 'attain_goals_membership')) {
      // One row per (user, day): the older table allowed a same-day duplicate; the last one wins.
      await trx.raw(`insert into ${t.membership} (user_id, org_unit_id, manager_id, valid_from, valid_to, source)
        select distinct on (user_id, valid_from) user_id, org_unit_id, manager_id, valid_from, valid_to, 'goals'
        from ${quoteIdent(schema)}.attain_goals_membership order by user_id, valid_from, id desc`);
    }
    await seedMissing(trx, t, { inactive: true });
    await trx.raw(`create table ${t.version} (id integer primary key check (id = 1), version bigint not null)`);
    await trx.raw(`insert into ${t.version} (id, version) values (1, 0)`);
  };
  if (isTrx(q)) {
    await create(q);
    q.executionPromise.then(
      () => ready.add(schema),
      () => {},
    );
  } else {
    await q.transaction(create);
    ready.add(schema);
  }
  return t;
}

/**
 * Live users and units without any history get one from their record, open since the beginning.
 * A deactivated person is in no unit (see record-hook.ts), so later seeds skip them; only the
 * first seed of a tenant (`inactive`), whose leavers left on days nobody recorded, keeps their
 * record's unit and manager so roll-ups of their past orders stay where they were.
 */
export async function seedMissing(q: Q, t: OrgTables, opts: { inactive?: boolean } = {}): Promise<void> {
  if (t.user) {
    const live = !opts.inactive && t.user.active ? ` and u.${t.user.active} is not false` : '';
    await q.raw(
      `insert into ${t.membership} (user_id, org_unit_id, manager_id, valid_from, source)
       select u.id, ${t.user.unit ? `u.${t.user.unit}` : 'null'}, ${t.user.manager ? `u.${t.user.manager}` : 'null'}, ?::date, 'seed' from ${t.user.table} u
       where u.deleted_at is null${live} and not exists (select 1 from ${t.membership} m where m.user_id = u.id)`,
      [BEGINNING],
    );
  }
  if (t.orgUnit) {
    await q.raw(
      `insert into ${t.units} (unit_id, parent_id, head_id, valid_from, source)
       select o.id, ${t.orgUnit.parent ? `o.${t.orgUnit.parent}` : 'null'}, ${t.orgUnit.head ? `o.${t.orgUnit.head}` : 'null'}, ?::date, 'seed' from ${t.orgUnit.table} o
       where o.deleted_at is null and not exists (select 1 from ${t.units} h where h.unit_id = o.id)`,
      [BEGINNING],
    );
  }
}
