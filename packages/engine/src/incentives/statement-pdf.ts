// A statement as a PDF (pdfkit, no browser), in English or Simplified Chinese.
//
// Fonts: the standard PDF fonts (Helvetica) are WinAnsi only, so Chinese plan, component and payee
// names came out as mojibake (issue #7). Every string is now set in Noto Sans SC (OFL-1.1, from
// @expo-google-fonts/noto-sans-sc: one static TrueType file per weight). It covers Latin, CJK and the
// punctuation we print, so one face serves mixed text such as "Ann 张"; pdfkit embeds only the glyphs
// used, which keeps a statement at tens of kilobytes. TrueType rather than the CID-keyed OTF of Noto
// Sans CJK / Source Han Sans: fontkit subsets glyf outlines tightly but keeps whole local subroutine
// tables for CFF, about eight times the size. A character the face lacks (Hangul, emoji) prints as
// "?" instead of an empty box.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { ZERO, fmt } from './decimal.ts';
import { FROZEN, type PeriodStatus } from './db/period-flow.ts';
import type { IncentivePlanDoc, Label, LineKind, PayoutSummary, StatementLine } from './types.ts';

export type StatementLocale = 'en' | 'zh-CN';

export interface StatementPdfInput {
  payeeId: string;
  payeeName?: string;
  period: string;
  status: PeriodStatus | null;
  lines: readonly StatementLine[];
  payouts: readonly PayoutSummary[];
  /** Include every line's formula steps (the trace). */
  trace?: boolean;
  /** Language of the fixed wording; plan and component names come from `names`. Default en. */
  locale?: StatementLocale;
  /** Display names (see `statementNames`); ids are printed where a name is missing. */
  names?: StatementNames;
}

export interface StatementNames {
  /** By plan id. */
  plans?: ReadonlyMap<string, string>;
  /** By `${planId}/${component}`. */
  components?: ReadonlyMap<string, string>;
}

/** Plan and component labels in the locale (English when a label has no such translation). */
export function statementNames(plans: readonly IncentivePlanDoc[], locale: StatementLocale = 'en'): Required<StatementNames> {
  const pick = (l: Label | undefined, fallback: string) => l?.[locale] ?? l?.en ?? fallback;
  const components = new Map<string, string>();
  // Later versions win: a renamed component shows its current label.
  for (const p of plans) for (const v of p.versions) for (const c of v.components) components.set(`${p.id}/${c.name}`, pick(c.label, c.name));
  return { plans: new Map(plans.map((p) => [p.id, pick(p.label, p.name)])), components };
}

interface Words {
  title: string;
  status: string;
  notOpened: string;
  final: string;
  provisional: string;
  head: readonly string[];
  forPeriod: string;
  total: string;
  earned: string;
  adjustments: string;
  draw: string;
  recovery: string;
  payout: string;
  balance: string;
  how: string;
  plan: string;
  credits: string;
  /** Codes without a word here (every one in English, a kind added later) print as they are. */
  statuses: Partial<Record<PeriodStatus, string>>;
  kinds: Partial<Record<LineKind, string>>;
}

const WORDS: Record<StatementLocale, Words> = {
  en: {
    title: 'Earnings statement',
    status: 'Period status',
    notOpened: 'not opened',
    final: ' (final)',
    provisional: ' (provisional)',
    head: ['Component', 'Kind', 'Plan', 'Amount', 'Points'],
    forPeriod: 'for',
    total: 'Total',
    earned: 'Earned',
    adjustments: 'Prior-period adjustments',
    draw: 'Draw / guarantee',
    recovery: 'Draw recovery',
    payout: 'Payout',
    balance: 'Draw balance owed',
    how: 'How each line was calculated',
    plan: 'plan',
    credits: 'credits',
    statuses: {},
    kinds: {},
  },
  'zh-CN': {
    title: '收入对账单',
    status: '期间状态',
    notOpened: '未开放',
    final: '（已定稿）',
    provisional: '（暂定）',
    head: ['组件', '类型', '计划', '金额', '积分'],
    forPeriod: '归属',
    total: '合计',
    earned: '已赚取',
    adjustments: '前期调整',
    draw: '预支 / 保底',
    recovery: '预支回收',
    payout: '应付',
    balance: '尚欠预支余额',
    how: '各行计算过程',
    plan: '计划',
    credits: '条业绩',
    statuses: { open: '开放', calculated: '已计算', approved: '已批准', paid: '已支付', closed: '已关闭' },
    kinds: { earning: '提成', adjustment: '调整', clawback: '追回', draw: '预支', recovery: '预支回收', guarantee: '保底', hold: '暂扣' },
  },
};

const LATIN: Record<string, string> = { '−': '-', '–': '-', '—': '-', '∞': 'inf', Σ: 'sum', '≥': '>=', '≤': '<=', '…': '...', '→': '->' };

/** Text the standard PDF fonts can print (WinAnsi); anything else becomes "?". Statements no longer need it. */
export function pdfText(s: string): string {
  return [...s].map((ch) => LATIN[ch] ?? ((ch.codePointAt(0) ?? 0) <= 0xff ? ch : '?')).join('');
}

interface Face {
  hasGlyphForCodePoint(codePoint: number): boolean;
}
const requireCjs = createRequire(import.meta.url);
// fontkit (pdfkit's own font engine) ships no types; this is the one method used.
const fontkit = requireCjs('fontkit') as { create(data: Uint8Array): Face };
const FONT_FILES = { regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf', bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf' };
let fonts: { regular: Buffer; bold: Buffer; face: Face } | undefined;

