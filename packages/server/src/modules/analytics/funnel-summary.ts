// The per-record summary of the stage history (attain_analytics_stage_record), rebuilt from the
// history rows of the records given (one record per event, every record of an object at backfill),
// and the stage codes it is keyed by. The funnel reads the summary: one row per record.
import { quoteIdent } from '@attain/meta';
import type { DataPort } from '@attain/store';
import { scopeOwner, withRollup, type SummaryObject } from './funnel-rollup.ts';
import type { FunnelTable } from './funnel-tables.ts';

type Port = DataPort<FunnelTable>;
type Q = NonNullable<Parameters<Port['table']>[1]>;

/** Codes 1..62 are bits of the `reached` mask; later codes still get their array slots. */
export const MASK_CODES = 62;

/** The codes of an object's stage values, assigning the next free code to values never seen. */
export async function ensureCodes(trx: Q, port: Port, object: string, stages: string[]): Promise<Map<string, number>> {
  const read = async () => new Map(((await port.table('stage_code', trx).where({ object }).select('stage', 'code')) as Array<{ stage: string; code: number }>).map((r) => [r.stage, r.code]));
  let codes = await read();
  const missing = [...new Set(stages)].filter((s) => !codes.has(s));
  if (missing.length === 0) return codes;
  // New values are rare (a new enum option); one writer at a time numbers them.
  await trx.raw(`lock table ${port.name('stage_code')} in share row exclusive mode`);
  codes = await read();
  let next = Math.max(0, ...codes.values());
  const rows = missing.filter((s) => !codes.has(s)).map((stage) => ({ object, stage, code: ++next }));
  if (rows.length) await port.table('stage_code', trx).insert(rows).onConflict(['object', 'stage']).ignore();
  return read();
}

/**
 * Rebuilds the summary rows of one record (or, without `recordId`, of every record of the object),
 * with the record's scope owner and whether it is live now; one record's change also moves its
 * completed stays in the stage-time histogram (funnel-rollup.ts) in the same transaction.
 */
export async function refreshSummary(trx: Q, port: Port, o: SummaryObject, recordId?: string): Promise<void> {
  if (recordId === undefined) return summarise(trx, port, o);
  await withRollup(trx, port, o.name, recordId, () => summarise(trx, port, o, recordId));
}

async function summarise(trx: Q, port: Port, o: SummaryObject, recordId?: string): Promise<void> {
  const object = o.name;
  const one = recordId === undefined ? '' : 'and c.record_id = ?';
  // Identifiers from the registry (the object's table and owner column); values bound.
  const records = `${quoteIdent(port.schema)}.${quoteIdent(o.table)}`;
  await trx.raw(
    `insert into ${port.name('stage_record')} as t (object, record_id, reached, first_at, stay_days, stays, cur_stage, cur_since, owner, live)
     with h as (
       select c.record_id, k.code, c.to_stage, c.at, c.left_at
       from ${port.name('stage_change')} c join ${port.name('stage_code')} k on k.object = c.object and k.stage = c.to_stage
       where c.object = ? ${one}
     ),
     per as (
       select record_id, code, min(at) as first_at,
              coalesce(sum(extract(epoch from left_at - at) / 86400.0) filter (where left_at is not null), 0)::float8 as days,
              (count(*) filter (where left_at is not null))::int as n
       from h group by record_id, code
     ),
     cur as (select distinct on (record_id) record_id, to_stage, at from h where left_at is null order by record_id, at desc),
     slots as (select generate_series(1, coalesce(max(code), 0)) as i from ${port.name('stage_code')} where object = ?)
     select ?, r.record_id,
            coalesce(bit_or(case when p.code <= ${MASK_CODES} then 1::bigint << (p.code - 1) end), 0),
            array_agg(p.first_at order by slots.i), array_agg(coalesce(p.days, 0) order by slots.i), array_agg(coalesce(p.n, 0) order by slots.i),
            min(cur.to_stage), min(cur.at), coalesce(rr.${quoteIdent(scopeOwner(o))}::text, ''), rr.id is not null and rr.deleted_at is null
     from (select distinct record_id from per) r cross join slots
     left join per p on p.record_id = r.record_id and p.code = slots.i
     left join cur on cur.record_id = r.record_id
     left join ${records} rr on rr.id = r.record_id
     group by r.record_id, rr.id
     on conflict (object, record_id) do update set reached = excluded.reached, first_at = excluded.first_at, stay_days = excluded.stay_days,
       stays = excluded.stays, cur_stage = excluded.cur_stage, cur_since = excluded.cur_since, owner = excluded.owner, live = excluded.live`,
    recordId === undefined ? [object, object, object] : [object, recordId, object, object],
  );
}
