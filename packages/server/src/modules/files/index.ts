import { defineModule } from '../contract.ts';
import { fileRoutes } from './routes.ts';
import { filesTables } from './tables.ts';
import { uploadRoutes } from './upload.ts';

/**
 * Photos and files on any record: uploads checked on their bytes (size, type, the scanner hook),
 * EXIF time and position read, thumbnails made, stored on the local disk or an S3-compatible
 * store (`ServerOptions.files`), with the record's RBAC. See docs/files.md.
 */
export const files = defineModule({
  id: 'files',
  label: { en: 'Files', 'zh-CN': '附件' },
  tables: [filesTables],
  routes: [uploadRoutes, fileRoutes],
  permissions: [
    { name: 'files.read', description: "list and download a record's files: read on the record (in scope)" },
    { name: 'files.write', description: 'attach files to a record and delete them: update on the record (in scope)' },
  ],
});
