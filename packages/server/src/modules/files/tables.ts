// The files module's table in each tenant schema: one row per attachment, naming the record it
// hangs on (object and id), what was read from its bytes, and the keys of its bytes in the store.
import type { DataPort, TenantModule } from '@attain/store';
import type { ExifSummary } from '../../files/inspect.ts';

export const FILE_TABLE = 'attain_files_file';

/** The files module's data port: its table by short name, and the audit log. */
export type FilesPort = DataPort<'file'>;

export const filesTables: TenantModule<'file'> = {
  name: 'files',
  tables: ['file'],
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        if (await trx.schema.withSchema(schema).hasTable(FILE_TABLE)) return;
        await trx.schema.withSchema(schema).createTable(FILE_TABLE, (t) => {
          t.uuid('id').primary();
          t.text('object').notNullable();
          t.uuid('record_id').notNullable();
          t.text('name').notNullable();
          t.text('type').notNullable();
          t.bigInteger('size').notNullable();
          t.text('sha256').notNullable();
          t.text('storage_key').notNullable();
          t.text('thumbnail_key').nullable();
          t.jsonb('exif').nullable();
          t.uuid('created_by').nullable();
          t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(trx.fn.now());
          t.index(['object', 'record_id']);
        });
      },
    },
  ],
};

export interface FileRow {
  id: string;
  object: string;
  record_id: string;
  name: string;
  type: string;
  size: number | string;
  sha256: string;
  storage_key: string;
  thumbnail_key: string | null;
  exif: ExifSummary | string | null;
  created_by: string | null;
  created_at: Date | string;
}

/** What a client sees of an attachment (never its storage keys). */
export function fileView(r: FileRow) {
  const exif = typeof r.exif === 'string' ? (JSON.parse(r.exif) as ExifSummary) : r.exif;
  return {
    id: r.id,
    object: r.object,
    recordId: r.record_id,
    name: r.name,
    type: r.type,
    size: Number(r.size),
    sha256: r.sha256,
    thumbnail: r.thumbnail_key !== null,
    exif,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** What the audit log keeps of an attachment: enough to say which file, not its bytes. */
export const auditSummary = (r: FileRow) => ({ file: r.id, name: r.name, type: r.type, size: Number(r.size), sha256: r.sha256 });
