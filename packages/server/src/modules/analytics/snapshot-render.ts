// A dashboard run drawn on the server, as the viewer's studio draws it: charts from the same
// ECharts option builder (`@attain/engine/charts`), rendered to SVG by ECharts' server-side
// renderer, KPI cards and tables as text. The PNG is the whole grid as one SVG rasterised by sharp;
// the PDF (engine's dashboardPdf) takes each chart as its own PNG.
import { dashboardPdf, type PdfWidget } from '@attain/engine';
import { createRequire } from 'node:module';
import { CHINA_MAP, chartOption, type ExtraSeries, numeric } from '@attain/engine/charts';
import * as echarts from 'echarts';
import sharp from 'sharp';
import type { WidgetAnswer } from './dashboard-run.ts';
import { ensureSnapshotFonts } from './snapshot-fonts.ts';

export interface DashboardSnapshot {
  title: string;
  /** The filters in force and the as-of time, one line each. */
  lines: string[];
  widgets: WidgetAnswer[];
  locale: string;
  now: Date;
}

const WIDTH = 1200;
const PAD = 24;
const HEAD = 96;
const ROW = 80;
const GAP = 12;
const COL = (WIDTH - 2 * PAD + GAP) / 12;

type Label = Readonly<Record<string, string | undefined>> | null | undefined;
export const labelIn = (l: Label, locale: string, fallback: string): string => l?.[locale] ?? l?.en ?? Object.values(l ?? {})[0] ?? fallback;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const TABLES = new Set(['table', 'pivot', 'leaderboard']);
type Drawn = 'kpi' | 'table' | 'chart' | 'none';
function drawnAs(w: WidgetAnswer): Drawn {
  if (w.error || !w.result) return 'none';
  if (w.chart === 'kpi') return 'kpi';
  if (TABLES.has(w.chart) || (w.chart === 'heatmap' && w.result.groups.length !== 2)) return 'table';
  return 'chart';
}

function fmt(locale: string) {
  const f = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return (v: string | number | null | undefined) => (v === null || v === undefined ? '—' : f.format(numeric(v)));
}

const titleOf = (w: WidgetAnswer, locale: string) => labelIn(w.title as Label, locale, w.result?.measures[0]?.label ?? w.id);

/** A table's header and rows (a leaderboard ranked by its first measure), as the studio shows them. */
function tableOf(w: WidgetAnswer, locale: string): { head: string[]; rows: string[][]; numericFrom: number } {
  const r = w.result;
  if (!r) return { head: [], rows: [], numericFrom: 0 };
  const f = fmt(locale);
  const ranked = w.chart === 'leaderboard';
  const first = r.measures[0]?.name ?? '';
  const order = r.rows.map((_, i) => i);
  // The top-N's "other" row is everyone else together: ranked last, unnumbered, named so (as in the studio).
  const isOther = (i: number) => r.rows[i]?.other === true;
  if (ranked) order.sort((a, b) => Number(isOther(a)) - Number(isOther(b)) || numeric(r.rows[b]?.values[first]) - numeric(r.rows[a]?.values[first]));
  const head = [...(ranked ? ['#'] : []), ...r.groups.map((g) => g.label), ...r.measures.map((m) => m.label)];
  const others = locale === 'zh-CN' ? '其他' : 'All others';
  const rows = order.map((i, rank) => {
    const row = r.rows[i];
    const keys = row ? row.labels.map((l, j) => (row.other && j === 0 ? others : (l ?? row.keys[j] ?? '—'))) : [];
    return [...(ranked ? [row?.other ? '' : String(rank + 1)] : []), ...keys, ...r.measures.map((m) => f(row?.values[m.name]))];
  });
  return { head, rows, numericFrom: (ranked ? 1 : 0) + r.groups.length };
}

function kpiOf(w: WidgetAnswer, locale: string): { value: string; note?: string } {
  const f = fmt(locale);
  const m = w.result?.measures[0];
  const value = numeric(m ? w.result?.totals.values[m.name] : 0);
  if (!w.target) return { value: f(value) };
  const target = numeric(w.target);
  return { value: f(value), note: `${f(target)} · ${f(target === 0 ? 0 : (value / target) * 100)}%` };
}

/** A combo widget's further series, named as the studio names them (the title's English, else the measure's label). */
function comboSeries(w: WidgetAnswer): ExtraSeries[] {
  return (w.series ?? []).map((s) => ({ name: s.title?.en ?? s.result?.measures[0]?.label ?? s.id, result: s.result }));
}

let chinaRegistered = false;
/** Province shapes for map widgets (china-geojson, as the studio loads them), registered on first use. */
function ensureChinaMap(): void {
  if (chinaRegistered) return;
  const geo = createRequire(import.meta.url)('china-geojson/src/geojson/china.json') as Parameters<typeof echarts.registerMap>[1];
  echarts.registerMap(CHINA_MAP, geo);
  chinaRegistered = true;
}

