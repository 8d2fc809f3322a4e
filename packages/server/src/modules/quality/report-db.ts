// Index usage on the tenant's largest tables, from PostgreSQL's statistics views: the largest
// tables with their sequential and index scans, indexes never scanned (not primary or unique keys),
// tables read mostly by sequential scans (a missing index, likely), and the slowest statements when
// pg_stat_statements is installed. PGlite keeps no such statistics: the report says so.
import type { Store } from '../../store-port.ts';

type Knex = Store['db']['knex'];

/** Why a part of the report is missing: a stable `code` (the studio and the PDF word it per language) and English text. */
export type Unavailable = { available: false; code: 'pglite' | 'no_statements' | 'statements_unreadable'; reason: string };

export interface DatabaseHealth {
  available: true;
  largestTables: Array<{ table: string; rows: number; bytes: number; seqScans: number; indexScans: number }>;
  unusedIndexes: Array<{ table: string; index: string; bytes: number }>;
  missingIndexes: Array<{ table: string; rows: number; seqScans: number; seqRowsRead: number; indexScans: number }>;
  slowQueries: Array<{ query: string; calls: number; meanMs: number; totalMs: number }> | Unavailable;
}

const num = (v: unknown) => Number(v ?? 0);
/** A table this large read mostly by sequential scans is worth an index. */
const MISSING_MIN_ROWS = 10_000;

export async function databaseHealth(knex: Knex, dialect: string, schema: string): Promise<DatabaseHealth | Unavailable> {
  if (dialect !== 'postgres') return { available: false, code: 'pglite', reason: 'not available on PGlite: it keeps no table and index statistics' };
  const tables = (
    await knex.raw(
      `select relname as table, n_live_tup as rows, pg_total_relation_size(relid) as bytes, coalesce(seq_scan, 0) as seq, coalesce(idx_scan, 0) as idx, coalesce(seq_tup_read, 0) as seq_read
       from pg_stat_user_tables where schemaname = ? order by pg_total_relation_size(relid) desc limit 50`,
      [schema],
    )
  ).rows as Array<Record<string, unknown>>;
  const unused = (
    await knex.raw(
      `select s.relname as table, s.indexrelname as index, pg_relation_size(s.indexrelid) as bytes
       from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
       where s.schemaname = ? and s.idx_scan = 0 and not i.indisunique and not i.indisprimary
       order by pg_relation_size(s.indexrelid) desc limit 50`,
      [schema],
    )
  ).rows as Array<Record<string, unknown>>;
  const largestTables = tables.slice(0, 10).map((r) => ({ table: String(r.table), rows: num(r.rows), bytes: num(r.bytes), seqScans: num(r.seq), indexScans: num(r.idx) }));
  const missingIndexes = tables
    .filter((r) => num(r.rows) >= MISSING_MIN_ROWS && num(r.seq) > num(r.idx))
    .map((r) => ({ table: String(r.table), rows: num(r.rows), seqScans: num(r.seq), seqRowsRead: num(r.seq_read), indexScans: num(r.idx) }));
  return {
    available: true,
    largestTables,
    unusedIndexes: unused.map((r) => ({ table: String(r.table), index: String(r.index), bytes: num(r.bytes) })),
    missingIndexes,
    slowQueries: await slowQueries(knex),
  };
}

async function slowQueries(knex: Knex): Promise<DatabaseHealth['slowQueries']> {
  const ext = (await knex.raw(`select 1 from pg_extension where extname = 'pg_stat_statements'`)).rows as unknown[];
  if (ext.length === 0) return { available: false, code: 'no_statements', reason: 'pg_stat_statements is not installed' };
  try {
    const rows = (await knex.raw('select query, calls, mean_exec_time as mean, total_exec_time as total from pg_stat_statements order by mean_exec_time desc limit 10')).rows as Array<
      Record<string, unknown>
    >;
    return rows.map((r) => ({ query: String(r.query).slice(0, 500), calls: num(r.calls), meanMs: Math.round(num(r.mean) * 100) / 100, totalMs: Math.round(num(r.total)) }));
  } catch {
    // Installed but not loaded (shared_preload_libraries), or not readable by this role.
    return { available: false, code: 'statements_unreadable', reason: 'pg_stat_statements is installed but cannot be read' };
  }
}
