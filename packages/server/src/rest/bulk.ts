import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyStore } from '@attain/store';
import type { Actor, RecordService } from '../store-port.ts';
import { ApiError, badRequest, type ErrorDetail, toErrorResponse } from '../http/errors.ts';
import { BadLine } from './ndjson.ts';
import { requireAccess } from './request-access.ts';

/** Rows one bulk request may carry. */
export const BULK_MAX_ROWS = 10_000;
/** The raised body limit of the bulk route (other writes keep the server's limit). */
export const BULK_BODY_LIMIT = 64 * 1024 * 1024;
/** The store writes at most this many rows in one upsert (its MAX_BATCH). */
const CHUNK = 1000;

type Status = 'created' | 'updated' | 'unchanged' | 'failed';
export interface BulkRowResult {
  index: number;
  external_id?: string;
  id?: string;
  status: Status;
  errors?: ErrorDetail[];
}
export interface BulkResult {
  summary: Record<Status, number>;
  rows: BulkRowResult[];
}
type Row = Record<string, unknown> & { external_id: string };
interface Item {
  index: number;
  row: Row;
}

/** Caps the body of every write on the shared POST route except `:bulk` at the server's limit. */
export function capBody(limit: number) {
  return async (request: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream) => {
    if ((request.params as { object?: string }).object?.endsWith(':bulk')) return payload;
    const tooLarge = () => new ApiError(413, 'payload_too_large', 'the request body is too large');
    if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge();
    let seen = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > limit ? tooLarge() : null, chunk);
      },
    });
    return payload.pipe(capped);
  };
}

/** The rows of a bulk body: a JSON array, `{"rows": [...]}`, or NDJSON lines (parsed by ndjson.ts). */
function rowsOf(payload: unknown): unknown[] {
  const rows = Array.isArray(payload) ? payload : payload && typeof payload === 'object' ? (payload as { rows?: unknown }).rows : undefined;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new ApiError(422, 'validation_failed', 'send a JSON array, {"rows": [...]} or NDJSON of records', [{ path: '/rows', rule: 'type', message: 'must be a non-empty array' }]);
  }
  if (rows.length > BULK_MAX_ROWS) {
    throw new ApiError(413, 'too_many_rows', `at most ${BULK_MAX_ROWS} rows a request; split the batch`, [
      { path: '/rows', rule: 'max_items', message: `${rows.length} rows, at most ${BULK_MAX_ROWS}` },
    ]);
  }
  return rows;
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw badRequest('invalid_header', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'Idempotency-Key', rule: 'format', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}

/**
 * `POST /objects/{object}:bulk`: create or update by external id, up to 10,000 rows, each with its
 * own result. Writes go through the caller's record service, so RBAC, hidden fields and record
 * scope are those of the single-row routes.
 */
export async function bulkWrite(request: FastifyRequest, reply: FastifyReply, object: string, idempotency: IdempotencyStore, effectiveFrom: { effectiveFrom?: string }): Promise<BulkResult> {
  const access = requireAccess(request);
  const grant = await access.grant(object, 'create', 'update');
  const rows = rowsOf(request.body);
  const key = idempotencyKey(request);
  const tenant = access.principal.tenant.name;
  if (key !== undefined) {
    const scope = `bulk:${object}:${access.principal.userId}:${effectiveFrom.effectiveFrom ?? ''}`;
    const hash = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    const claim = await idempotency.claim(tenant, key, scope, hash);
    if (claim.state === 'done') {
      reply.header('idempotent-replayed', 'true');
      return claim.result as BulkResult;
    }
    if (claim.state === 'mismatch') {
      throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body; use a new key', [
        { path: 'Idempotency-Key', rule: 'same_request', message: 'was used with another body' },
      ]);
    }
    if (claim.state === 'running') throw new ApiError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still running; retry later');
  }
  try {
    const result = await writeAll(request, grant.service, object, rows, (data) => access.assertOwnerInScope(grant, data), access.actor, effectiveFrom);
    if (key !== undefined) await idempotency.finish(tenant, key, result);
    return result;
  } catch (error) {
    if (key !== undefined) await idempotency.release(tenant, key);
    throw error;
  }
}

/** A deadlock or serialisation failure, also as the cause of the store's `internal` error. */
function deadlocked(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: unknown } | null;
  if (e?.code === '40P01' || e?.code === '40001') return true;
  return e?.cause !== undefined && e.cause !== error && deadlocked(e.cause);
}

function failure(error: unknown, requestId: string): { status: number; details: ErrorDetail[]; code: string; message: string } {
  const { status, body } = toErrorResponse(error, requestId);
  return { status, details: body.error.details, code: body.error.code, message: body.error.message };
}

