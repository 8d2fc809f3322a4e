// `POST /objects/:object/:id/files`: one multipart part, checked on its bytes (size, type, the
// scanner) before anything is stored; EXIF read and a thumbnail made; an Idempotency-Key replays.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { ApiError } from '../../http/errors.ts';
import { object as objectSchema, params, replies } from '../../http/route-schema.ts';
import { detectType, makeThumbnail, readExif } from '../../files/inspect.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { idempotencyKeyOf, once } from '../field/idempotency.ts';
import { recordFor } from './access.ts';
import { FILE_VIEW, UPLOAD_BODY } from './schemas.ts';
import { auditSummary, fileView, filesTables, type FileRow } from './tables.ts';

/** What a name's extension promises: bytes of another type under it are refused (a PDF named .jpg). */
const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  avif: 'image/avif',
  pdf: 'application/pdf',
  txt: 'text/plain',
};

const refuse = (status: number, code: string, message: string, rule: string) => new ApiError(status, code, message, [{ path: '/file', rule, message }]);

/** The client's file name, kept for display only: its last path segment, no control characters, at most 200 characters. */
function displayName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'file';
}

async function readPart(request: FastifyRequest, maxBytes: number): Promise<{ name: string; bytes: Buffer }> {
  if (!request.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send the file as multipart/form-data with a part named "file"');
  try {
    const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 11 } });
    if (!part) throw refuse(400, 'file_required', 'the request has no file part', 'required');
    return { name: displayName(part.filename), bytes: await part.toBuffer() };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw refuse(413, 'file_too_large', `the file is larger than ${maxBytes} bytes`, 'max_size');
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw refuse(400, 'too_many_parts', 'send one file per request', 'max_items');
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw new ApiError(415, 'unsupported_media_type', 'send the file as multipart/form-data');
    throw error;
  }
}

export async function uploadRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const files = app.files;
  // Registered here, so the multipart parser serves this module's routes only.
  await app.register(multipart);

  app.post(
    '/objects/:object/:id/files',
    { config: { perObject: true }, schema: { params: params('object', 'id'), body: UPLOAD_BODY, response: replies({ 201: objectSchema({ data: FILE_VIEW }, ['data']) }) } },
    async (request, reply) => {
      const access = requireAccess(request);
      const { object, id } = request.params as { object: string; id: string };
      const record = await recordFor(access, object, id, 'update');
      const key = idempotencyKeyOf(request);
      const { name, bytes } = await readPart(request, files.maxBytes);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      reply.status(201);
      return once(store, access, reply, { key, scope: `files.upload:${object}:${record.id}`, request: { name, sha256 } }, async () => {
        const type = await detectType(bytes);
        if (!files.allowedTypes.has(type)) throw refuse(422, 'file_type', `files of type ${type} are not accepted`, 'type');
        const promised = EXTENSION_TYPES[name.split('.').pop()?.toLowerCase() ?? ''];
        if (name.includes('.') && promised !== undefined && promised !== type) {
          throw refuse(422, 'file_type', `the file is named like ${promised} but its bytes are ${type}`, 'type_mismatch');
        }
        if (files.scanner) {
          const verdict = await files.scanner.scan(bytes, { name, type, size: bytes.length });
          if (!verdict.clean) throw refuse(422, 'file_infected', `the file was refused by the ${files.scanner.name} scanner: ${verdict.reason}`, 'virus_scan');
        }
        const [exif, thumbnail] = await Promise.all([readExif(bytes, type), makeThumbnail(bytes, type)]);
        const port = await store.port(access.tenantName, filesTables);
        const fileId = randomUUID();
        const storageKey = `${port.tenantId}/${fileId}`;
        await files.store.put(storageKey, bytes, type);
        if (thumbnail) await files.store.put(`${storageKey}.thumb`, thumbnail, 'image/jpeg');
        const row: FileRow = {
          id: fileId,
          object,
          record_id: record.id,
          name,
          type,
          size: bytes.length,
          sha256,
          storage_key: storageKey,
          thumbnail_key: thumbnail ? `${storageKey}.thumb` : null,
          exif,
          created_by: access.principal.userId,
          created_at: new Date(),
        };
        // The bytes were stored first, so a row never names bytes that are not there; if the row
        // cannot be written, the bytes go again and the upload changed nothing.
        try {
          await port.knex.transaction(async (trx) => {
            await port.table('file', trx).insert({ ...row, exif: exif === null ? null : JSON.stringify(exif) });
            await port.audit({ actor: access.actor, action: 'files.file.create', object, recordId: record.id, after: auditSummary(row) }, trx);
          });
        } catch (error) {
          await Promise.allSettled([files.store.delete(storageKey), ...(row.thumbnail_key ? [files.store.delete(row.thumbnail_key)] : [])]);
          throw error;
        }
        return { data: fileView(row) };
      });
    },
  );
}
