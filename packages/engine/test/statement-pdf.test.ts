// The statement PDF in Chinese (issue #7): text is read back out of the PDF, not just rendered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { openTestStore, type Store } from '@attain/store';
import { IncentiveEngine, type IncentivePlanDoc } from '../src/index.ts';
import { statementNames, statementPdf, statementText, type StatementPdfInput } from '../src/incentives/statement-pdf.ts';
import { plan, rule } from './incentives-fixture.ts';

let store: Store;
let e: IncentiveEngine;
const east: IncentivePlanDoc = {
  ...plan(
    [
      { name: 'commission', label: { en: 'Commission', 'zh-CN': '销售提成' }, type: 'rate', measure: 'revenue', rate: '0.1' },
      { name: 'new_logo', label: { en: 'New logo', 'zh-CN': '新客户奖金' }, type: 'spif', perCredit: '300', filter: { objects: ['order'] } },
      { name: 'long_one', label: { en: 'Long', 'zh-CN': '一个名字特别特别特别特别长的季度战略客户拓展激励组件' }, type: 'spif', perCredit: '1', filter: { objects: ['order'] } },
    ],
    {},
    'plan_east',
  ),
  label: { en: 'East sales plan', 'zh-CN': '华东销售提成计划' },
};

async function text(pdf: Buffer): Promise<string> {
  return (await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text;
}

/** Every "<amount> USD" in the text, in order. */
const amounts = (s: string) => [...s.matchAll(/(-?\d+\.\d{2}) USD/g)].map((m) => Number(m[1]));

beforeAll(async () => {
  store = await openTestStore();
  const name = `spdf${process.pid}`;
  await store.tenants.create(name);
  e = new IncentiveEngine(store, name);
  await e.saveRules([rule('owner')]);
  await e.savePlan(east);
  await e.setAssignments([{ kind: 'plan', payeeId: 'zw', key: 'plan_east', from: '2026-01-01' }]);
  await e.openPeriod('2026-01');
  await e.upsertTransactions([
    { id: 'o1', object: 'order', ownerId: 'zw', date: '2026-01-05', amount: '12000', currency: 'USD' },
    { id: 'o2', object: 'order', ownerId: 'zw', date: '2026-01-09', amount: '3456.78', currency: 'USD' },
  ]);
  await e.recompute({ credit: true });
});
afterAll(async () => {
  await store.close();
});

describe('statement PDF in Chinese', () => {
  it('prints Chinese plan, component and payee names and zh-CN wording, and the totals reconcile', async () => {
    const s = await e.statement('zw', '2026-01');
    expect(s.payouts).toHaveLength(1);
    const pdf = await statementPdf({ ...s, payeeName: '张伟', locale: 'zh-CN', names: statementNames([east], 'zh-CN'), trace: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const out = await text(pdf);
    for (const want of ['收入对账单', '张伟 (zw)', '期间状态: 已计算（暂定）', '华东销售提成计划 v1', '销售提成', '新客户奖金', '提成', '合计 华东销售提成计划', '应付', '各行计算过程'])
      expect(out).toContain(want);
    expect(out).not.toMatch(/\?{2,}|�/);
    // A name wider than its column is cut with an ellipsis rather than running into the next one; the trace prints it whole.
    const table = out.slice(0, out.indexOf('合计'));
    expect(table).toMatch(/一个名字特别[^\n]*… 提成 华东销售提成计划 v1 2\.00 USD/);
    expect(table).not.toContain('拓展激励组件');
    expect(out.slice(out.indexOf('各行计算过程'))).toContain('一个名字特别特别特别特别长的季度战略客户拓展激励组件 — 2.00 USD (计划 华东销售提成计划 v1, 2 条业绩)');
    // Lines (12,000 + 3,456.78) × 10% + 2 × 300 + 2 × 1, then the summary rows: earned, adjustments, draw, recovery, payout.
    const summary = out.slice(out.indexOf('合计'), out.indexOf('各行计算过程'));
    const lines = amounts(table);
    const [earned, adjustments, draw, recovery, payout] = amounts(summary);
    expect(lines.reduce((a, b) => a + b, 0)).toBeCloseTo(2147.68, 2);
    expect(earned).toBeCloseTo(
      lines.reduce((a, b) => a + b, 0),
      2,
    );
    expect(payout).toBeCloseTo((earned ?? 0) + (adjustments ?? 0) + (draw ?? 0) + (recovery ?? 0), 2);
    expect(payout).toBe(Number(s.payouts[0]!.payout) / 1e10);
    // Only the glyphs used are embedded: the font files are about 10 MB each.
    expect(pdf.length).toBeLessThan(150_000);
  });

  it('keeps English wording by default, with Chinese names and a Chinese document title', async () => {
    const s = await e.statement('zw', '2026-01');
    const pdf = await statementPdf({ ...s, payeeName: 'Ann 张' });
    const out = await text(pdf);
    for (const want of ['Earnings statement — 2026-01', 'Ann 张 (zw)', 'Period status: calculated (provisional)', 'Component', 'Total plan_east', 'commission', 'earning']) expect(out).toContain(want);
    expect(out).not.toContain('How each line was calculated');
    const meta = await getMeta(await getDocumentProxy(new Uint8Array(pdf)));
    expect((meta.info as { Title?: string }).Title).toBe('Earnings statement 2026-01 Ann 张');
  });

  it('states final periods, adjustments for a past period and an open draw balance', async () => {
    const line = (await e.statement('zw', '2026-01')).lines[0]!;
    const input: StatementPdfInput = {
      payeeId: 'zw',
      period: '2026-02',
      status: 'paid',
      locale: 'zh-CN',
      lines: [{ ...line, period: '2026-02', component: 'gone', kind: 'adjustment', trace: { ...line.trace, forPeriod: '2026-01' } }],
      payouts: [
        {
          payeeId: 'zw',
          period: '2026-02',
          planId: 'p_unknown',
          currency: 'USD',
          earned: 0n,
          adjustments: line.amount,
          drawAdvance: 0n,
          recovery: 0n,
          payout: line.amount,
          points: 0n,
          balanceAfter: 500n * 10n ** 10n,
        },
      ],
    };
    const out = await text(await statementPdf(input));
    for (const want of ['已支付（已定稿）', 'gone (归属 2026-01)', '调整', '合计 p_unknown', '尚欠预支余额', '500.00 USD']) expect(out).toContain(want);
    expect(await text(await statementPdf({ ...input, status: null, locale: 'en' }))).toContain('Period status: not opened');
  });
});

describe('statement text and names', () => {
  it('keeps what the font has and marks what it lacks', () => {
    expect(statementText('张三 Ann − ≥ … 《计划》')).toBe('张三 Ann − ≥ … 《计划》');
    expect(statementText('한 😀 a\nb')).toBe('? ? a\nb');
  });

  it('falls back to English labels, then to names', () => {
    const names = statementNames([{ ...east, label: { en: 'East' }, versions: [{ ...east.versions[0]!, components: [{ name: 'bare', type: 'rate', measure: 'revenue', rate: '1' }] }] }], 'zh-CN');
    expect(names.plans.get('plan_east')).toBe('East');
    expect(names.components.get('plan_east/bare')).toBe('bare');
    expect(statementNames([east]).components.get('plan_east/commission')).toBe('Commission');
  });
});
