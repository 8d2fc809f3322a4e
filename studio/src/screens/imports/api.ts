// The import API as the data-import screen uses it. A CSV file travels as its text, an XLSX one as
// base64, with the column mapping (sheet header → field, '' to ignore a column).
import { api, download } from '../../api/client.ts';
import type { Label } from '../../api/types.ts';

export interface ImportColumn {
  field: string;
  type: string;
  required?: boolean;
  label: Label;
  aliases?: string[];
}
export interface ImportKindInfo {
  name: string;
  label: Label;
  columns: ImportColumn[];
}
export interface ImportRowResult {
  row: number;
  status: 'valid' | 'imported' | 'failed';
  errors?: Array<{ field: string; rule: string; message: string }>;
}
export interface ImportResult {
  kind: string;
  dryRun: boolean;
  summary: { rows: number; valid: number; imported: number; failed: number };
  rows: ImportRowResult[];
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export const importsApi = {
  kinds: () => api.get<{ data: ImportKindInfo[] }>('/imports/kinds'),
  run: async (kind: string, file: File, mapping: Record<string, string>, dryRun: boolean) => {
    const body = /\.xlsx$/i.test(file.name) ? { xlsx: toBase64(new Uint8Array(await file.arrayBuffer())) } : { csv: await file.text() };
    return api.post<ImportResult>(`/imports/${encodeURIComponent(kind)}?dryRun=${dryRun}`, { ...body, mapping, fileName: file.name.slice(0, 200) });
  },
  template: (kind: string, format: 'csv' | 'xlsx', locale: string) => download(`/imports/${encodeURIComponent(kind)}/template`, { format, locale }, `${kind}-template.${format}`),
};
