// A kind's template sheet: the header row (the field names, which the runner maps without a
// mapping), as CSV or XLSX; the XLSX has a second sheet describing each column.
import ExcelJS from 'exceljs';
import { toCsv } from '../../rest/csv.ts';
import type { ImportKind } from './kind.ts';

export function templateCsv(kind: ImportKind): string {
  return `\uFEFF${toCsv(
    kind.columns.map((c) => c.field),
    [],
  )}`;
}

export async function templateXlsx(kind: ImportKind, locale: 'en' | 'zh-CN'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Attain';
  const sheet = wb.addWorksheet(kind.name);
  sheet.columns = kind.columns.map((c) => ({ header: c.field, key: c.field, width: 22, ...(c.type === 'date' || c.type === 'decimal' ? { style: { numFmt: '@' } } : {}) }));
  sheet.getRow(1).font = { bold: true };
  const about = wb.addWorksheet(locale === 'zh-CN' ? '说明' : 'Columns');
  about.columns = [
    { header: locale === 'zh-CN' ? '列' : 'column', key: 'field', width: 18 },
    { header: locale === 'zh-CN' ? '名称' : 'label', key: 'label', width: 26 },
    { header: locale === 'zh-CN' ? '类型' : 'type', key: 'type', width: 12 },
    { header: locale === 'zh-CN' ? '必填' : 'required', key: 'required', width: 10 },
  ];
  for (const c of kind.columns) about.addRow({ field: c.field, label: c.label[locale] ?? c.label.en ?? c.field, type: c.type, required: c.required ? (locale === 'zh-CN' ? '是' : 'yes') : '' });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