/** One chart as SVG, the size it gets on the grid. */
export function chartSvg(w: WidgetAnswer, width: number, height: number, locale = 'en'): string {
  if (!w.result) return '';
  if (w.chart === 'map') ensureChinaMap();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...chartOption(w.chart, w.result, w.target, comboSeries(w), locale) });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const text = (x: number, y: number, s: string, size: number, opts: { bold?: boolean; fill?: string; anchor?: 'start' | 'end' } = {}) =>
  `<text x="${x}" y="${y}" font-family="sans-serif" font-size="${size}"${opts.bold ? ' font-weight="bold"' : ''} fill="${opts.fill ?? '#111'}"${opts.anchor === 'end' ? ' text-anchor="end"' : ''}>${xml(s)}</text>`;

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/** The whole dashboard as one SVG: the header, then each widget in its grid cell. */
export function dashboardSvg(s: DashboardSnapshot): string {
  const rows = Math.max(1, ...s.widgets.map((w) => w.layout.y + w.layout.h));
  const height = HEAD + rows * (ROW + GAP) + PAD;
  const parts: string[] = [`<rect width="${WIDTH}" height="${height}" fill="#f5f6f8"/>`, text(PAD, 40, s.title, 24, { bold: true })];
  s.lines.forEach((line, i) => parts.push(text(PAD, 62 + i * 16, cut(line, 160), 12, { fill: '#555' })));
  for (const w of s.widgets) {
    const x = PAD + w.layout.x * COL;
    const y = HEAD + w.layout.y * (ROW + GAP);
    const cw = w.layout.w * COL - GAP;
    const ch = w.layout.h * (ROW + GAP) - GAP;
    parts.push(
      `<rect x="${x}" y="${y}" width="${cw}" height="${ch}" rx="6" fill="#ffffff" stroke="#dde1e6"/>`,
      text(x + 12, y + 24, cut(titleOf(w, s.locale), Math.floor(cw / 9)), 15, { bold: true }),
    );
    const inner = { x: x + 8, y: y + 36, w: cw - 16, h: ch - 44 };
    const kind = drawnAs(w);
    if (kind === 'none') parts.push(text(inner.x + 4, inner.y + 20, s.locale === 'zh-CN' ? '无权查看' : 'Not visible to you', 13, { fill: '#888' }));
    else if (kind === 'kpi') {
      const k = kpiOf(w, s.locale);
      parts.push(text(inner.x + 4, inner.y + 40, k.value, 34, { bold: true }));
      if (k.note) parts.push(text(inner.x + 4, inner.y + 64, k.note, 13, { fill: '#555' }));
    } else if (kind === 'table') {
      const t = tableOf(w, s.locale);
      const colW = inner.w / Math.max(1, t.head.length);
      const fits = Math.max(0, Math.floor((inner.h - 18) / 18));
      [t.head, ...t.rows.slice(0, fits)].forEach((cells, r) =>
        cells.forEach((c, i) => {
          const right = i >= t.numericFrom;
          parts.push(text(right ? inner.x + (i + 1) * colW - 4 : inner.x + i * colW + 4, inner.y + 14 + r * 18, cut(c, Math.floor(colW / 8)), 12, { bold: r === 0, anchor: right ? 'end' : 'start' }));
        }),
      );
    } else {
      // ECharts' root <svg> nests as it is, placed by x/y.
      parts.push(chartSvg(w, Math.round(inner.w), Math.round(inner.h), s.locale).replace(/^<svg /, `<svg x="${inner.x}" y="${inner.y}" `));
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${parts.join('')}</svg>`;
}

export async function dashboardPng(s: DashboardSnapshot): Promise<Buffer> {
  ensureSnapshotFonts();
  return sharp(Buffer.from(dashboardSvg(s)))
    .png()
    .toBuffer();
}

export async function dashboardPdfOf(s: DashboardSnapshot): Promise<Buffer> {
  ensureSnapshotFonts();
  const ordered = [...s.widgets].sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
  const widgets: PdfWidget[] = [];
  for (const w of ordered) {
    const title = titleOf(w, s.locale);
    const kind = drawnAs(w);
    if (kind === 'none') widgets.push({ title, kind: 'note', text: s.locale === 'zh-CN' ? '无权查看' : 'Not visible to you' });
    else if (kind === 'kpi') widgets.push({ title, kind: 'kpi', ...kpiOf(w, s.locale) });
    else if (kind === 'table') widgets.push({ title, kind: 'table', ...tableOf(w, s.locale) });
    else {
      const width = 760;
      const height = Math.max(260, Math.min(420, w.layout.h * 90));
      // Twice the pixels of the drawn size, so print stays sharp.
      const png = await sharp(Buffer.from(chartSvg(w, width, height, s.locale)), { density: 144 })
        .png()
        .toBuffer();
      widgets.push({ title, kind: 'image', png, width, height });
    }
  }
  return dashboardPdf({ title: s.title, lines: s.lines, widgets, now: s.now });
}
