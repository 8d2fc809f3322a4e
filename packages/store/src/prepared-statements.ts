import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Named prepared statements for the generated reads on PostgreSQL.
 *
 * A list, get or report query built by the query builder has the same text for every request of
 * its shape (values are bound), so PostgreSQL can parse and plan it once per connection instead of
 * per request: node-postgres prepares a query that carries a `name` on first use and afterwards
 * only binds and executes it. The name is a hash of the text, so one name never stands for two
 * texts. PostgreSQL re-plans a prepared statement itself when a table it reads changes (a field
 * added by a metadata apply); the one case it refuses — a statement whose result columns changed
 * type — is retried once unnamed after dropping the stale statement.
 *
 * Bounded: at most `maxPerConnection` names are prepared on one connection (a long-lived pooled
 * connection never collects every shape ever asked); past that, queries run unnamed. Only single
 * SELECT (or WITH … SELECT) statements of the query builder outside transactions are named —
 * writes, DDL, raw SQL, multi-statement text and reads inside a transaction are not.
 *
 * Behind pgbouncer in transaction mode, named statements need pgbouncer ≥ 1.21 with
 * `max_prepared_statements` > 0; otherwise set `ATTAIN_PREPARED_STATEMENTS=0`.
 */
export interface PreparedStatementOptions {
  maxPerConnection?: number;
}

interface QueryObject {
  sql?: string;
  method?: string;
  options?: Record<string, unknown>;
}

interface PgConnection {
  /** Set by knex while the connection runs a transaction. */
  __knexTxId?: string;
  query(config: { text: string; values?: unknown[] } | string, cb?: (err: Error | null) => void): unknown;
  /** node-postgres keeps the texts of the statements it prepared on this connection, by name. */
  connection?: { parsedStatements?: Record<string, string> };
}

type RawQuery = (connection: PgConnection, obj: QueryObject) => Promise<unknown>;

const NAMED_METHODS = new Set(['select', 'first', 'pluck']);
/** PostgreSQL's "cached plan must not change result type" (feature_not_supported). */
const RESULT_TYPE_CHANGED = '0A000';

/** The statement's name when it is one the connection may prepare: `a_` + 24 hex of its text's SHA-1. */
export function statementName(obj: QueryObject): string | undefined {
  const sql = obj.sql;
  if (!sql || obj.options?.name !== undefined) return undefined;
  // Built by the query builder only: hand-written raw SQL (analytics, maintenance) keeps a custom plan per call.
  if (obj.method === undefined || !NAMED_METHODS.has(obj.method)) return undefined;
  const head = sql.trimStart().slice(0, 6).toLowerCase();
  if (head !== 'select' && !head.startsWith('with')) return undefined;
  // One statement only: the extended protocol refuses several, and a raw text with a `;` may hold more.
  if (sql.includes(';')) return undefined;
  return `a_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
}

/**
 * Makes a pg knex client name its eligible queries (see above). Patched on the instance because
 * knex's PostgreSQL client class is not part of its typed API; `_query` is the one place every
 * query passes through with its connection.
 */
export function usePreparedStatements(knex: Knex, opts: PreparedStatementOptions = {}): void {
  const max = opts.maxPerConnection ?? 500;
  const client = knex.client as unknown as { _query: RawQuery };
  const original = client._query.bind(client);
  const counts = new WeakMap<PgConnection, Set<string>>();
  client._query = async (connection, obj) => {
    // Not inside a transaction: a metadata apply alters columns and reads them back in one, where a
    // refused stale plan would abort the whole transaction instead of being retried.
    const name = connection.__knexTxId === undefined ? statementName(obj) : undefined;
    if (!name) return original(connection, obj);
    let names = counts.get(connection);
    if (!names) counts.set(connection, (names = new Set()));
    if (!names.has(name) && names.size >= max) return original(connection, obj);
    names.add(name);
    try {
      return await original(connection, { ...obj, options: { ...obj.options, name } });
    } catch (error) {
      if ((error as { code?: unknown }).code !== RESULT_TYPE_CHANGED) throw error;
      // The table changed under a prepared statement: drop it on this connection, run this one unnamed.
      names.delete(name);
      delete connection.connection?.parsedStatements?.[name];
      await new Promise<void>((resolve) => connection.query(`deallocate ${name}`, () => resolve()));
      return original(connection, obj);
    }
  };
}
