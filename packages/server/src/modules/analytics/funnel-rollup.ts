// The stage-time histogram (attain_analytics_stage_time), a rollup of the per-record summary kept
// incrementally: per scope owner, stage code and minute, the live records whose completed days in
// the stage round to that minute, and the exact sum of those days. Every change of one record's
// summary row (a stage event, its owner changing, its delete or restore) takes the row's old
// contributions out and puts its new ones in, in the same transaction as the change, so the funnel's
// stage times are a small GROUP BY over this table instead of an unnest of every record's arrays.
// An object backfilled before the histogram existed is rolled up once by the worker (`ensureRollup`);
// until then its `rolled_at` is null and the funnel reads the per-record path.
import { quoteIdent, type ObjectDef } from '@attain/meta';
import type { DataPort } from '@attain/store';
import type { FunnelTable } from './funnel-tables.ts';

type Port = DataPort<FunnelTable>;
type Q = NonNullable<Parameters<Port['table']>[1]>;

/** The object's table, and the column its record scope is kept by (owner_id, or created_by without owners). */
export type SummaryObject = Pick<ObjectDef, 'name' | 'table' | 'owned'>;
export const scopeOwner = (o: SummaryObject) => (o.owned ? 'owner_id' : 'created_by');

/** A record's completed stays as histogram entries (code, minute, days); `days` numeric, so take-out and put-in cancel exactly. */
const entries = (port: Port) =>
  `select x.object, x.owner, u.code::int as code, round(u.d * 1440)::int as minute, u.d::numeric as days
   from ${port.name('stage_record')} x cross join lateral unnest(x.stay_days, x.stays) with ordinality as u(d, stays, code)
   where x.live and u.stays > 0`;

/** Per-record work shares the object's lock; a full rebuild holds it alone. */
const lockKey = (port: Port, object: string) => `attain_analytics_stage_time:${port.schema}:${object}`;

/** Adds (sign 1) or takes out (sign -1) one record's entries; answers the keys touched and their counts now. */
async function move(trx: Q, port: Port, object: string, recordId: string, sign: 1 | -1): Promise<Array<{ owner: string; code: number; minute: number; n: number }>> {
  const result = await trx.raw(
    `insert into ${port.name('stage_time')} as t (object, owner, code, minute, n, days)
     select object, owner, code, minute, ?::int, ?::int * days from (${entries(port)} and x.object = ? and x.record_id = ?) e
     on conflict (object, owner, code, minute) do update set n = t.n + excluded.n, days = t.days + excluded.days
     returning owner, code, minute, n`,
    [sign, sign, object, recordId],
  );
  return result.rows;
}

/** Whether the object's histogram was built (the funnel may read it). */
export async function rolledUp(port: Port, object: string, q: Q = port.knex): Promise<boolean> {
  const row = await port.table('stage_object', q).where({ object }).first('rolled_at');
  return Boolean(row?.rolled_at);
}

/** Runs `change` (which rewrites one record's summary row) and moves the record's histogram entries with it. */
export async function withRollup(trx: Q, port: Port, object: string, recordId: string, change: () => Promise<void>): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock_shared(hashtextextended(?, 0))', [lockKey(port, object)]);
  if (!(await rolledUp(port, object, trx))) return change();
  const out = await move(trx, port, object, recordId, -1);
  await change();
  const back = await move(trx, port, object, recordId, 1);
  // Keys whose count is zero now are dropped, so the table holds only what a funnel reads.
  const n = new Map<string, number>();
  for (const r of [...out, ...back]) n.set(JSON.stringify([r.owner, r.code, r.minute]), Number(r.n));
  const empty = [...n].filter(([, v]) => v === 0).map(([k]) => JSON.parse(k) as [string, number, number]);
  if (empty.length === 0) return;
  await trx.raw(
    `delete from ${port.name('stage_time')} t using unnest(?::text[], ?::int[], ?::int[]) as k(owner, code, minute)
     where t.object = ? and t.owner = k.owner and t.code = k.code and t.minute = k.minute and t.n = 0`,
    [empty.map((k) => k[0]), empty.map((k) => k[1]), empty.map((k) => k[2]), object],
  );
}

/** Rebuilds the object's histogram from its summary rows (after a backfill, or once for an object backfilled before it existed). */
export async function rebuildRollup(trx: Q, port: Port, o: SummaryObject): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [lockKey(port, o.name)]);
  // Owner and liveness as the records are now (summary rows written before version 2 have neither).
  await trx.raw(
    `update ${port.name('stage_record')} x set owner = n.owner, live = n.live
     from (select y.record_id, coalesce(r.${quoteIdent(scopeOwner(o))}::text, '') as owner, r.id is not null and r.deleted_at is null as live
           from ${port.name('stage_record')} y left join ${quoteIdent(port.schema)}.${quoteIdent(o.table)} r on r.id = y.record_id where y.object = ?) n
     where x.object = ? and x.record_id = n.record_id and (x.owner, x.live) is distinct from (n.owner, n.live)`,
    [o.name, o.name],
  );
  await port.table('stage_time', trx).where({ object: o.name }).delete();
  await trx.raw(
    `insert into ${port.name('stage_time')} (object, owner, code, minute, n, days)
     select object, owner, code, minute, count(*)::int, sum(days) from (${entries(port)} and x.object = ?) e group by 1, 2, 3, 4`,
    [o.name],
  );
  await port.table('stage_object', trx).where({ object: o.name }).update({ rolled_at: trx.fn.now() });
}

/** Builds the histogram of an object backfilled before it existed, once (the first worker to claim it). */
export async function ensureRollup(port: Port, o: SummaryObject): Promise<boolean> {
  if (await rolledUp(port, o.name)) return false;
  return port.knex.transaction(async (trx) => {
    const row = await port.table('stage_object', trx).where({ object: o.name }).forUpdate().first('rolled_at');
    if (!row || row.rolled_at) return false;
    await rebuildRollup(trx, port, o);
    return true;
  });
}

/**
 * A record's owner or liveness changed (an update that kept its stage, a delete, a restore): its
 * summary row follows the record as it is now, and its stays move to the new owner or out.
 */
export async function syncRecord(port: Port, o: SummaryObject, recordId: string): Promise<Record<string, unknown>> {
  return port.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`attain_analytics_stage:${o.name}:${recordId}`]);
    const records = `${quoteIdent(port.schema)}.${quoteIdent(o.table)}`;
    const now = `select coalesce(r.${quoteIdent(scopeOwner(o))}::text, '') as owner, r.id is not null and r.deleted_at is null as live
                 from (select ?::uuid as id) k left join ${records} r on r.id = k.id`;
    const row = (
      await trx.raw(`select x.owner, x.live, n.owner as now_owner, n.live as now_live from ${port.name('stage_record')} x, (${now}) n where x.object = ? and x.record_id = ?`, [
        recordId,
        o.name,
        recordId,
      ])
    ).rows[0];
    if (!row) return { skipped: 'no history' };
    if (row.owner === row.now_owner && row.live === row.now_live) return { skipped: 'stage unchanged' };
    await withRollup(trx, port, o.name, recordId, async () => {
      await port.table('stage_record', trx).where({ object: o.name, record_id: recordId }).update({ owner: row.now_owner, live: row.now_live });
    });
    return { synced: { owner: row.now_owner || null, live: row.now_live } };
  });
}