async function writeAll(
  request: FastifyRequest,
  service: RecordService,
  object: string,
  rows: unknown[],
  inScope: (data: Record<string, unknown>) => void,
  actor: Actor,
  effectiveFrom: { effectiveFrom?: string },
): Promise<BulkResult> {
  const results: BulkRowResult[] = new Array(rows.length);
  const fail = (index: number, errors: ErrorDetail[], ext?: string) => {
    results[index] = { index, ...(ext !== undefined ? { external_id: ext } : {}), status: 'failed', errors };
  };
  const items: Item[] = [];
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    if (row instanceof BadLine) return fail(index, row.detail.details.length ? row.detail.details : [{ path: '', rule: 'json_syntax', message: row.detail.message }]);
    if (!row || typeof row !== 'object' || Array.isArray(row)) return fail(index, [{ path: '', rule: 'type', message: 'must be an object' }]);
    const r = row as Record<string, unknown>;
    if (typeof r.external_id !== 'string' || r.external_id === '') return fail(index, [{ path: '/external_id', rule: 'required', message: 'is required for a bulk write' }]);
    const ext = r.external_id;
    if (seen.has(ext)) return fail(index, [{ path: '/external_id', rule: 'unique', message: 'appears earlier in this request' }], ext);
    seen.add(ext);
    try {
      inScope(r);
    } catch (error) {
      const f = failure(error, request.id);
      if (f.status >= 500) throw error;
      return fail(index, f.details, ext);
    }
    items.push({ index, row: r as Row });
  });
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  // Two chunks at a time: one is checked in this process while the database writes the other.
  // Their external ids differ, so they never wait on each other's rows.
  let next = 0;
  const lane = async () => {
    for (let c = next++; c < chunks.length; c = next++) await writeChunk(request, service, object, chunks[c] as Item[], actor, effectiveFrom, results);
  };
  // Both lanes end before the request answers, also when one fails.
  const settled = await Promise.allSettled([lane(), lane()]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const summary: Record<Status, number> = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  for (const r of results) summary[r.status] += 1;
  return { summary, rows: results };
}

/**
 * Validation before one set-based write: the store checks a whole chunk and writes it in one
 * statement per field set, or refuses it naming the bad rows (`/{i}/...`). Those rows fail, the
 * rest is written again; an error naming no row splits the chunk in halves until it does.
 */
async function writeChunk(
  request: FastifyRequest,
  service: RecordService,
  object: string,
  items: Item[],
  actor: Actor,
  effectiveFrom: { effectiveFrom?: string },
  results: BulkRowResult[],
  retries = 0,
): Promise<void> {
  if (items.length === 0) return;
  try {
    // Rows that would change nothing are answered `unchanged` and not written, so a resent export
    // neither bumps versions nor fills the audit log (the store compares them with the stored
    // records it reads and locks for the write anyway).
    const written = await service.upsert(
      object,
      items.map((i) => i.row),
      actor,
      { ...effectiveFrom, skipUnchanged: true },
    );
    written.records.forEach((rec, k) => {
      const { index, row } = items[k] as Item;
      results[index] = { index, external_id: row.external_id, id: String(rec.id), status: written.statuses[k] ?? 'updated' };
    });
    return;
  } catch (error) {
    // Two chunks updating the same parent records (roll-ups) may deadlock; PostgreSQL aborts one,
    // which is simply written again.
    if (deadlocked(error) && retries < 3) return writeChunk(request, service, object, items, actor, effectiveFrom, results, retries + 1);
    const f = failure(error, request.id);
    if (f.status >= 500) throw error;
    const byRow = new Map<number, ErrorDetail[]>();
    let unnamed = f.details.length === 0;
    for (const d of f.details) {
      const m = /^\/(\d+)(\/.*)?$/.exec(d.path);
      const at = m ? Number(m[1]) : -1;
      if (at < 0 || at >= items.length) {
        unnamed = true;
        continue;
      }
      byRow.set(at, [...(byRow.get(at) ?? []), { ...d, path: m?.[2] ?? '' }]);
    }
    if (!unnamed && byRow.size > 0) {
      for (const [at, details] of byRow) {
        const { index, row } = items[at] as Item;
        results[index] = { index, external_id: row.external_id, status: 'failed', errors: details };
      }
      await writeChunk(
        request,
        service,
        object,
        items.filter((_, k) => !byRow.has(k)),
        actor,
        effectiveFrom,
        results,
      );
      return;
    }
    if (items.length === 1) {
      const { index, row } = items[0] as Item;
      const details = f.details.length ? f.details : [{ path: '', rule: f.code, message: f.message }];
      results[index] = { index, external_id: row.external_id, status: 'failed', errors: details };
      return;
    }
    const half = Math.ceil(items.length / 2);
    await writeChunk(request, service, object, items.slice(0, half), actor, effectiveFrom, results);
    await writeChunk(request, service, object, items.slice(half), actor, effectiveFrom, results);
  }
}
