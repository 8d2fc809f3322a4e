// Reading and deleting attachments: a record's list, one file's metadata (with its EXIF), its
// bytes or thumbnail, and deletion; each checked against the record the file hangs on.
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../http/errors.ts';
import { file, list, NO_CONTENT, object, params, query, replies } from '../../http/route-schema.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Action } from '../../rbac/permissions.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { isUuid, recordFor } from './access.ts';
import { FILE_VIEW } from './schemas.ts';
import { auditSummary, fileView, filesTables, type FileRow } from './tables.ts';

/** `attachment; filename="…"; filename*=UTF-8''…`: an ASCII fallback and the exact name. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function fileRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const files = app.files;

  /** The file, if the caller may `action` its record; else 404 whichever part is missing. */
  async function fileFor(access: AccessContext, id: string, action: Action): Promise<FileRow> {
    if (!isUuid(id)) throw notFound('no such file');
    const port = await store.port(access.tenantName, filesTables);
    const row = (await port.table('file').where({ id: id.toLowerCase() }).first()) as FileRow | undefined;
    if (!row) throw notFound('no such file');
    // An object removed from the metadata since, or a record out of scope: the file is not there for this caller.
    if (!access.registry.object(row.object)) throw notFound('no such file');
    await recordFor(access, row.object, row.record_id, action);
    return row;
  }

  app.get('/objects/:object/:id/files', { config: { perObject: true }, schema: { params: params('object', 'id'), response: replies({ 200: list(FILE_VIEW) }) } }, async (request) => {
    const access = requireAccess(request);
    const { object: name, id } = request.params as { object: string; id: string };
    const record = await recordFor(access, name, id, 'read');
    const port = await store.port(access.tenantName, filesTables);
    const rows = (await port
      .table('file')
      .where({ object: name, record_id: record.id })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select('*')) as FileRow[];
    return { data: rows.map(fileView) };
  });

  app.get('/files/:id', { schema: { params: params('id'), response: replies({ 200: object({ data: FILE_VIEW }, ['data']) }) } }, async (request) => {
    const access = requireAccess(request);
    return { data: fileView(await fileFor(access, (request.params as { id: string }).id, 'read')) };
  });

  app.get(
    '/files/:id/content',
    {
      schema: {
        params: params('id'),
        querystring: query({ thumbnail: { type: 'string', enum: ['true', 'false'], description: 'true: the 256 px JPEG thumbnail of an image' } }),
        response: replies({ 200: file('application/octet-stream') }),
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const row = await fileFor(access, (request.params as { id: string }).id, 'read');
      const thumbnail = (request.query as { thumbnail?: string }).thumbnail === 'true';
      if (thumbnail && !row.thumbnail_key) throw notFound('this file has no thumbnail');
      const bytes = await files.store.get(thumbnail ? (row.thumbnail_key as string) : row.storage_key);
      if (!bytes) throw notFound('the file is missing from the store');
      // The type read from the bytes at upload, never the client's; never rendered inline by a browser.
      return reply
        .header('content-type', thumbnail ? 'image/jpeg' : row.type)
        .header('content-disposition', disposition(thumbnail ? `${row.name}.thumbnail.jpg` : row.name))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=0')
        .send(bytes);
    },
  );

  app.delete('/files/:id', { schema: { params: params('id'), response: replies({ 204: NO_CONTENT }) } }, async (request, reply) => {
    const access = requireAccess(request);
    const row = await fileFor(access, (request.params as { id: string }).id, 'update');
    const port = await store.port(access.tenantName, filesTables);
    // The row (and its audit entry) first: a file the list no longer shows is gone for every reader even if a blob lingers.
    await port.knex.transaction(async (trx) => {
      await port.table('file', trx).where({ id: row.id }).delete();
      await port.audit({ actor: access.actor, action: 'files.file.delete', object: row.object, recordId: row.record_id, before: auditSummary(row) }, trx);
    });
    await files.store.delete(row.storage_key);
    if (row.thumbnail_key) await files.store.delete(row.thumbnail_key);
    reply.status(204);
  });
}