/** Read once per process (about 20 MB); each document parses and subsets its own copy. */
export function loadFonts(): NonNullable<typeof fonts> {
  if (fonts) return fonts;
  const regular = readFileSync(requireCjs.resolve(FONT_FILES.regular));
  fonts = { regular, bold: readFileSync(requireCjs.resolve(FONT_FILES.bold)), face: fontkit.create(regular) };
  return fonts;
}

/** The text as the embedded face can print it: characters it lacks become a Latin stand-in or "?". */
export function statementText(s: string): string {
  const { face } = loadFonts();
  return [...s]
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      return cp < 0x20 || face.hasGlyphForCodePoint(cp) ? ch : (LATIN[ch] ?? '?');
    })
    .join('');
}

/** A statement as a PDF: header, one row per line, the payout summary and (optionally) each line's formula steps. */
export function statementPdf(s: StatementPdfInput): Promise<Buffer> {
  const w = WORDS[s.locale ?? 'en'];
  const f = loadFonts();
  const planName = (id: string) => s.names?.plans?.get(id) ?? id;
  const componentName = (l: StatementLine) => (l.component === null ? null : (s.names?.components?.get(`${l.planId}/${l.component}`) ?? l.component));
  const t = statementText;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `${w.title} ${s.period} ${s.payeeName ?? s.payeeId}`, Producer: 'Attain', Creator: 'Attain', CreationDate: new Date(`${s.period}-01T00:00:00Z`) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', f.regular).registerFont('bold', f.bold);
  doc
    .font('bold')
    .fontSize(16)
    .text(t(`${w.title} — ${s.period}`));
  const status = s.status ? `${w.statuses[s.status] ?? s.status}${FROZEN.includes(s.status) ? w.final : w.provisional}` : w.notOpened;
  doc
    .font('body')
    .fontSize(10)
    .fillColor('#444')
    .text(t(`${s.payeeName ?? ''} (${s.payeeId})`))
    .text(t(`${w.status}: ${status}`))
    .moveDown();
  // Kind holds a short word; plan names get the room. The columns end at the right margin (547).
  const cols = [
    [48, 150],
    [202, 55],
    [261, 110],
    [375, 95],
    [474, 73],
  ] as const;
  // A cell never runs into the next column: a long name is cut with an ellipsis, keeping `keep` (a version, a period).
  const fit = (text: string, width: number, keep = '') => {
    const chars = [...t(text)];
    const room = width - doc.widthOfString(keep);
    if (doc.widthOfString(chars.join('')) <= room) return `${chars.join('')}${keep}`;
    while (chars.length > 0 && doc.widthOfString(`${chars.join('')}…`) > room) chars.pop();
    return `${chars.join('')}…${keep}`;
  };
  const row = (cells: Array<string | [string, string]>, bold = false) => {
    const y = doc.y;
    doc
      .font(bold ? 'bold' : 'body')
      .fontSize(9)
      .fillColor('#000');
    cells.forEach((c, i) => {
      const [x, width] = cols[i] ?? cols[0];
      doc.text(typeof c === 'string' ? fit(c, width) : fit(c[0], width, c[1]), x, y, { width, align: i >= 3 ? 'right' : 'left', lineBreak: false });
    });
    doc.x = 48;
    doc.y = y + 14;
  };
  row([...w.head], true);
  for (const l of s.lines) {
    if (doc.y > 760) doc.addPage();
    row([
      [componentName(l) ?? '-', l.trace.forPeriod ? ` (${w.forPeriod} ${l.trace.forPeriod})` : ''],
      w.kinds[l.kind] ?? l.kind,
      [planName(l.planId), ` v${l.planVersion}`],
      `${fmt(l.amount, 2)} ${l.currency}`,
      fmt(l.points),
    ]);
  }
  doc.moveDown();
  for (const p of s.payouts) {
    if (doc.y > 680) doc.addPage();
    row([`${w.total} ${planName(p.planId)}`, '', '', '', ''], true);
    for (const [label, v] of [
      [w.earned, p.earned],
      [w.adjustments, p.adjustments],
      [w.draw, p.drawAdvance],
      [w.recovery, -p.recovery],
      [w.payout, p.payout],
    ] as const)
      row([label, '', '', `${fmt(v, 2)} ${p.currency}`, '']);
    if (p.balanceAfter !== ZERO) row([w.balance, '', '', `${fmt(p.balanceAfter, 2)} ${p.currency}`, '']);
  }
  if (s.trace) {
    doc.addPage().font('bold').fontSize(12).text(t(w.how)).moveDown(0.5);
    for (const l of s.lines) {
      if (doc.y > 720) doc.addPage();
      doc
        .font('bold')
        .fontSize(9)
        .text(
          t(
            `${componentName(l) ?? w.kinds[l.kind] ?? l.kind} — ${fmt(l.amount, 2)} ${l.currency} (${w.plan} ${s.names?.plans?.get(l.planId) ?? l.trace.plan.name} v${l.trace.plan.version}, ${l.trace.creditCount} ${w.credits})`,
          ),
        );
      doc.font('body').fontSize(8);
      for (const st of l.trace.steps) doc.text(t(`${st.step}: ${st.formula} = ${st.value}`), { indent: 12 });
      doc.moveDown(0.4);
    }
  }
  doc.end();
  return done;
}
