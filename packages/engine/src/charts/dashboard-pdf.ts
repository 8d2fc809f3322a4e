// A dashboard snapshot as a PDF (pdfkit, the statements' library and font): the title, the filters
// and as-of time, then each widget in grid order — a KPI as text, a chart as the PNG the server
// rendered, a table as a table. Noto Sans SC covers Latin and CJK in one face (see statement-pdf.ts).
import PDFDocument from 'pdfkit';
import { loadFonts, statementText as t } from '../incentives/statement-pdf.ts';

export type PdfWidget =
  | { title: string; kind: 'kpi'; value: string; note?: string }
  | { title: string; kind: 'image'; png: Buffer; width: number; height: number }
  | { title: string; kind: 'table'; head: string[]; rows: string[][] /** Columns from this one on are figures, set right. */; numericFrom: number }
  | { title: string; kind: 'note'; text: string };

export interface DashboardPdfInput {
  title: string;
  /** Lines under the title: the filters in force, the as-of time. */
  lines: string[];
  widgets: PdfWidget[];
  now: Date;
}

const LEFT = 40;
const WIDTH = 515;
const BOTTOM = 800;

export function dashboardPdf(input: DashboardPdfInput): Promise<Buffer> {
  const f = loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: LEFT, info: { Title: t(input.title), Producer: 'Attain', Creator: 'Attain', CreationDate: input.now } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', f.regular).registerFont('bold', f.bold);
  doc.font('bold').fontSize(18).text(t(input.title));
  doc.font('body').fontSize(9).fillColor('#555');
  for (const line of input.lines) doc.text(t(line));
  doc.fillColor('#000').moveDown();
  const room = (h: number) => {
    if (doc.y + h > BOTTOM) doc.addPage();
  };
  const fit = (text: string, width: number) => {
    const chars = [...t(text)];
    if (doc.widthOfString(chars.join('')) <= width) return chars.join('');
    while (chars.length > 0 && doc.widthOfString(`${chars.join('')}…`) > width) chars.pop();
    return `${chars.join('')}…`;
  };
  for (const w of input.widgets) {
    room(60);
    doc.font('bold').fontSize(12).fillColor('#000').text(t(w.title), LEFT, doc.y).moveDown(0.3);
    if (w.kind === 'kpi') {
      doc.font('bold').fontSize(22).text(t(w.value));
      if (w.note) doc.font('body').fontSize(9).fillColor('#555').text(t(w.note)).fillColor('#000');
    } else if (w.kind === 'note') {
      doc.font('body').fontSize(9).fillColor('#777').text(t(w.text)).fillColor('#000');
    } else if (w.kind === 'image') {
      const scale = Math.min(1, WIDTH / w.width);
      const h = w.height * scale;
      room(h);
      doc.image(w.png, LEFT, doc.y, { width: w.width * scale, height: h });
      doc.y += h;
    } else {
      const cols = Math.max(1, w.head.length);
      const cw = WIDTH / cols;
      const line = (cells: string[], bold: boolean) => {
        room(14);
        const y = doc.y;
        doc
          .font(bold ? 'bold' : 'body')
          .fontSize(8.5)
          .fillColor('#000');
        cells.forEach((c, i) => doc.text(fit(c, cw - 6), LEFT + i * cw, y, { width: cw - 6, lineBreak: false, align: i >= w.numericFrom ? 'right' : 'left' }));
        doc.x = LEFT;
        doc.y = y + 13;
      };
      line(w.head, true);
      for (const r of w.rows) line(r, false);
    }
    doc.x = LEFT;
    doc.moveDown();
  }
  doc.end();
  return done;
}
